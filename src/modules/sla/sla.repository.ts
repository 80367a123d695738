import { and, asc, eq, inArray, isNull, lte, or, sql } from 'drizzle-orm';
import type { Executor } from '../../platform/db/client.ts';
import {
  slaEscalations,
  slaLedger,
  slaPolicies,
  ticketSlas,
  type NewTicketSla,
  type SlaLedgerEntry,
  type SlaPolicy,
  type TicketSla,
} from './sla.tables.ts';

/** The clocks' queries; policies have their own file (sla.policies.repository.ts). */

/** The active policy for a priority: the category's own first, then the priority's general one. */
export async function policyFor(
  executor: Executor,
  priority: string,
  categoryId: number | null,
): Promise<SlaPolicy | undefined> {
  const [row] = await executor
    .select()
    .from(slaPolicies)
    .where(
      and(
        eq(slaPolicies.isActive, true),
        eq(slaPolicies.priority, priority as SlaPolicy['priority']),
        categoryId === null
          ? isNull(slaPolicies.categoryId)
          : or(isNull(slaPolicies.categoryId), eq(slaPolicies.categoryId, categoryId)),
      ),
    )
    .orderBy(sql`${slaPolicies.categoryId} is null`)
    .limit(1);
  return row;
}

export async function slaOf(
  executor: Executor,
  ticketId: number,
  lock = false,
): Promise<TicketSla | undefined> {
  const query = executor.select().from(ticketSlas).where(eq(ticketSlas.ticketId, ticketId));
  const [row] = lock ? await query.for('update') : await query;
  return row;
}

/** The row when its next check is due and no one else holds it; undefined otherwise. */
export async function claimDue(
  executor: Executor,
  ticketId: number,
  now: Date,
): Promise<TicketSla | undefined> {
  const [row] = await executor
    .select()
    .from(ticketSlas)
    .where(and(eq(ticketSlas.ticketId, ticketId), lte(ticketSlas.nextCheckAt, now)))
    .for('update', { skipLocked: true });
  return row;
}

export async function dueTicketIds(executor: Executor, now: Date, limit: number): Promise<number[]> {
  const rows = await executor
    .select({ ticketId: ticketSlas.ticketId })
    .from(ticketSlas)
    .where(lte(ticketSlas.nextCheckAt, now))
    .orderBy(asc(ticketSlas.nextCheckAt))
    .limit(limit);
  return rows.map((row) => row.ticketId);
}

export async function insertSla(executor: Executor, values: NewTicketSla): Promise<void> {
  await executor.insert(ticketSlas).values(values).onConflictDoNothing();
}

export async function updateSla(
  executor: Executor,
  ticketId: number,
  values: Partial<NewTicketSla>,
): Promise<void> {
  await executor
    .update(ticketSlas)
    .set({ ...values, version: sql`${ticketSlas.version} + 1`, updatedAt: new Date() })
    .where(eq(ticketSlas.ticketId, ticketId));
}

export async function deleteTicketState(executor: Executor, ticketId: number): Promise<void> {
  await executor.delete(ticketSlas).where(eq(ticketSlas.ticketId, ticketId));
  await executor.delete(slaLedger).where(eq(slaLedger.ticketId, ticketId));
  await executor.delete(slaEscalations).where(eq(slaEscalations.ticketId, ticketId));
}

export async function addLedger(executor: Executor, values: typeof slaLedger.$inferInsert): Promise<void> {
  await executor.insert(slaLedger).values(values);
}

export function ledgerOf(executor: Executor, ticketId: number): Promise<SlaLedgerEntry[]> {
  return executor.select().from(slaLedger).where(eq(slaLedger.ticketId, ticketId)).orderBy(asc(slaLedger.id));
}

export async function firedStages(executor: Executor, ticketId: number): Promise<Set<string>> {
  const rows = await executor
    .select({ metric: slaEscalations.metric, stage: slaEscalations.stage })
    .from(slaEscalations)
    .where(eq(slaEscalations.ticketId, ticketId));
  return new Set(rows.map((row) => `${row.metric}/${row.stage}`));
}

