import type { RequestContext } from '../../platform/auth/actor.ts';
import type { Executor } from '../../platform/db/client.ts';
import { listing, listQueries, type Page } from '../../platform/db/list.ts';
import { commonErrors, type FieldErrors } from '../../platform/http/errors.ts';
import type { ListParams } from '../../platform/http/query.ts';
import { workflowAdminErrors as errors } from './workflows.admin.errors.ts';
import * as repository from './workflows.admin.repository.ts';
import type { WorkflowRow } from './workflows.admin.repository.ts';
import type { TicketKind, WorkflowAdminDeps } from './workflows.admin.ts';
import type { NewWorkflow } from './workflows.tables.ts';
import { isViolation } from '../../platform/db/errors.ts';

export interface WorkflowInput {
  name?: string;
  description?: string;
  kind?: TicketKind;
  categoryId?: number | null;
  subcategoryId?: number | null;
  departmentId?: number | null;
  priority?: 'low' | 'medium' | 'high' | 'critical' | null;
  isDefault?: boolean;
  isActive?: boolean;
}

const NAME_TAKEN = 'A workflow with this name already exists.';
const defaultTaken = (kind: TicketKind, name?: string) =>
  `${name ? `"${name}"` : 'Another workflow'} is already the default ${kind} workflow; unset it there first.`;

const throwIfAny = (fields: FieldErrors) => {
  if (Object.keys(fields).length > 0) throw commonErrors.VALIDATION_FAILED({ fields });
};

