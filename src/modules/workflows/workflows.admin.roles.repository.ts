import { and, asc, count, eq, getTableColumns, inArray, sql, type SQL } from 'drizzle-orm';
import type { Executor } from '../../platform/db/client.ts';
import { defineList } from '../../platform/http/query.ts';
import { bump, versionIs, type Rows } from './workflows.admin.repository.ts';
import {
  assigneeProfiles,
  assignmentQueue,
  assignmentRoleMembers,
  assignmentRoles,
  workflows,
  workflowVersions,
  type AssigneeProfile,
  type AssignmentRole,
  type WorkflowVersionStatus,
} from './workflows.tables.ts';

/** The admin API's queries on assignment roles, their members and assignee profiles. */

// Assignment roles

/** A role with how many people are in it. */
export type AssignmentRoleRow = AssignmentRole & { memberCount: number };

const roleColumns = {
  ...getTableColumns(assignmentRoles),
  memberCount:
    sql<number>`(select count(*) from ${assignmentRoleMembers} where ${assignmentRoleMembers.roleId} = ${assignmentRoles.id})`.mapWith(
      Number,
    ),
};

export const roleList = defineList({
  id: assignmentRoles.id,
  filters: {},
  search: [assignmentRoles.name, assignmentRoles.description],
  sort: {
    id: { column: assignmentRoles.id },
    name: { column: assignmentRoles.name },
    created_at: { column: assignmentRoles.createdAt },
  },
  defaultSort: 'name',
});

export const listRoles: Rows<AssignmentRoleRow> = (executor, where, orderBy, limit, offset) =>
  executor
    .select(roleColumns)
    .from(assignmentRoles)
    .where(where)
    .orderBy(...orderBy)
    .limit(limit)
    .offset(offset);

export async function countRoles(executor: Executor, where: SQL | undefined): Promise<number> {
  const [row] = await executor.select({ value: count() }).from(assignmentRoles).where(where);
  return row?.value ?? 0;
}

/** One role; `lock` row-locks it for the transaction (serializes writes to it and its members). */
export async function roleById(
  executor: Executor,
  id: number,
  options: { lock?: boolean } = {},
): Promise<AssignmentRoleRow | undefined> {
  const query = executor.select(roleColumns).from(assignmentRoles).where(eq(assignmentRoles.id, id));
  const [row] = options.lock ? await query.for('update', { of: assignmentRoles }) : await query;
  return row;
}

export async function roleNameTaken(executor: Executor, name: string, exceptId?: number): Promise<boolean> {
  const [row] = await executor
    .select({ id: assignmentRoles.id })
    .from(assignmentRoles)
    .where(
      and(
        sql`lower(${assignmentRoles.name}) = lower(${name})`,
        exceptId === undefined ? undefined : sql`${assignmentRoles.id} <> ${exceptId}`,
      ),
    );
  return row !== undefined;
}

export async function insertRole(
  executor: Executor,
  values: { name: string; description?: string },
): Promise<AssignmentRole> {
  const [row] = await executor.insert(assignmentRoles).values(values).returning();
  if (!row) throw new Error('insert returned no row');
  return row;
}

/** Updates a role and bumps its version if the version still matches; undefined when it does not. */
export async function updateRole(
  executor: Executor,
  id: number,
  values: { name?: string; description?: string },
  expectedVersion?: number,
): Promise<AssignmentRole | undefined> {
  const [row] = await executor
    .update(assignmentRoles)
    .set({ ...values, ...bump(assignmentRoles.version) })
    .where(and(eq(assignmentRoles.id, id), versionIs(assignmentRoles.version, expectedVersion)))
    .returning();
  return row;
}

export async function deleteRole(
  executor: Executor,
  id: number,
  expectedVersion?: number,
): Promise<AssignmentRole | undefined> {
  const [row] = await executor
    .delete(assignmentRoles)
    .where(and(eq(assignmentRoles.id, id), versionIs(assignmentRoles.version, expectedVersion)))
    .returning();
  return row;
}

/** The tickets waiting in a role's queue, oldest first (whatever workflow version they run on). */
export async function queuedTicketIds(executor: Executor, roleId: number): Promise<number[]> {
  const rows = await executor
    .select({ ticketId: assignmentQueue.ticketId })
    .from(assignmentQueue)
    .where(eq(assignmentQueue.roleId, roleId))
    .orderBy(asc(assignmentQueue.queuedAt), asc(assignmentQueue.ticketId));
  return rows.map((row) => row.ticketId);
}

/**
 * Those of `ids` that name an existing role. `share` takes a share lock on them, so a
 * role cannot be deleted while the caller's transaction relies on it (publishing).
 */
export async function existingRoleIds(
  executor: Executor,
  ids: number[],
  options: { share?: boolean } = {},
): Promise<number[]> {
  if (ids.length === 0) return [];
  const query = executor
    .select({ id: assignmentRoles.id })
    .from(assignmentRoles)
    .where(inArray(assignmentRoles.id, ids));
  const rows = options.share ? await query.for('share') : await query;
  return rows.map((row) => row.id);
}

/** A workflow version that names a role, as the refusal to delete that role lists it. */
export interface RoleReference {
  workflowId: number;
  workflowName: string;
  number: number;
  status: WorkflowVersionStatus;
}

