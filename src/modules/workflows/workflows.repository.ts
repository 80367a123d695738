import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import type { Executor } from '../../platform/db/client.ts';
import {
  assigneeProfiles,
  assignmentPointers,
  assignmentQueue,
  assignmentRoleMembers,
  ticketAssignments,
  ticketWorkflows,
  workflows,
  workflowVersions,
  type AssigneeProfile,
  type QueuedAssignment,
  type TicketAssignment,
  type TicketWorkflow,
  type WorkflowVersion,
} from './workflows.tables.ts';
import type { Candidate } from './workflows.match.ts';

/** The runtime's queries (matching, runs, assignment); the admin API has its own file. */

export async function publishedCandidates(
  executor: Executor,
  kind: 'incident' | 'service',
): Promise<Candidate[]> {
  const rows = await executor
    .select({ workflow: workflows, version: workflowVersions })
    .from(workflows)
    .innerJoin(workflowVersions, eq(workflowVersions.id, workflows.publishedVersionId))
    .where(and(eq(workflows.kind, kind), eq(workflows.isActive, true)));
  return rows;
}

export async function versionById(executor: Executor, id: number): Promise<WorkflowVersion | undefined> {
  const [row] = await executor.select().from(workflowVersions).where(eq(workflowVersions.id, id));
  return row;
}

export async function runOf(
  executor: Executor,
  ticketId: number,
  lock = false,
): Promise<TicketWorkflow | undefined> {
  const query = executor.select().from(ticketWorkflows).where(eq(ticketWorkflows.ticketId, ticketId));
  const [row] = lock ? await query.for('update') : await query;
  return row;
}

export async function insertRun(
  executor: Executor,
  values: typeof ticketWorkflows.$inferInsert,
): Promise<TicketWorkflow> {
  const [row] = await executor.insert(ticketWorkflows).values(values).returning();
  if (!row) throw new Error('ticket workflow insert returned nothing');
  return row;
}

export async function moveRun(
  executor: Executor,
  ticketId: number,
  values: Pick<TicketWorkflow, 'stepKey' | 'stepEnteredAt' | 'finishedAt'>,
): Promise<TicketWorkflow | undefined> {
  const [row] = await executor
    .update(ticketWorkflows)
    .set({ ...values, version: sql`${ticketWorkflows.version} + 1`, updatedAt: new Date() })
    .where(eq(ticketWorkflows.ticketId, ticketId))
    .returning();
  return row;
}

export async function deleteTicketState(executor: Executor, ticketId: number): Promise<void> {
  await executor.delete(assignmentQueue).where(eq(assignmentQueue.ticketId, ticketId));
  await executor.delete(ticketWorkflows).where(eq(ticketWorkflows.ticketId, ticketId));
  await executor.delete(ticketAssignments).where(eq(ticketAssignments.ticketId, ticketId));
}

/** Members of a role in a fixed order (user id): the order round robin walks. */
export async function memberIdsOf(executor: Executor, roleId: number): Promise<number[]> {
  const rows = await executor
    .select({ userId: assignmentRoleMembers.userId })
    .from(assignmentRoleMembers)
    .where(eq(assignmentRoleMembers.roleId, roleId))
    .orderBy(asc(assignmentRoleMembers.userId));
  return rows.map((row) => row.userId);
}

export async function isMember(executor: Executor, roleId: number, userId: number): Promise<boolean> {
  const [row] = await executor
    .select({ userId: assignmentRoleMembers.userId })
    .from(assignmentRoleMembers)
    .where(and(eq(assignmentRoleMembers.roleId, roleId), eq(assignmentRoleMembers.userId, userId)));
  return row !== undefined;
}

/**
 * Locks the role's pointer row (creating it first) and answers who won the last tie:
 * every assignment to the role, in any process, waits here for the one before it to
 * commit, so loads are never stale. One statement: the upsert takes the row lock.
 */
export async function lockPointer(executor: Executor, roleId: number): Promise<number | null> {
  const [row] = await executor
    .insert(assignmentPointers)
    .values({ roleId })
    .onConflictDoUpdate({ target: assignmentPointers.roleId, set: { roleId } })
    .returning({ lastUserId: assignmentPointers.lastUserId });
  return row?.lastUserId ?? null;
}

/**
 * Records a decision that gave the ticket to `values.userId`: moves the role's pointer,
 * takes the ticket off the queue and stores the decision, in one round trip (it runs
 * under the role's lock).
 */
export async function recordChoice(
  executor: Executor,
  values: typeof ticketAssignments.$inferInsert & { roleId: number; userId: number },
): Promise<void> {
  await executor.execute(sql`
    with pointer as (
      update ${assignmentPointers} set last_user_id = ${values.userId}, updated_at = now()
      where role_id = ${values.roleId}
    ), dequeued as (
      delete from ${assignmentQueue} where ticket_id = ${values.ticketId}
    )
    insert into ${ticketAssignments} (ticket_id, user_id, role_id, step_key, method, reason, details, actor_id)
    values (${values.ticketId}, ${values.userId}, ${values.roleId}, ${values.stepKey ?? null}, ${values.method},
            ${values.reason}, ${JSON.stringify(values.details ?? {})}::jsonb, ${values.actorId ?? null})`);
}

export function profilesOf(executor: Executor, userIds: number[]): Promise<AssigneeProfile[]> {
  if (userIds.length === 0) return Promise.resolve([]);
  return executor.select().from(assigneeProfiles).where(inArray(assigneeProfiles.userId, userIds));
}