/** Claims a stage: true for the one transaction that records it first, false for every other. */
export async function claimStage(
  executor: Executor,
  values: { ticketId: number; metric: 'first_response' | 'resolution'; stage: string },
): Promise<boolean> {
  const rows = await executor
    .insert(slaEscalations)
    .values(values)
    .onConflictDoNothing()
    .returning({ ticketId: slaEscalations.ticketId });
  return rows.length > 0;
}

export async function setStageActions(
  executor: Executor,
  values: { ticketId: number; metric: 'first_response' | 'resolution'; stage: string },
  actions: Record<string, unknown>,
): Promise<void> {
  await executor
    .update(slaEscalations)
    .set({ actions })
    .where(
      and(
        eq(slaEscalations.ticketId, values.ticketId),
        eq(slaEscalations.metric, values.metric),
        eq(slaEscalations.stage, values.stage),
      ),
    );
}

/** Open tickets (not resolved) on a calendar or a policy, for a recompute. */
export async function openTicketIds(
  executor: Executor,
  scope: { calendarId?: number; policyId?: number },
): Promise<number[]> {
  const rows = await executor
    .select({ ticketId: ticketSlas.ticketId })
    .from(ticketSlas)
    .where(
      and(
        isNull(ticketSlas.resolvedAt),
        scope.calendarId === undefined ? undefined : eq(ticketSlas.calendarId, scope.calendarId),
        scope.policyId === undefined ? undefined : eq(ticketSlas.policyId, scope.policyId),
      ),
    )
    .orderBy(asc(ticketSlas.ticketId));
  return rows.map((row) => row.ticketId);
}

/** Names of the active policies counted on a calendar (a calendar in use cannot be deleted). */
export async function policiesOnCalendar(executor: Executor, calendarId: number): Promise<string[]> {
  const rows = await executor
    .select({ name: slaPolicies.name })
    .from(slaPolicies)
    .where(and(eq(slaPolicies.calendarId, calendarId), eq(slaPolicies.isActive, true)));
  return rows.map((row) => row.name);
}

// Many tickets at once (imports): one statement per relation, whatever the number of tickets.

export function activePolicies(executor: Executor): Promise<SlaPolicy[]> {
  return executor.select().from(slaPolicies).where(eq(slaPolicies.isActive, true));
}

export function policiesByIds(executor: Executor, ids: number[]): Promise<SlaPolicy[]> {
  if (ids.length === 0) return Promise.resolve([]);
  return executor.select().from(slaPolicies).where(inArray(slaPolicies.id, ids));
}

export async function insertSlas(executor: Executor, values: NewTicketSla[]): Promise<void> {
  if (values.length > 0) await executor.insert(ticketSlas).values(values).onConflictDoNothing();
}

export async function addLedgerMany(
  executor: Executor,
  values: (typeof slaLedger.$inferInsert)[],
): Promise<void> {
  if (values.length > 0) await executor.insert(slaLedger).values(values);
}

export function slasOf(executor: Executor, ticketIds: number[]): Promise<TicketSla[]> {
  if (ticketIds.length === 0) return Promise.resolve([]);
  return executor
    .select()
    .from(ticketSlas)
    .where(inArray(ticketSlas.ticketId, ticketIds))
    .orderBy(asc(ticketSlas.ticketId))
    .for('update');
}

export function ledgersOf(executor: Executor, ticketIds: number[]): Promise<SlaLedgerEntry[]> {
  if (ticketIds.length === 0) return Promise.resolve([]);
  return executor
    .select()
    .from(slaLedger)
    .where(inArray(slaLedger.ticketId, ticketIds))
    .orderBy(asc(slaLedger.id));
}

export async function firedStagesOf(
  executor: Executor,
  ticketIds: number[],
): Promise<Map<number, Set<string>>> {
  const fired = new Map<number, Set<string>>();
  if (ticketIds.length === 0) return fired;
  const rows = await executor
    .select({ ticketId: slaEscalations.ticketId, metric: slaEscalations.metric, stage: slaEscalations.stage })
    .from(slaEscalations)
    .where(inArray(slaEscalations.ticketId, ticketIds));
  for (const row of rows) {
    const set = fired.get(row.ticketId) ?? new Set<string>();
    set.add(`${row.metric}/${row.stage}`);
    fired.set(row.ticketId, set);
  }
  return fired;
}

