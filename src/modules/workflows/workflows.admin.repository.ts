import { and, asc, count, eq, getTableColumns, inArray, sql, type SQL } from 'drizzle-orm';
import type { AnyPgColumn } from 'drizzle-orm/pg-core';
import type { Executor } from '../../platform/db/client.ts';
import { defineList } from '../../platform/http/query.ts';
import type { WorkflowDefinition } from './workflows.definition.ts';
import {
  assigneeProfiles,
  assignmentRoleMembers,
  assignmentRoles,
  ticketWorkflows,
  workflows,
  workflowVersions,
  type AssigneeProfile,
  type AssignmentRole,
  type NewWorkflow,
  type Workflow,
  type WorkflowVersion,
  type WorkflowVersionStatus,
} from './workflows.tables.ts';

/** The admin API's queries (roles, members, profiles, workflows, versions); the runtime has its own file. */

type Rows<T> = (
  executor: Executor,
  where: SQL | undefined,
  orderBy: SQL[],
  limit: number,
  offset: number,
) => Promise<T[]>;

/** The optimistic-locking condition: none when the caller expects no particular version. */
const versionIs = (column: AnyPgColumn, expected: number | undefined) =>
  expected === undefined ? undefined : eq(column, expected);
const bump = (column: AnyPgColumn) => ({ version: sql`${column} + 1`, updatedAt: new Date() });

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

// Workflows

/** A workflow with the numbers of its published version and of its draft. */
export type WorkflowRow = Workflow & { publishedNumber: number | null; draftNumber: number | null };

const workflowColumns = {
  ...getTableColumns(workflows),
  publishedNumber: sql<
    number | null
  >`(select ${workflowVersions.number} from ${workflowVersions} where ${workflowVersions.id} = ${workflows.publishedVersionId})`,
  draftNumber: sql<
    number | null
  >`(select ${workflowVersions.number} from ${workflowVersions} where ${workflowVersions.workflowId} = ${workflows.id} and ${workflowVersions.status} = 'draft')`,
};

export const workflowList = defineList({
  id: workflows.id,
  filters: {
    kind: { column: workflows.kind, type: 'string', values: ['incident', 'service'] },
    is_active: { column: workflows.isActive, type: 'boolean' },
    is_default: { column: workflows.isDefault, type: 'boolean' },
    category: { column: workflows.categoryId, type: 'integer', description: 'Category id.' },
    department: { column: workflows.departmentId, type: 'integer', description: 'Department id.' },
    priority: {
      column: workflows.priority,
      type: 'string',
      values: ['low', 'medium', 'high', 'critical'],
    },
  },
  search: [workflows.name, workflows.description],
  sort: {
    id: { column: workflows.id },
    name: { column: workflows.name },
    created_at: { column: workflows.createdAt },
    updated_at: { column: workflows.updatedAt },
  },
  defaultSort: 'name',
});

export const listWorkflows: Rows<WorkflowRow> = (executor, where, orderBy, limit, offset) =>
  executor
    .select(workflowColumns)
    .from(workflows)
    .where(where)
    .orderBy(...orderBy)
    .limit(limit)
    .offset(offset);

export async function countWorkflows(executor: Executor, where: SQL | undefined): Promise<number> {
  const [row] = await executor.select({ value: count() }).from(workflows).where(where);
  return row?.value ?? 0;
}

/** One workflow; `lock` row-locks it: every change to it or to its versions takes this lock first. */
export async function workflowById(
  executor: Executor,
  id: number,
  options: { lock?: boolean } = {},
): Promise<WorkflowRow | undefined> {
  const query = executor.select(workflowColumns).from(workflows).where(eq(workflows.id, id));
  const [row] = options.lock ? await query.for('update', { of: workflows }) : await query;
  return row;
}

export async function workflowNameTaken(
  executor: Executor,
  name: string,
  exceptId?: number,
): Promise<boolean> {
  const [row] = await executor
    .select({ id: workflows.id })
    .from(workflows)
    .where(
      and(
        sql`lower(${workflows.name}) = lower(${name})`,
        exceptId === undefined ? undefined : sql`${workflows.id} <> ${exceptId}`,
      ),
    );
  return row !== undefined;
}

/** The default workflow of a kind other than `exceptId`, if any. */
export async function defaultOfKind(
  executor: Executor,
  kind: 'incident' | 'service',
  exceptId?: number,
): Promise<{ id: number; name: string } | undefined> {
  const [row] = await executor
    .select({ id: workflows.id, name: workflows.name })
    .from(workflows)
    .where(
      and(
        eq(workflows.kind, kind),
        eq(workflows.isDefault, true),
        exceptId === undefined ? undefined : sql`${workflows.id} <> ${exceptId}`,
      ),
    );
  return row;
}

export async function insertWorkflow(executor: Executor, values: NewWorkflow): Promise<Workflow> {
  const [row] = await executor.insert(workflows).values(values).returning();
  if (!row) throw new Error('insert returned no row');
  return row;
}

/** Updates a workflow and bumps its version if the version still matches; undefined when it does not. */
export async function updateWorkflow(
  executor: Executor,
  id: number,
  values: Partial<NewWorkflow>,
  expectedVersion?: number,
): Promise<Workflow | undefined> {
  const [row] = await executor
    .update(workflows)
    .set({ ...values, ...bump(workflows.version) })
    .where(and(eq(workflows.id, id), versionIs(workflows.version, expectedVersion)))
    .returning();
  return row;
}

