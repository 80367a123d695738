import type { Actor, RequestContext } from '../../platform/auth/actor.ts';
import { bumpGeneration } from '../../platform/cache/count-cache.ts';
import type { Database, Executor } from '../../platform/db/client.ts';
import { commonErrors, type FieldErrors } from '../../platform/http/errors.ts';
import type { AuditService } from '../audit/index.ts';
import type { StatusWalk, TicketInput, TicketRow, TicketsService, TicketStatus } from '../tickets/index.ts';
import {
  stepOf,
  type RequirableField,
  type WorkflowDefinition,
  type WorkflowStep,
  type WorkflowTransition,
} from './workflows.definition.ts';
import { workflowErrors } from './workflows.errors.ts';
import { planWalk, type Blocker, type WalkPlan } from './workflows.paths.ts';
import { roleById } from './workflows.admin.roles.repository.ts';
import * as repository from './workflows.repository.ts';
import type { RunView } from './workflows.service.ts';
import type { TicketWorkflow, WorkflowVersion } from './workflows.tables.ts';

export interface TransitionInput {
  action: string;
  fields?: {
    description?: string;
    category_id?: number | null;
    subcategory_id?: number | null;
    incident_type_id?: number | null;
    facility_id?: number | null;
    due_date?: string | null;
  };
  comment?: string;
}

const FIELD_INPUT: Record<Exclude<RequirableField, 'comment'>, keyof TicketInput> = {
  description: 'description',
  category_id: 'categoryId',
  subcategory_id: 'subcategoryId',
  incident_type_id: 'incidentTypeId',
  facility_id: 'facilityId',
  due_date: 'dueDate',
};

const isEmpty = (value: unknown) => value === null || value === undefined || value === '';

/** What the transition verb shares with the service: reading a run's version, entering a step. */
export interface TransitionInternals {
  db: Database;
  audit: Pick<AuditService, 'record'>;
  tickets: Pick<
    TicketsService,
    'applyInTransaction' | 'lockedTicket' | 'canWork' | 'canManage' | 'referenceErrors'
  >;
  definitionOf: (tx: Executor, run: TicketWorkflow) => Promise<WorkflowVersion>;
  enterStep: (
    tx: Executor,
    ctx: RequestContext,
    ticket: TicketRow,
    definition: WorkflowDefinition,
    step: WorkflowStep,
  ) => Promise<TicketRow>;
}