/** Stages due before their clock started, recorded as fired and skipped (see `startClock`). */
export async function skipStages(
  executor: Executor,
  values: { ticketId: number; metric: 'first_response' | 'resolution'; stage: string; actions: object }[],
): Promise<void> {
  if (values.length > 0) await executor.insert(slaEscalations).values(values).onConflictDoNothing();
}

/** The copies of ticket fields a clock row keeps, for many rows: one statement. */
export async function updateCopiesMany(
  executor: Executor,
  rows: Pick<TicketSla, 'ticketId' | 'kind' | 'priority' | 'departmentId' | 'categoryId' | 'assigneeId'>[],
): Promise<void> {
  if (rows.length === 0) return;
  const column = <T>(pick: (row: (typeof rows)[number]) => T) => sql.param(rows.map(pick));
  await executor.execute(sql`
    update ${ticketSlas} as s set kind = v.kind, priority = v.priority, department_id = v.department_id,
      category_id = v.category_id, assignee_id = v.assignee_id, version = s.version + 1, updated_at = now()
    from unnest(${column((r) => r.ticketId)}::int[], ${column((r) => r.kind)}::text[], ${column((r) => r.priority)}::text[],
      ${column((r) => r.departmentId)}::int[], ${column((r) => r.categoryId)}::int[], ${column((r) => r.assigneeId)}::int[])
      as v(ticket_id, kind, priority, department_id, category_id, assignee_id)
    where s.ticket_id = v.ticket_id`);
}

/** What a step entry settles, for many rows: one statement. */
export async function updateSettledMany(
  executor: Executor,
  rows: Pick<
    TicketSla,
    | 'ticketId'
    | 'pausedSince'
    | 'stepKey'
    | 'stepName'
    | 'stepEnteredAt'
    | 'stepBudgetMs'
    | 'firstResponseDueAt'
    | 'resolutionDueAt'
    | 'firstResponseBreached'
    | 'resolutionBreached'
    | 'status'
    | 'stepDueAt'
    | 'nextCheckAt'
  >[],
): Promise<void> {
  if (rows.length === 0) return;
  const column = <T>(pick: (row: (typeof rows)[number]) => T) => sql.param(rows.map(pick));
  const instant = (pick: (row: (typeof rows)[number]) => Date | null) =>
    column((row) => pick(row)?.toISOString() ?? null);
  await executor.execute(sql`
    update ${ticketSlas} as s set paused_since = v.paused_since, step_key = v.step_key, step_name = v.step_name,
      step_entered_at = v.step_entered_at, step_budget_ms = v.step_budget_ms,
      first_response_due_at = v.first_response_due_at, resolution_due_at = v.resolution_due_at,
      first_response_breached = v.first_response_breached, resolution_breached = v.resolution_breached,
      status = v.status, step_due_at = v.step_due_at, next_check_at = v.next_check_at,
      version = s.version + 1, updated_at = now()
    from unnest(${column((r) => r.ticketId)}::int[], ${instant((r) => r.pausedSince)}::timestamptz[],
      ${column((r) => r.stepKey)}::text[], ${column((r) => r.stepName)}::text[], ${instant((r) => r.stepEnteredAt)}::timestamptz[],
      ${column((r) => r.stepBudgetMs)}::bigint[], ${instant((r) => r.firstResponseDueAt)}::timestamptz[],
      ${instant((r) => r.resolutionDueAt)}::timestamptz[], ${column((r) => r.firstResponseBreached)}::boolean[],
      ${column((r) => r.resolutionBreached)}::boolean[], ${column((r) => r.status)}::text[],
      ${instant((r) => r.stepDueAt)}::timestamptz[], ${instant((r) => r.nextCheckAt)}::timestamptz[])
      as v(ticket_id, paused_since, step_key, step_name, step_entered_at, step_budget_ms, first_response_due_at,
        resolution_due_at, first_response_breached, resolution_breached, status, step_due_at, next_check_at)
    where s.ticket_id = v.ticket_id`);
}