export async function deleteWorkflow(
  executor: Executor,
  id: number,
  expectedVersion?: number,
): Promise<Workflow | undefined> {
  const [row] = await executor
    .delete(workflows)
    .where(and(eq(workflows.id, id), versionIs(workflows.version, expectedVersion)))
    .returning();
  return row;
}

/** Whether any ticket runs on a version of the workflow (through the runs' version index). */
export async function workflowHasRuns(executor: Executor, workflowId: number): Promise<boolean> {
  const [row] = await executor
    .select({ ticketId: ticketWorkflows.ticketId })
    .from(ticketWorkflows)
    .where(
      inArray(
        ticketWorkflows.versionId,
        executor
          .select({ id: workflowVersions.id })
          .from(workflowVersions)
          .where(eq(workflowVersions.workflowId, workflowId)),
      ),
    )
    .limit(1);
  return row !== undefined;
}

// Versions

export const versionList = defineList({
  id: workflowVersions.id,
  filters: {
    status: { column: workflowVersions.status, type: 'string', values: ['draft', 'published', 'retired'] },
  },
  search: [],
  sort: {
    number: { column: workflowVersions.number },
    created_at: { column: workflowVersions.createdAt },
  },
  defaultSort: '-number',
});

/** The list scope of one workflow's versions. */
export const versionsOf = (workflowId: number): SQL => eq(workflowVersions.workflowId, workflowId);

/** A version with its workflow's version, which is the version resource's ETag. */
export type WorkflowVersionRow = WorkflowVersion & { workflowVersion: number };

const versionColumns = { ...getTableColumns(workflowVersions), workflowVersion: workflows.version };

export const listVersions: Rows<WorkflowVersionRow> = (executor, where, orderBy, limit, offset) =>
  executor
    .select(versionColumns)
    .from(workflowVersions)
    .innerJoin(workflows, eq(workflows.id, workflowVersions.workflowId))
    .where(where)
    .orderBy(...orderBy)
    .limit(limit)
    .offset(offset);

export async function countVersions(executor: Executor, where: SQL | undefined): Promise<number> {
  const [row] = await executor.select({ value: count() }).from(workflowVersions).where(where);
  return row?.value ?? 0;
}

export async function versionByNumber(
  executor: Executor,
  workflowId: number,
  number: number,
): Promise<WorkflowVersionRow | undefined> {
  const [row] = await executor
    .select(versionColumns)
    .from(workflowVersions)
    .innerJoin(workflows, eq(workflows.id, workflowVersions.workflowId))
    .where(and(versionsOf(workflowId), eq(workflowVersions.number, number)));
  return row;
}

export async function draftOf(executor: Executor, workflowId: number): Promise<WorkflowVersion | undefined> {
  const [row] = await executor
    .select()
    .from(workflowVersions)
    .where(and(versionsOf(workflowId), eq(workflowVersions.status, 'draft')));
  return row;
}

/** The number the next version of a workflow gets (callers hold the workflow's row lock). */
export async function nextVersionNumber(executor: Executor, workflowId: number): Promise<number> {
  const [row] = await executor
    .select({ last: sql<number | null>`max(${workflowVersions.number})` })
    .from(workflowVersions)
    .where(versionsOf(workflowId));
  return (row?.last ?? 0) + 1;
}

export async function insertVersion(
  executor: Executor,
  values: { workflowId: number; number: number; definition: WorkflowDefinition; createdBy: number | null },
): Promise<WorkflowVersion> {
  const [row] = await executor.insert(workflowVersions).values(values).returning();
  if (!row) throw new Error('insert returned no row');
  return row;
}

/** Replaces a draft's definition; undefined when the version is not a draft (any more). */
export async function updateDraft(
  executor: Executor,
  id: number,
  definition: WorkflowDefinition,
): Promise<WorkflowVersion | undefined> {
  const [row] = await executor
    .update(workflowVersions)
    .set({ definition, updatedAt: new Date() })
    .where(and(eq(workflowVersions.id, id), eq(workflowVersions.status, 'draft')))
    .returning();
  return row;
}

export async function deleteDraft(executor: Executor, id: number): Promise<WorkflowVersion | undefined> {
  const [row] = await executor
    .delete(workflowVersions)
    .where(and(eq(workflowVersions.id, id), eq(workflowVersions.status, 'draft')))
    .returning();
  return row;
}

/** Retires the workflow's published version (there is at most one); returns it. */
export async function retirePublished(executor: Executor, workflowId: number): Promise<WorkflowVersion[]> {
  return executor
    .update(workflowVersions)
    .set({ status: 'retired', updatedAt: new Date() })
    .where(and(versionsOf(workflowId), eq(workflowVersions.status, 'published')))
    .returning();
}

export async function markPublished(
  executor: Executor,
  id: number,
  by: number | null,
  at: Date,
): Promise<WorkflowVersion | undefined> {
  const [row] = await executor
    .update(workflowVersions)
    .set({ status: 'published', publishedBy: by, publishedAt: at, updatedAt: at })
    .where(and(eq(workflowVersions.id, id), eq(workflowVersions.status, 'draft')))
    .returning();
  return row;
}