export async function insertAssignment(
  executor: Executor,
  values: typeof ticketAssignments.$inferInsert,
): Promise<TicketAssignment> {
  const [row] = await executor.insert(ticketAssignments).values(values).returning();
  if (!row) throw new Error('assignment insert returned nothing');
  return row;
}

export function assignmentsOf(executor: Executor, ticketId: number): Promise<TicketAssignment[]> {
  return executor
    .select()
    .from(ticketAssignments)
    .where(eq(ticketAssignments.ticketId, ticketId))
    .orderBy(asc(ticketAssignments.id));
}

export async function enqueueTicket(
  executor: Executor,
  values: typeof assignmentQueue.$inferInsert,
): Promise<void> {
  await executor
    .insert(assignmentQueue)
    .values(values)
    .onConflictDoUpdate({
      target: assignmentQueue.ticketId,
      set: {
        roleId: values.roleId,
        stepKey: values.stepKey,
        requiresAvailability: values.requiresAvailability,
        reason: values.reason,
        queuedAt: new Date(),
      },
    });
}

export async function dequeueTicket(executor: Executor, ticketId: number): Promise<void> {
  await executor.delete(assignmentQueue).where(eq(assignmentQueue.ticketId, ticketId));
}

export function queue(executor: Executor, limit: number, roleId?: number): Promise<QueuedAssignment[]> {
  return executor
    .select()
    .from(assignmentQueue)
    .where(roleId === undefined ? undefined : eq(assignmentQueue.roleId, roleId))
    .orderBy(asc(assignmentQueue.queuedAt), asc(assignmentQueue.ticketId))
    .limit(limit);
}

/** The oldest queued ticket of a role that no other drainer holds, locked for the transaction. */
export async function claimQueued(
  executor: Executor,
  roleId: number,
  after?: { queuedAt: Date; ticketId: number },
) {
  const [row] = await executor
    .select()
    .from(assignmentQueue)
    .where(
      and(
        eq(assignmentQueue.roleId, roleId),
        after
          ? sql`(${assignmentQueue.queuedAt}, ${assignmentQueue.ticketId}) > (${after.queuedAt}, ${after.ticketId})`
          : undefined,
      ),
    )
    .orderBy(asc(assignmentQueue.queuedAt), asc(assignmentQueue.ticketId))
    .limit(1)
    .for('update', { skipLocked: true });
  return row;
}

export async function queuedRoleIds(executor: Executor): Promise<number[]> {
  const rows = await executor.selectDistinct({ roleId: assignmentQueue.roleId }).from(assignmentQueue);
  return rows.map((row) => row.roleId);
}

/** How many people have this calendar as their working hours (a calendar in use cannot be deleted). */
export async function profilesOnCalendar(executor: Executor, calendarId: number): Promise<number> {
  const rows = await executor
    .select({ userId: assigneeProfiles.userId })
    .from(assigneeProfiles)
    .where(eq(assigneeProfiles.calendarId, calendarId));
  return rows.length;
}

// Many tickets at once (imports): one statement per table, whatever the number of tickets.

export async function insertRuns(
  executor: Executor,
  values: (typeof ticketWorkflows.$inferInsert)[],
): Promise<void> {
  if (values.length > 0) await executor.insert(ticketWorkflows).values(values);
}

export async function insertAssignments(
  executor: Executor,
  values: (typeof ticketAssignments.$inferInsert)[],
): Promise<void> {
  if (values.length > 0) await executor.insert(ticketAssignments).values(values);
}

export async function enqueueTickets(
  executor: Executor,
  values: (typeof assignmentQueue.$inferInsert)[],
): Promise<void> {
  if (values.length === 0) return;
  await executor
    .insert(assignmentQueue)
    .values(values)
    .onConflictDoUpdate({
      target: assignmentQueue.ticketId,
      set: {
        roleId: sql`excluded.role_id`,
        stepKey: sql`excluded.step_key`,
        requiresAvailability: sql`excluded.requires_availability`,
        reason: sql`excluded.reason`,
        queuedAt: sql`now()`,
      },
    });
}

export async function dequeueTickets(executor: Executor, ticketIds: number[]): Promise<void> {
  if (ticketIds.length > 0)
    await executor.delete(assignmentQueue).where(inArray(assignmentQueue.ticketId, ticketIds));
}

/** Members of each role, each in user id order (the order round robin walks). */
export async function memberIdsOfRoles(
  executor: Executor,
  roleIds: number[],
): Promise<Map<number, number[]>> {
  const members = new Map<number, number[]>(roleIds.map((roleId) => [roleId, []]));
  if (roleIds.length === 0) return members;
  const rows = await executor
    .select({ roleId: assignmentRoleMembers.roleId, userId: assignmentRoleMembers.userId })
    .from(assignmentRoleMembers)
    .where(inArray(assignmentRoleMembers.roleId, roleIds))
    .orderBy(asc(assignmentRoleMembers.roleId), asc(assignmentRoleMembers.userId));
  for (const row of rows) members.get(row.roleId)?.push(row.userId);
  return members;
}

/** Moves roles' pointers to their last winners (the roles are locked by `lockPointer`). */
export async function movePointers(
  executor: Executor,
  pointers: { roleId: number; lastUserId: number }[],
): Promise<void> {
  if (pointers.length === 0) return;
  await executor.execute(sql`
    update ${assignmentPointers} as p set last_user_id = v.last_user_id, updated_at = now()
    from unnest(${sql.param(pointers.map((p) => p.roleId))}::int[], ${sql.param(pointers.map((p) => p.lastUserId))}::int[])
      as v(role_id, last_user_id)
    where p.role_id = v.role_id`);
}