/** The transition verb of the workflows service, and the walk to a status set directly (v1). */
export function createTransitionVerb({ db, audit, tickets, definitionOf, enterStep }: TransitionInternals) {
  async function checkRole(tx: Executor, actor: Actor, ticket: TicketRow, roleId: number | null | undefined) {
    if (roleId == null || tickets.canManage(actor, ticket)) return;
    if (!(await repository.isMember(tx, roleId, actor.userId))) {
      const role = await roleById(tx, roleId);
      throw workflowErrors.WORKFLOWS_ROLE_REQUIRED({
        message: `Only members of "${role?.name ?? roleId}" (or a manager) may do this.`,
      });
    }
  }

  function fieldChanges(
    ticket: TicketRow,
    transition: WorkflowTransition,
    input: TransitionInput,
  ): TicketInput {
    const changes: TicketInput = {};
    const missing: FieldErrors = {};
    for (const [field, key] of Object.entries(FIELD_INPUT) as [
      Exclude<RequirableField, 'comment'>,
      keyof TicketInput,
    ][]) {
      const given = input.fields?.[field];
      if (given !== undefined) Object.assign(changes, { [key]: given });
    }
    for (const field of transition.required_fields ?? []) {
      const value =
        field === 'comment'
          ? input.comment
          : field in changes
            ? changes[FIELD_INPUT[field]]
            : ticket[FIELD_INPUT[field] as keyof TicketRow];
      if (isEmpty(value))
        missing[field] = [`This field is required to "${transition.name ?? transition.action}".`];
    }
    if (Object.keys(missing).length > 0) throw commonErrors.VALIDATION_FAILED({ fields: missing });
    return changes;
  }

  /**
   * Takes `transition` to `target` on a locked ticket: the fields it sets and the
   * target's status (as a change of the ticket's), the step entered, and the audit entry.
   */
  async function take(
    tx: Executor,
    ctx: RequestContext,
    ticket: TicketRow,
    definition: WorkflowDefinition,
    transition: WorkflowTransition,
    target: WorkflowStep,
    changes: TicketInput,
    note: { comment: string | null } | { via: 'status' },
    referenceErrors: FieldErrors = {},
  ): Promise<TicketRow> {
    let current = ticket;
    if (target.status !== current.status) changes.status = target.status;
    if (Object.keys(changes).length > 0)
      current = await tickets.applyInTransaction(tx, ctx, current, changes, 'transition', referenceErrors);
    current = await enterStep(tx, ctx, current, definition, target);
    await audit.record(tx, ctx, {
      action: 'workflow.transitioned',
      resourceType: 'ticket',
      resourceId: ticket.id,
      after: { action: transition.action, from: transition.from, to: target.key, ...note },
    });
    return current;
  }

  /** What keeps `actor` from taking `transition` on the ticket as it is (v1 gives no comment). */
  function blockersOf(
    ticket: TicketRow,
    transition: WorkflowTransition,
    heldRoles: ReadonlySet<number> | 'all',
  ): Blocker[] {
    const blockers: Blocker[] = [];
    const roleId = transition.required_role_id;
    if (roleId != null && heldRoles !== 'all' && !heldRoles.has(roleId)) blockers.push({ role: roleId });
    for (const field of transition.required_fields ?? []) {
      if (field === 'comment' || isEmpty(ticket[FIELD_INPUT[field] as keyof TicketRow]))
        blockers.push({ field });
    }
    return blockers;
  }

  /** The roles of the definition's transitions that `actor` holds; 'all' for the ticket's managers. */
  async function heldRoles(
    tx: Executor,
    actor: Actor,
    ticket: TicketRow,
    definition: WorkflowDefinition,
  ): Promise<ReadonlySet<number> | 'all'> {
    if (tickets.canManage(actor, ticket)) return 'all';
    const held = new Set<number>();
    const needed = new Set(
      definition.transitions.flatMap((t) => (t.required_role_id ? [t.required_role_id] : [])),
    );
    for (const roleId of needed) if (await repository.isMember(tx, roleId, actor.userId)) held.add(roleId);
    return held;
  }

  async function describeBlocker(tx: Executor, transition: WorkflowTransition, blocker: Blocker) {
    const action = `"${transition.action}"`;
    if ('role' in blocker) {
      const role = await roleById(tx, blocker.role);
      return `${action} is for members of "${role?.name ?? blocker.role}" (or a manager)`;
    }
    if (blocker.field === 'comment')
      return `${action} needs a comment (take it through /api/v2/tickets/{id}/transitions)`;
    return `${action} needs ${blocker.field}`;
  }

  /**
   * Why the plan found no way: missing request fields, when giving them would open one
   * (a 400 naming them); otherwise every blocked transition that would have led on.
   */
  async function refusal(
    tx: Executor,
    stepKey: string,
    status: TicketStatus,
    plan: Extract<WalkPlan, { blocked: unknown }>,
  ): Promise<Extract<StatusWalk, { refused: unknown }>['refused']> {
    const reachable = plan.reachable as TicketStatus[];
    const fieldsOnly = plan.blocked.filter(({ blockers }) =>
      blockers.every((blocker) => 'field' in blocker && blocker.field !== 'comment'),
    );
    if (fieldsOnly.length > 0) {
      const missingFields: FieldErrors = {};
      for (const { transition, blockers } of fieldsOnly)
        for (const blocker of blockers)
          if ('field' in blocker)
            (missingFields[blocker.field] ??= []).push(
              `This field is required on the way to "${status}" (action "${transition.action}").`,
            );
      return { reason: 'Fields are missing.', reachable, missingFields };
    }
    if (plan.blocked.length === 0)
      return {
        reason: `The workflow has no way from step "${stepKey}" to a step with status "${status}"${reachable.length ? `; reachable: ${reachable.join(', ')}` : ''}.`,
        reachable,
      };
    const reasons: string[] = [];
    for (const { transition, blockers } of plan.blocked)
      for (const blocker of blockers) reasons.push(await describeBlocker(tx, transition, blocker));
    return { reason: `Cannot reach "${status}" from step "${stepKey}": ${reasons.join('; ')}.`, reachable };
  }

  /**
   * A status set directly (v1): the fewest transitions from the current step to a step
   * with that status that `ctx.actor` may take with the ticket's fields as they are,
   * each taken in turn; undefined when the ticket runs no workflow (or has finished it).
   */
  async function walk(
    tx: Executor,
    ctx: RequestContext,
    ticket: TicketRow,
    status: TicketStatus,
  ): Promise<StatusWalk | undefined> {
    const run = await repository.runOf(tx, ticket.id, true);
    if (!run || run.finishedAt || run.stepKey === null) return undefined;
    const { definition } = await definitionOf(tx, run);
    const held = await heldRoles(tx, ctx.actor, ticket, definition);
    const plan = planWalk(definition, run.stepKey, status, (transition) =>
      blockersOf(ticket, transition, held),
    );
    if (!('path' in plan)) return { refused: await refusal(tx, run.stepKey, status, plan) };
    let current = ticket;
    for (const transition of plan.path) {
      const target = stepOf(definition, transition.to);
      if (!target) throw new Error(`step "${transition.to}" vanished from a published version`);
      current = await take(tx, ctx, current, definition, transition, target, {}, { via: 'status' });
    }
    return { ticket: current };
  }

  /**
   * Acts on a ticket: the named transition from its current step, with the fields it
   * requires (given here or already on the ticket). Only people who may work the
   * ticket act, and only the transition's role (or a manager) when it names one.
   */
  async function transition(
    ctx: RequestContext,
    ticketId: number,
    input: TransitionInput,
  ): Promise<RunView & { ticket: TicketRow }> {
    const referenceErrors = await tickets.referenceErrors({
      facilityId: input.fields?.facility_id ?? undefined,
    });
    const result = await db.transaction(async (tx) => {
      let ticket = await tickets.lockedTicket(tx, ticketId, ctx.actor);
      if (!tickets.canWork(ctx.actor, ticket)) throw commonErrors.PERMISSION_DENIED();
      const run = await repository.runOf(tx, ticketId, true);
      if (!run) throw workflowErrors.WORKFLOWS_NO_RUN();
      if (run.finishedAt) throw workflowErrors.WORKFLOWS_RUN_FINISHED();
      const version = await definitionOf(tx, run);
      const { definition } = version;
      const available = definition.transitions.filter((candidate) => candidate.from === run.stepKey);
      const chosen = available.find((candidate) => candidate.action === input.action);
      const target = chosen ? stepOf(definition, chosen.to) : undefined;
      if (!chosen || !target) {
        throw workflowErrors.WORKFLOWS_UNKNOWN_ACTION({
          message: `"${input.action}" is not available from step "${run.stepKey ?? ''}"${available.length ? `; available: ${available.map((t) => t.action).join(', ')}` : ''}.`,
          extra: { available: available.map((t) => t.action) },
        });
      }
      await checkRole(tx, ctx.actor, ticket, chosen.required_role_id);
      const changes = fieldChanges(ticket, chosen, input);
      ticket = await take(
        tx,
        ctx,
        ticket,
        definition,
        chosen,
        target,
        changes,
        { comment: input.comment ?? null },
        referenceErrors,
      );
      const moved = await repository.runOf(tx, ticketId);
      if (!moved) throw workflowErrors.WORKFLOWS_NO_RUN();
      return {
        ticket,
        run: moved,
        definition,
        versionNumber: version.number,
        step: target,
        transitions: definition.transitions.filter((candidate) => candidate.from === target.key),
      };
    });
    await bumpGeneration(db, 'tickets');
    return result;
  }

  return { transition, walk };
}