/** Workflows: what they apply to (kind, category, department, priority, default) and whether they are on. */
export function createWorkflowVerbs({ db, audit, identity, categoryExists }: WorkflowAdminDeps) {
  /** Field errors for references to other modules' objects that do not exist. */
  async function referenceErrors(input: WorkflowInput): Promise<FieldErrors> {
    const fields: FieldErrors = {};
    const { categoryId, subcategoryId, departmentId } = input;
    if (categoryId != null && !(await categoryExists(categoryId)))
      fields.category_id = [`Category ${categoryId} does not exist.`];
    if (subcategoryId != null && !(await categoryExists(subcategoryId)))
      fields.subcategory_id = [`Category ${subcategoryId} does not exist.`];
    if (departmentId != null && (await identity.departmentsByIds([departmentId])).length === 0)
      fields.department_id = [`Department ${departmentId} does not exist.`];
    return fields;
  }

  /** Adds the name and default-per-kind clashes of a write to `fields`. */
  async function uniquenessErrors(
    tx: Executor,
    fields: FieldErrors,
    check: { name?: string; kind: TicketKind; isDefault: boolean; exceptId?: number },
  ): Promise<void> {
    if (check.name !== undefined && (await repository.workflowNameTaken(tx, check.name, check.exceptId)))
      fields.name = [NAME_TAKEN];
    if (check.isDefault) {
      const other = await repository.defaultOfKind(tx, check.kind, check.exceptId);
      if (other) fields.is_default = [defaultTaken(check.kind, other.name)];
    }
  }

  /** A write that lost a race on one of the unique indexes becomes the field error it stands for. */
  const saving = <T>(kind: TicketKind, write: Promise<T>) =>
    write.catch((error: unknown) => {
      if (isViolation(error, '23505', 'workflows_name_key'))
        throw commonErrors.VALIDATION_FAILED({ fields: { name: [NAME_TAKEN] } });
      if (isViolation(error, '23505', 'workflows_one_default_per_kind'))
        throw commonErrors.VALIDATION_FAILED({ fields: { is_default: [defaultTaken(kind)] } });
      throw error;
    });

  async function reread(tx: Executor, id: number): Promise<WorkflowRow> {
    const row = await repository.workflowById(tx, id);
    if (!row) throw errors.WORKFLOWS_WORKFLOW_NOT_FOUND();
    return row;
  }

  const columns = (input: WorkflowInput): Partial<NewWorkflow> => ({
    name: input.name,
    description: input.description,
    kind: input.kind,
    categoryId: input.categoryId,
    subcategoryId: input.subcategoryId,
    departmentId: input.departmentId,
    priority: input.priority,
    isDefault: input.isDefault,
    isActive: input.isActive,
  });

  const workflowListing = listing(
    repository.workflowList,
    listQueries(db, repository.listWorkflows, repository.countWorkflows),
  );
  return {
    listWorkflows(params: ListParams): Promise<Page<WorkflowRow>> {
      return workflowListing.page(params);
    },

    allWorkflows(params: ListParams): AsyncIterable<WorkflowRow> {
      return workflowListing.all(params);
    },

    async getWorkflow(id: number): Promise<WorkflowRow> {
      return reread(db, id);
    },

    /** Creates a workflow (no versions yet: new tickets get it only once a version is published). */
    async createWorkflow(
      ctx: RequestContext,
      input: WorkflowInput & { name: string; kind: TicketKind },
    ): Promise<WorkflowRow> {
      const fields = await referenceErrors(input);
      return db.transaction(async (tx) => {
        await uniquenessErrors(tx, fields, {
          name: input.name,
          kind: input.kind,
          isDefault: input.isDefault ?? false,
        });
        throwIfAny(fields);
        const values = { ...columns(input), name: input.name, kind: input.kind };
        const created = await saving(input.kind, repository.insertWorkflow(tx, values));
        await audit.record(tx, ctx, {
          action: 'workflow.created',
          resourceType: 'workflow',
          resourceId: created.id,
          after: created,
        });
        return reread(tx, created.id);
      });
    },

    /**
     * Applies a partial update. The kind is fixed once a version has been published
     * (its steps use that kind's statuses); a stale `expectedVersion` is VERSION_CONFLICT.
     */
    async updateWorkflow(
      ctx: RequestContext,
      id: number,
      input: WorkflowInput,
      expectedVersion?: number,
    ): Promise<WorkflowRow> {
      const fields = await referenceErrors(input);
      return db.transaction(async (tx) => {
        const before = await repository.workflowById(tx, id, { lock: true });
        if (!before) throw errors.WORKFLOWS_WORKFLOW_NOT_FOUND();
        if (expectedVersion !== undefined && before.version !== expectedVersion)
          throw commonErrors.VERSION_CONFLICT({ extra: { current: before } });
        const kind = input.kind ?? before.kind;
        if (kind !== before.kind && before.publishedVersionId !== null)
          fields.kind = [
            'The kind cannot change once a version has been published: its steps use the statuses of its kind.',
          ];
        await uniquenessErrors(tx, fields, {
          name: input.name,
          kind,
          // Only a write that makes the workflow a default of some kind can clash.
          isDefault:
            (input.isDefault ?? before.isDefault) && (input.isDefault === true || kind !== before.kind),
          exceptId: id,
        });
        throwIfAny(fields);
        const after = await saving(kind, repository.updateWorkflow(tx, id, columns(input)));
        await audit.record(tx, ctx, {
          action: 'workflow.updated',
          resourceType: 'workflow',
          resourceId: id,
          before,
          after,
        });
        return reread(tx, id);
      });
    },

    /** Deletes a workflow with its versions; one that any ticket runs on is WORKFLOWS_WORKFLOW_IN_USE. */
    async deleteWorkflow(ctx: RequestContext, id: number, expectedVersion?: number): Promise<void> {
      await db.transaction(async (tx) => {
        const before = await repository.workflowById(tx, id, { lock: true });
        if (!before) throw errors.WORKFLOWS_WORKFLOW_NOT_FOUND();
        if (expectedVersion !== undefined && before.version !== expectedVersion)
          throw commonErrors.VERSION_CONFLICT({ extra: { current: before } });
        if (await repository.workflowHasRuns(tx, id)) throw errors.WORKFLOWS_WORKFLOW_IN_USE();
        // A run started concurrently still holds its version (the foreign key restricts).
        await repository.deleteWorkflow(tx, id).catch((error: unknown) => {
          throw isViolation(error, '23503') ? errors.WORKFLOWS_WORKFLOW_IN_USE() : error;
        });
        await audit.record(tx, ctx, {
          action: 'workflow.deleted',
          resourceType: 'workflow',
          resourceId: id,
          before,
        });
      });
    },
  };
}
