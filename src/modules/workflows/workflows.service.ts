import { systemContext, type Actor, type RequestContext } from '../../platform/auth/actor.ts';
import { bumpGeneration } from '../../platform/cache/count-cache.ts';
import type { Database, Executor } from '../../platform/db/client.ts';
import type { AuditService } from '../audit/index.ts';
import type { BusinessCalendar } from '../calendars/index.ts';
import {
  isFinal,
  isOpenStatus,
  type TicketHooks,
  type TicketRow,
  type TicketsService,
} from '../tickets/index.ts';
import { createAssignment, type AssignmentDeps } from './workflows.assignment.ts';
import {
  isFinalStep,
  startStepOf,
  stepOf,
  totalWeight,
  type WorkflowDefinition,
  type WorkflowStep,
  type WorkflowTransition,
} from './workflows.definition.ts';
import { workflowErrors } from './workflows.errors.ts';
import { createTransitionVerb } from './workflows.transitions.ts';
import type { StepEnteredHook, StepEnteredManyHook } from './workflows.events.ts';
import { createAssignmentBatch } from './workflows.assignment.batch.ts';
import { createWorkflowBatch } from './workflows.batch.ts';
import { matchWorkflow } from './workflows.match.ts';
import { profileOf, roleById } from './workflows.admin.roles.repository.ts';
import * as repository from './workflows.repository.ts';
import type { QueuedAssignment, TicketAssignment, TicketWorkflow } from './workflows.tables.ts';

/** A role's queue is read up to this many entries, oldest first, before it is narrowed to what the reader may see. */
const MAX_QUEUE_SCANNED = 5000;

export interface WorkflowsDeps extends Omit<AssignmentDeps, 'now' | 'tickets'> {
  db: Database;
  audit: Pick<AuditService, 'record' | 'recordMany'>;
  tickets: Pick<
    TicketsService,
    | 'applyInTransaction'
    | 'assignMany'
    | 'openLoad'
    | 'lockedTicket'
    | 'visible'
    | 'visibleIds'
    | 'canWork'
    | 'canManage'
    | 'referenceErrors'
  >;
  /** Told of every step a ticket enters, in the same transaction (the SLA clocks). */
  onStepEntered?: StepEnteredHook;
  /** The same for many tickets entering steps at once (imports). */
  onStepEnteredMany?: StepEnteredManyHook;
  /** Asks for the assignment queue to be retried soon, in the caller's transaction (a job). */
  requestDrain?: (tx: Executor) => Promise<void>;
  now?: () => Date;
}

/** A ticket's workflow run as the API shows it. */
export interface RunView {
  run: TicketWorkflow;
  definition: WorkflowDefinition;
  versionNumber: number;
  step: WorkflowStep | null;
  transitions: WorkflowTransition[];
}

/**
 * The workflow runtime: matches a new ticket to a workflow (and records why), moves it
 * through steps by named transitions, assigns each step's work fairly, and keeps the
 * workflow in step with status changes made outside it (v1 frontends change status
 * directly). Listens to tickets through `ticketHooks`.
 */
