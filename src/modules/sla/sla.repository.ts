import { and, asc, eq, isNull, lte, or, sql } from 'drizzle-orm';
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
