import type { RequestContext } from '../../platform/auth/actor.ts';
import type { Executor } from '../../platform/db/client.ts';
import { listing, listQueries, type Page } from '../../platform/db/list.ts';
import { commonErrors, fieldError, type FieldErrors } from '../../platform/http/errors.ts';
import type { ListParams } from '../../platform/http/query.ts';
import { checkDefinition, type WorkflowDefinition } from './workflows.definition.ts';
import { workflowAdminErrors as errors } from './workflows.admin.errors.ts';
import * as repository from './workflows.admin.repository.ts';
import { existingRoleIds } from './workflows.admin.roles.repository.ts';
import type { WorkflowRow, WorkflowVersionRow } from './workflows.admin.repository.ts';
import type { WorkflowAdminDeps } from './workflows.admin.ts';
import type { WorkflowVersion } from './workflows.tables.ts';
import { isViolation } from '../../platform/db/errors.ts';

/** How a draft starts: a definition, or a copy of an existing version's (`from`, its number). */
export interface DraftInput {
  definition?: WorkflowDefinition;
  from?: number;
}

/** The role ids a definition names, in steps and transitions. */
export const rolesNamedBy = (definition: WorkflowDefinition): number[] => [
  ...new Set(
    [
      ...definition.steps.map((step) => step.role_id),
      ...definition.transitions.map((transition) => transition.required_role_id),
    ].filter((id): id is number => id != null),
  ),
];

const notDraft = (version: WorkflowVersion) =>
  errors.WORKFLOWS_VERSION_NOT_DRAFT({
    message:
      `Version ${version.number} is ${version.status}, and published and retired versions never change ` +
      `(tickets run on them). Start a new draft from it: POST .../versions with {"from": ${version.number}}.`,
  });

/**
 * Versions of a workflow: at most one draft, which alone can change; publishing it
 * retires the version published before (tickets running on that one keep it).
 */
