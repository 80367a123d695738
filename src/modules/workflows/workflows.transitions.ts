import type { Actor, RequestContext } from '../../platform/auth/actor.ts';
import { bumpGeneration } from '../../platform/cache/count-cache.ts';
import type { Database, Executor } from '../../platform/db/client.ts';
import { commonErrors, type FieldErrors } from '../../platform/http/errors.ts';
import type { AuditService } from '../audit/index.ts';
import type { TicketInput, TicketRow, TicketsService } from '../tickets/index.ts';
import {
  stepOf,
  type RequirableField,
  type WorkflowDefinition,
  type WorkflowStep,
  type WorkflowTransition,
} from './workflows.definition.ts';
import { workflowErrors } from './workflows.errors.ts';
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

/** The transition verb of the workflows service (see `transition` there). */
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
   * Acts on a ticket: the named transition from its current step, with the fields it
   * requires (given here or already on the ticket). Only people who may work the
   * ticket act, and only the transition's role (or a manager) when it names one.
   */
  return async function transition(
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
      const transition = available.find((candidate) => candidate.action === input.action);
      const target = transition ? stepOf(definition, transition.to) : undefined;
      if (!transition || !target) {
        throw workflowErrors.WORKFLOWS_UNKNOWN_ACTION({
          message: `"${input.action}" is not available from step "${run.stepKey ?? ''}"${available.length ? `; available: ${available.map((t) => t.action).join(', ')}` : ''}.`,
          extra: { available: available.map((t) => t.action) },
        });
      }
      await checkRole(tx, ctx.actor, ticket, transition.required_role_id);
      const changes = fieldChanges(ticket, transition, input);
      if (target.status !== ticket.status) changes.status = target.status;
      if (Object.keys(changes).length > 0)
        ticket = await tickets.applyInTransaction(tx, ctx, ticket, changes, 'transition', referenceErrors);
      ticket = await enterStep(tx, ctx, ticket, definition, target);
      await audit.record(tx, ctx, {
        action: 'workflow.transitioned',
        resourceType: 'ticket',
        resourceId: ticketId,
        after: {
          action: transition.action,
          from: run.stepKey,
          to: target.key,
          comment: input.comment ?? null,
        },
      });
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
  };
}