/**
 * The published and draft versions whose steps (`role_id`) or transitions
 * (`required_role_id`) name the role, found by jsonb containment.
 */
export function versionsNamingRole(executor: Executor, roleId: number): Promise<RoleReference[]> {
  const step = JSON.stringify([{ role_id: roleId }]);
  const transition = JSON.stringify([{ required_role_id: roleId }]);
  return executor
    .select({
      workflowId: workflowVersions.workflowId,
      workflowName: workflows.name,
      number: workflowVersions.number,
      status: workflowVersions.status,
    })
    .from(workflowVersions)
    .innerJoin(workflows, eq(workflows.id, workflowVersions.workflowId))
    .where(
      and(
        inArray(workflowVersions.status, ['published', 'draft']),
        sql`(${workflowVersions.definition} -> 'steps' @> ${step}::jsonb or ${workflowVersions.definition} -> 'transitions' @> ${transition}::jsonb)`,
      ),
    )
    .orderBy(asc(workflowVersions.workflowId), asc(workflowVersions.number));
}

/** Bumps a role's version: its members changed, and so did its representation. */
export async function touchRole(executor: Executor, id: number): Promise<void> {
  await executor.update(assignmentRoles).set(bump(assignmentRoles.version)).where(eq(assignmentRoles.id, id));
}

// Members

export interface Membership {
  userId: number;
  createdAt: Date;
}

export function membersOf(executor: Executor, roleId: number): Promise<Membership[]> {
  return executor
    .select({ userId: assignmentRoleMembers.userId, createdAt: assignmentRoleMembers.createdAt })
    .from(assignmentRoleMembers)
    .where(eq(assignmentRoleMembers.roleId, roleId))
    .orderBy(asc(assignmentRoleMembers.createdAt), asc(assignmentRoleMembers.userId));
}

/** Adds members; those already in the role are left as they are. Returns the user ids added. */
export async function insertMembers(
  executor: Executor,
  roleId: number,
  userIds: number[],
): Promise<number[]> {
  if (userIds.length === 0) return [];
  const rows = await executor
    .insert(assignmentRoleMembers)
    .values(userIds.map((userId) => ({ roleId, userId })))
    .onConflictDoNothing()
    .returning({ userId: assignmentRoleMembers.userId });
  return rows.map((row) => row.userId);
}

export async function deleteMember(executor: Executor, roleId: number, userId: number): Promise<boolean> {
  const rows = await executor
    .delete(assignmentRoleMembers)
    .where(and(eq(assignmentRoleMembers.roleId, roleId), eq(assignmentRoleMembers.userId, userId)))
    .returning({ userId: assignmentRoleMembers.userId });
  return rows.length > 0;
}

export async function roleIdsOfUser(executor: Executor, userId: number): Promise<number[]> {
  const rows = await executor
    .select({ roleId: assignmentRoleMembers.roleId })
    .from(assignmentRoleMembers)
    .where(eq(assignmentRoleMembers.userId, userId))
    .orderBy(asc(assignmentRoleMembers.roleId));
  return rows.map((row) => row.roleId);
}

// Assignee profiles

export const profileList = defineList({
  id: assigneeProfiles.userId,
  idOf: (row: AssigneeProfile) => row.userId,
  filters: {
    user: { column: assigneeProfiles.userId, type: 'integer', description: 'User id.' },
    calendar: { column: assigneeProfiles.calendarId, type: 'integer', description: 'Calendar id.' },
  },
  search: [],
  sort: {
    user_id: { column: assigneeProfiles.userId },
    updated_at: { column: assigneeProfiles.updatedAt },
  },
  defaultSort: 'user_id',
});

export const listProfiles: Rows<AssigneeProfile> = (executor, where, orderBy, limit, offset) =>
  executor
    .select()
    .from(assigneeProfiles)
    .where(where)
    .orderBy(...orderBy)
    .limit(limit)
    .offset(offset);

export async function countProfiles(executor: Executor, where: SQL | undefined): Promise<number> {
  const [row] = await executor.select({ value: count() }).from(assigneeProfiles).where(where);
  return row?.value ?? 0;
}

export async function profileOf(
  executor: Executor,
  userId: number,
  options: { lock?: boolean } = {},
): Promise<AssigneeProfile | undefined> {
  const query = executor.select().from(assigneeProfiles).where(eq(assigneeProfiles.userId, userId));
  const [row] = options.lock ? await query.for('update') : await query;
  return row;
}

/** Creates a profile; undefined when one was created concurrently. */
export async function insertProfile(
  executor: Executor,
  values: { userId: number; capacity: number | null; calendarId: number | null },
): Promise<AssigneeProfile | undefined> {
  const [row] = await executor.insert(assigneeProfiles).values(values).onConflictDoNothing().returning();
  return row;
}

export async function updateProfile(
  executor: Executor,
  userId: number,
  values: { capacity: number | null; calendarId: number | null },
  expectedVersion?: number,
): Promise<AssigneeProfile | undefined> {
  const [row] = await executor
    .update(assigneeProfiles)
    .set({ ...values, ...bump(assigneeProfiles.version) })
    .where(and(eq(assigneeProfiles.userId, userId), versionIs(assigneeProfiles.version, expectedVersion)))
    .returning();
  return row;
}
