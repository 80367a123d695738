import { and, count, eq, getTableColumns, inArray, sql, type SQL } from 'drizzle-orm';
import type { AnyPgColumn } from 'drizzle-orm/pg-core';
import type { Executor } from '../../platform/db/client.ts';
import { defineList } from '../../platform/http/query.ts';
import type { WorkflowDefinition } from './workflows.definition.ts';
import {
  ticketWorkflows,
  workflows,
  workflowVersions,
  type NewWorkflow,
  type Workflow,
  type WorkflowVersion,
} from './workflows.tables.ts';
import { PRIORITIES, TICKET_KINDS } from '../tickets/index.ts';

/**
 * The admin API's queries on workflows and their versions (roles, members and profiles
 * are in workflows.admin.roles.repository.ts); the runtime has its own file.
 */

/** The rows query of a list, as `listQueries` takes it. */
export type Rows<T> = (
  executor: Executor,
  where: SQL | undefined,
  orderBy: SQL[],
  limit: number,
  offset: number,
) => Promise<T[]>;

/** The optimistic-locking condition: none when the caller expects no particular version. */
export const versionIs = (column: AnyPgColumn, expected: number | undefined) =>
  expected === undefined ? undefined : eq(column, expected);
/** The SET of a versioned write: the version one up, updated_at now. */
export const bump = (column: AnyPgColumn) => ({ version: sql`${column} + 1`, updatedAt: new Date() });

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
    kind: { column: workflows.kind, type: 'string', values: [...TICKET_KINDS] },
    is_active: { column: workflows.isActive, type: 'boolean' },
    is_default: { column: workflows.isDefault, type: 'boolean' },
    category: { column: workflows.categoryId, type: 'integer', description: 'Category id.' },
    department: { column: workflows.departmentId, type: 'integer', description: 'Department id.' },
    priority: {
      column: workflows.priority,
      type: 'string',
      values: [...PRIORITIES],
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
