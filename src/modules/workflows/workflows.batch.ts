import type { RequestContext } from '../../platform/auth/actor.ts';
import type { Executor } from '../../platform/db/client.ts';
import type { AuditService } from '../audit/index.ts';
import type { TicketHooks, TicketRow } from '../tickets/index.ts';
import type { AssignmentTarget } from './workflows.assignment.ts';
import { isFinalStep, startStepOf, totalWeight, type WorkflowStep } from './workflows.definition.ts';
import type { StepEntered, StepEnteredHook, StepEnteredManyHook } from './workflows.events.ts';
import { matchWorkflow, type Candidate, type MatchTrace } from './workflows.match.ts';
import * as repository from './workflows.repository.ts';

/**
 * The workflow runtime's `created` for many tickets at once (imports): each ticket
 * matched to its workflow (the candidates read once per kind), its run started in the
 * start step, the match audited, a reporter's own choice of assignee recorded, the SLA
 * told of the step, and the step's role assigning the rest fairly, with one statement
 * per table for the batch. A ticket whose start step changes its status or finishes
 * at once takes the one-ticket path (`single`), in the same transaction.
 */
export interface WorkflowBatchDeps {
  audit: Pick<AuditService, 'recordMany'>;
  single: Required<Pick<TicketHooks, 'created'>>;
  assignMany: (
    tx: Executor,
    ctx: RequestContext,
    items: readonly { ticket: TicketRow; target?: AssignmentTarget }[],
  ) => Promise<TicketRow[]>;
  onStepEntered?: StepEnteredHook;
  onStepEnteredMany?: StepEnteredManyHook;
  now: () => Date;
}

export function createWorkflowBatch(deps: WorkflowBatchDeps) {
  const { audit, single, assignMany, now } = deps;

  async function stepEntered(tx: Executor, ctx: RequestContext, events: StepEntered[]) {
    if (deps.onStepEnteredMany) return deps.onStepEnteredMany(tx, ctx, events);
    for (const event of events) await deps.onStepEntered?.(tx, ctx, event);
  }

  interface Started {
    index: number;
    ticket: TicketRow;
    chosen: Candidate;
    start: WorkflowStep;
    trace: MatchTrace;
  }

  /**
   * Tickets in order: runs of tickets that start plainly go through `startMany`; one
   * that needs the one-ticket path ends the run before it, so assignment decides in
   * the order one create after the other would.
   */
  async function createdMany(tx: Executor, ctx: RequestContext, tickets: TicketRow[]): Promise<TicketRow[]> {
    const candidates = new Map<string, Candidate[]>();
    for (const kind of new Set(tickets.map((ticket) => ticket.kind)))
      candidates.set(kind, await repository.publishedCandidates(tx, kind));
    const result = [...tickets];
    let run: Started[] = [];
    const flush = async () => {
      const first = run[0];
      const last = run[run.length - 1];
      if (!first || !last) return;
      // The tickets between the run's first and last, whatever their workflow: their assignees count.
      const span = result.slice(first.index, last.index + 1);
      const started = new Map((await startMany(tx, ctx, run, span)).map((row) => [row.id, row]));
      for (const { index, ticket } of run) result[index] = started.get(ticket.id) ?? ticket;
      run = [];
    };
    for (const [index, ticket] of tickets.entries()) {
      const { chosen, trace } = matchWorkflow(ticket, candidates.get(ticket.kind) ?? []);
      const start = chosen ? startStepOf(chosen.version.definition) : undefined;
      if (!chosen || !start) continue;
      if (start.status === ticket.status && !isFinalStep(start)) {
        run.push({ index, ticket, chosen, start, trace });
        continue;
      }
      await flush();
      result[index] = (await single.created(tx, ctx, ticket)) ?? ticket;
    }
    await flush();
    return result;
  }

  /**
   * Starts the runs of tickets whose start step keeps their status (`started`, within
   * `span`, the new tickets from its first to its last); answers them as left.
   */
  async function startMany(
    tx: Executor,
    ctx: RequestContext,
    started: Started[],
    span: TicketRow[],
  ): Promise<TicketRow[]> {
    if (started.length === 0) return [];
    const at = now();
    await repository.insertRuns(
      tx,
      started.map(({ ticket, chosen, start, trace }) => ({
        ticketId: ticket.id,
        workflowId: chosen.workflow.id,
        versionId: chosen.version.id,
        stepKey: start.key,
        stepEnteredAt: at,
        trace,
      })),
    );
    await audit.recordMany(
      tx,
      ctx,
      started.map(({ ticket, trace }) => ({
        action: 'workflow.matched',
        resourceType: 'ticket',
        resourceId: ticket.id,
        after: trace,
      })),
    );
    await repository.insertAssignments(
      tx,
      started.flatMap(({ ticket }) =>
        ticket.assigneeId === null
          ? []
          : [
              {
                ticketId: ticket.id,
                userId: ticket.assigneeId,
                method: 'manual' as const,
                reason: `assigned by ${ctx.actor.username} when reporting`,
                actorId: ctx.actor.userId || null,
              },
            ],
      ),
    );
    await stepEntered(
      tx,
      ctx,
      started.map(({ ticket, chosen, start }) => ({
        ticket,
        step: start,
        totalWeight: totalWeight(chosen.version.definition),
        at,
      })),
    );
    // Someone the reporter named keeps the ticket; the start step's role gets it otherwise.
    const routed = started.filter(
      ({ ticket, start }) =>
        ticket.assigneeId === null && start.role_id != null && start.status !== 'resolved',
    );
    const targets = new Map(
      routed.map(({ ticket, start }) => [
        ticket.id,
        {
          roleId: start.role_id as number,
          stepKey: start.key,
          requiresAvailability: start.requires_availability ?? false,
        },
      ]),
    );
    const assigned = await assignMany(
      tx,
      ctx,
      span.map((ticket) => ({ ticket, target: targets.get(ticket.id) })),
    );
    const byId = new Map(assigned.map((row) => [row.id, row]));
    return started.map(({ ticket }) => byId.get(ticket.id) ?? ticket);
  }

  return { createdMany };
}