export function createVersionVerbs({ db, audit, allowedMove }: WorkflowAdminDeps) {
  async function lockWorkflow(tx: Executor, id: number): Promise<WorkflowRow> {
    const workflow = await repository.workflowById(tx, id, { lock: true });
    if (!workflow) throw errors.WORKFLOWS_WORKFLOW_NOT_FOUND();
    return workflow;
  }

  /** The version, checked to be a draft and (with `expectedVersion`) that the workflow is unchanged. */
  async function lockDraft(
    tx: Executor,
    workflowId: number,
    number: number,
    expectedVersion: number | undefined,
  ): Promise<{ workflow: WorkflowRow; version: WorkflowVersionRow }> {
    const workflow = await lockWorkflow(tx, workflowId);
    const version = await repository.versionByNumber(tx, workflowId, number);
    if (!version) throw errors.WORKFLOWS_VERSION_NOT_FOUND();
    if (version.status !== 'draft') throw notDraft(version);
    if (expectedVersion !== undefined && workflow.version !== expectedVersion)
      throw commonErrors.VERSION_CONFLICT({ extra: { current: version } });
    return { workflow, version };
  }

  /** Bumps the workflow's version (the ETag of it and its versions) after a change to its versions. */
  async function touch(tx: Executor, workflowId: number, values: { publishedVersionId?: number } = {}) {
    const workflow = await repository.updateWorkflow(tx, workflowId, values);
    if (!workflow) throw errors.WORKFLOWS_WORKFLOW_NOT_FOUND();
    return workflow.version;
  }

  const versionListing = listing(
    repository.versionList,
    listQueries(db, repository.listVersions, repository.countVersions),
  );
  return {
    /** A page of a workflow's versions (none for a workflow that does not exist: check it first). */
    listVersions(workflowId: number, params: ListParams): Promise<Page<WorkflowVersionRow>> {
      return versionListing.page(params, repository.versionsOf(workflowId));
    },

    allVersions(workflowId: number, params: ListParams): AsyncIterable<WorkflowVersionRow> {
      return versionListing.all(params, repository.versionsOf(workflowId));
    },

    async getVersion(workflowId: number, number: number): Promise<WorkflowVersionRow> {
      const version = await repository.versionByNumber(db, workflowId, number);
      if (!version) throw errors.WORKFLOWS_VERSION_NOT_FOUND();
      return version;
    },

    /**
     * Starts the workflow's draft, numbered after its last version, from a definition
     * or a copy of version `from`. A second draft is WORKFLOWS_DRAFT_EXISTS. A draft
     * may be incomplete: publishing is what checks it.
     */
    async createDraft(
      ctx: RequestContext,
      workflowId: number,
      input: DraftInput,
    ): Promise<WorkflowVersionRow> {
      if ((input.definition === undefined) === (input.from === undefined))
        throw fieldError(
          'definition',
          'Send either a definition or "from": the number of a version to copy.',
        );
      return db.transaction(async (tx) => {
        await lockWorkflow(tx, workflowId);
        const draft = await repository.draftOf(tx, workflowId);
        if (draft) throw errors.WORKFLOWS_DRAFT_EXISTS({ extra: { draft: draft.number } });
        let definition = input.definition;
        if (input.from !== undefined) {
          const source = await repository.versionByNumber(tx, workflowId, input.from);
          if (!source) throw fieldError('from', `This workflow has no version ${input.from}.`);
          definition = source.definition;
        }
        const created = await repository
          .insertVersion(tx, {
            workflowId,
            number: await repository.nextVersionNumber(tx, workflowId),
            definition: definition ?? { steps: [], transitions: [] },
            createdBy: ctx.actor.userId || null,
          })
          .catch((error: unknown) => {
            throw isViolation(error, '23505') ? errors.WORKFLOWS_DRAFT_EXISTS() : error;
          });
        const workflowVersion = await touch(tx, workflowId);
        await audit.record(tx, ctx, {
          action: 'workflow_version.created',
          resourceType: 'workflow_version',
          resourceId: created.id,
          after: created,
        });
        return { ...created, workflowVersion };
      });
    },

    /** Replaces a draft's definition; any other version is WORKFLOWS_VERSION_NOT_DRAFT. */
    async updateDraft(
      ctx: RequestContext,
      workflowId: number,
      number: number,
      definition: WorkflowDefinition,
      expectedVersion?: number,
    ): Promise<WorkflowVersionRow> {
      return db.transaction(async (tx) => {
        const { version: before } = await lockDraft(tx, workflowId, number, expectedVersion);
        const after = await repository.updateDraft(tx, before.id, definition);
        if (!after) throw notDraft(before);
        const workflowVersion = await touch(tx, workflowId);
        await audit.record(tx, ctx, {
          action: 'workflow_version.updated',
          resourceType: 'workflow_version',
          resourceId: before.id,
          before,
          after,
        });
        return { ...after, workflowVersion };
      });
    },

    async deleteDraft(ctx: RequestContext, workflowId: number, number: number, expectedVersion?: number) {
      await db.transaction(async (tx) => {
        const { version: before } = await lockDraft(tx, workflowId, number, expectedVersion);
        if (!(await repository.deleteDraft(tx, before.id))) throw notDraft(before);
        await touch(tx, workflowId);
        await audit.record(tx, ctx, {
          action: 'workflow_version.deleted',
          resourceType: 'workflow_version',
          resourceId: before.id,
          before,
        });
      });
    },

    /**
     * Publishes a draft: it must pass `checkDefinition` (WORKFLOWS_DEFINITION_INVALID
     * with every problem as a field error keyed by its path otherwise). In one
     * transaction the draft becomes published, the version published before becomes
     * retired, and the workflow points new tickets at the new one. Runs of tickets on
     * the retired version are not touched: they finish on it.
     */
    async publish(
      ctx: RequestContext,
      workflowId: number,
      number: number,
      expectedVersion?: number,
    ): Promise<WorkflowVersionRow> {
      return db.transaction(async (tx) => {
        const { workflow, version } = await lockDraft(tx, workflowId, number, expectedVersion);
        // Share-locked, so none of the roles can be deleted before this commits.
        const roles = new Set(await existingRoleIds(tx, rolesNamedBy(version.definition), { share: true }));
        const problems = checkDefinition(version.definition, {
          kind: workflow.kind,
          roleExists: (id) => roles.has(id),
          allowedMove,
        });
        if (problems.length > 0) {
          const fields: FieldErrors = {};
          for (const { path, message } of problems) (fields[path] ??= []).push(message);
          throw errors.WORKFLOWS_DEFINITION_INVALID({ fields });
        }
        const retired = await repository.retirePublished(tx, workflowId);
        const published = await repository.markPublished(
          tx,
          version.id,
          ctx.actor.userId || null,
          new Date(),
        );
        if (!published) throw notDraft(version);
        const workflowVersion = await touch(tx, workflowId, { publishedVersionId: version.id });
        await audit.record(tx, ctx, {
          action: 'workflow_version.published',
          resourceType: 'workflow_version',
          resourceId: version.id,
          before: version,
          after: { ...published, retired_version: retired[0]?.number ?? null },
        });
        return { ...published, workflowVersion };
      });
    },
  };
}