export function createWorkflowsService(deps: WorkflowsDeps) {
  const { db, audit, tickets } = deps;
  const now = deps.now ?? (() => new Date());
  const assignment = createAssignment({ ...deps, now });
  const requestDrain = (tx: Executor) => deps.requestDrain?.(tx) ?? Promise.resolve();

  async function definitionOf(tx: Executor, run: TicketWorkflow) {
    const version = await repository.versionById(tx, run.versionId);
    if (!version) throw new Error(`workflow version ${run.versionId} vanished`);
    return version;
  }

  /**
   * Moves the run into `step`: the ticket takes the step's status (unless it is there),
   * the SLA hears of it, and a step with a role assigns the work (unless `keepAssignee`
   * and someone has it). Answers the ticket.
   */
  async function enterStep(
    tx: Executor,
    ctx: RequestContext,
    ticket: TicketRow,
    definition: WorkflowDefinition,
    step: WorkflowStep,
    options: { keepAssignee?: boolean; started?: { at: Date } } = {},
  ): Promise<TicketRow> {
    const at = options.started?.at ?? now();
    const final = isFinalStep(step);
    // A run just started in this step (`started`) is there already.
    if (!options.started)
      await repository.moveRun(tx, ticket.id, {
        stepKey: step.key,
        stepEnteredAt: at,
        finishedAt: final ? at : null,
      });
    let current = ticket;
    if (current.status !== step.status)
      current = await tickets.applyInTransaction(tx, ctx, current, { status: step.status }, 'automation');
    await deps.onStepEntered?.(tx, ctx, { ticket: current, step, totalWeight: totalWeight(definition), at });
    if (options.keepAssignee && current.assigneeId !== null) {
      await repository.dequeueTicket(tx, ticket.id);
    } else if (step.role_id != null && !final && step.status !== 'resolved') {
      current = await assignment.assignFromRole(tx, ctx, current, {
        roleId: step.role_id,
        stepKey: step.key,
        requiresAvailability: step.requires_availability ?? false,
      });
    } else {
      await repository.dequeueTicket(tx, ticket.id);
    }
    return current;
  }

  async function recordAssignment(
    tx: Executor,
    ctx: RequestContext,
    ticket: TicketRow,
    method: TicketAssignment['method'],
    reason: string,
  ) {
    await repository.dequeueTicket(tx, ticket.id);
    await repository.insertAssignment(tx, {
      ticketId: ticket.id,
      userId: ticket.assigneeId,
      method,
      reason,
      actorId: ctx.actor.userId || null,
    });
  }

  const { transition, walk } = createTransitionVerb({ db, audit, tickets, definitionOf, enterStep });

  const ticketHooks: TicketHooks = {
    async created(tx, ctx, ticket) {
      const { chosen, trace } = matchWorkflow(ticket, await repository.publishedCandidates(tx, ticket.kind));
      if (!chosen) return;
      const start = startStepOf(chosen.version.definition);
      if (!start) return;
      const at = now();
      await repository.insertRun(tx, {
        ticketId: ticket.id,
        workflowId: chosen.workflow.id,
        versionId: chosen.version.id,
        stepKey: start.key,
        stepEnteredAt: at,
        finishedAt: isFinalStep(start) ? at : null,
        trace,
      });
      await audit.record(tx, ctx, {
        action: 'workflow.matched',
        resourceType: 'ticket',
        resourceId: ticket.id,
        after: trace,
      });
      if (ticket.assigneeId !== null)
        await recordAssignment(tx, ctx, ticket, 'manual', `assigned by ${ctx.actor.username} when reporting`);
      // Someone the reporter named keeps the ticket; the start step's role gets it otherwise.
      return enterStep(tx, ctx, ticket, chosen.version.definition, start, {
        keepAssignee: true,
        started: { at },
      });
    },

    async changed(tx, ctx, { before, after, source }) {
      const releasedLoad =
        (before.assigneeId !== null && before.assigneeId !== after.assigneeId) ||
        (after.status !== before.status && !isOpenStatus(after.status));
      if (releasedLoad) await requestDrain(tx);
      if (source !== 'user') return;
      if (after.assigneeId !== before.assigneeId) {
        await recordAssignment(
          tx,
          ctx,
          after,
          after.assigneeId === null ? 'released' : 'manual',
          after.assigneeId === null
            ? `unassigned by ${ctx.actor.username}`
            : `assigned by ${ctx.actor.username}`,
        );
      }
      if (after.status === before.status) return;
      const run = await repository.runOf(tx, after.id, true);
      if (!run || run.finishedAt) return;
      const { definition } = await definitionOf(tx, run);
      // A status set directly follows the workflow when a transition from here leads to that status.
      const transition = definition.transitions.find(
        (candidate) =>
          candidate.from === run.stepKey && stepOf(definition, candidate.to)?.status === after.status,
      );
      const target = transition ? stepOf(definition, transition.to) : undefined;
      if (target) {
        const moved = await enterStep(tx, ctx, after, definition, target);
        await audit.record(tx, ctx, {
          action: 'workflow.transitioned',
          resourceType: 'ticket',
          resourceId: after.id,
          after: { action: transition?.action, from: run.stepKey, to: target.key, via: 'status' },
        });
        return moved;
      }
      if (isFinal(after.kind, after.status)) {
        await repository.moveRun(tx, after.id, {
          stepKey: run.stepKey,
          stepEnteredAt: run.stepEnteredAt,
          finishedAt: now(),
        });
      }
    },

    async deleted(tx, _ctx, ticket) {
      await repository.deleteTicketState(tx, ticket.id);
    },

    // A status a v1 client sets is reached by the transitions that lead there.
    walkToStatus: walk,
  };
  ticketHooks.createdMany = createWorkflowBatch({
    audit,
    single: ticketHooks as Required<Pick<TicketHooks, 'created'>>,
    assignMany: createAssignmentBatch({
      tickets,
      notifications: deps.notifications,
      eligibleAt: assignment.eligibleAt,
      now,
    }).assignMany,
    onStepEntered: deps.onStepEntered,
    onStepEnteredMany: deps.onStepEnteredMany,
    now,
  }).createdMany;

  return {
    ticketHooks,

    /**
     * Acts on a ticket: the named transition from its current step, with the fields it
     * requires (given here or already on the ticket). Only people who may work the
     * ticket act, and only the transition's role (or a manager) when it names one.
     */
    transition,

    /** The ticket's run: workflow, version, step, the actions open from it, and the match trace. */
    async runOf(actor: Actor, ticketId: number): Promise<RunView> {
      await tickets.visible(actor, ticketId);
      const run = await repository.runOf(db, ticketId);
      if (!run) throw workflowErrors.WORKFLOWS_NO_RUN();
      const version = await definitionOf(db, run);
      const step = stepOf(version.definition, run.stepKey) ?? null;
      return {
        run,
        definition: version.definition,
        versionNumber: version.number,
        step,
        transitions: run.finishedAt
          ? []
          : version.definition.transitions.filter((t) => t.from === run.stepKey),
      };
    },

    /**
     * The tickets waiting for someone of a role that `actor` may read (a manager: their
     * department's), oldest first (at most `limit`), with why.
     */
    async queueOf(actor: Actor, roleId: number, limit = 200): Promise<QueuedAssignment[]> {
      if (!(await roleById(db, roleId))) throw workflowErrors.WORKFLOWS_ROLE_NOT_FOUND();
      const waiting = await repository.queue(db, MAX_QUEUE_SCANNED, roleId);
      const readable = await tickets.visibleIds(
        actor,
        waiting.map((entry) => entry.ticketId),
      );
      return waiting.filter((entry) => readable.has(entry.ticketId)).slice(0, limit);
    },

    /** Every assignment decision for the ticket, oldest first, each with its reason. */
    async assignmentsOf(actor: Actor, ticketId: number): Promise<TicketAssignment[]> {
      await tickets.visible(actor, ticketId);
      return repository.assignmentsOf(db, ticketId);
    },

    /**
     * Hands a locked ticket to `userId` on the system's decision (escalation to a
     * manager), recorded with `reason`. Answers the ticket as it now is.
     */
    async reassign(
      tx: Executor,
      ctx: RequestContext,
      ticket: TicketRow,
      userId: number,
      reason: string,
    ): Promise<TicketRow> {
      if (ticket.assigneeId === userId) return ticket;
      const after = await tickets.applyInTransaction(tx, ctx, ticket, { assigneeId: userId }, 'automation');
      await repository.dequeueTicket(tx, ticket.id);
      await repository.insertAssignment(tx, {
        ticketId: ticket.id,
        userId,
        method: 'escalation',
        reason,
        actorId: null,
      });
      return after;
    },

    /**
     * Retries queued tickets, oldest first per role, each in its own transaction, until
     * a role has nobody available. Answers how many were assigned.
     */
    async drainQueue(): Promise<number> {
      const ctx = systemContext('assignment');
      let assigned = 0;
      for (const roleId of await repository.queuedRoleIds(db)) {
        let after: { queuedAt: Date; ticketId: number } | undefined;
        for (;;) {
          const outcome = await db.transaction(async (tx) => {
            const queued = await repository.claimQueued(tx, roleId, after);
            if (!queued) return 'empty' as const;
            after = { queuedAt: queued.queuedAt, ticketId: queued.ticketId };
            const ticket = await tickets.lockedTicket(tx, queued.ticketId);
            const result = await assignment.assignFromRole(tx, ctx, ticket, {
              roleId,
              stepKey: queued.stepKey,
              requiresAvailability: queued.requiresAvailability,
            });
            return result.assigneeId === null ? ('nobody' as const) : ('assigned' as const);
          });
          if (outcome !== 'assigned') break;
          assigned += 1;
        }
      }
      if (assigned > 0) await bumpGeneration(db, 'tickets');
      return assigned;
    },

    /** The working-hours calendar of a person (their assignee profile), read through `executor`; null: none set. */
    async workingCalendarOf(userId: number, executor: Executor): Promise<BusinessCalendar | null> {
      const profile = await profileOf(executor, userId);
      return profile?.calendarId == null ? null : deps.calendars.engineFor(profile.calendarId, executor);
    },

    /** How many people work the hours of this calendar, read through `executor`. */
    peopleOnCalendar: (executor: Executor, calendarId: number) =>
      repository.profilesOnCalendar(executor, calendarId),
  };
}

export type WorkflowsService = ReturnType<typeof createWorkflowsService>;
