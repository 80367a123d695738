import { systemContext, type RequestContext } from '../../platform/auth/actor.ts';
import { bumpGeneration } from '../../platform/cache/count-cache.ts';
import type { Database, Executor } from '../../platform/db/client.ts';
import type { IdentityService } from '../identity/index.ts';
import type { NotificationsService } from '../notifications/index.ts';
import { PRIORITIES, ticketNumber, type TicketRow, type TicketsService } from '../tickets/index.ts';
import * as repository from './sla.repository.ts';
import type { SlaClocks } from './sla.service.ts';
import { recordStageFired, type StageActions } from './sla.events.ts';
import type { Stage } from './sla.state.ts';

export interface EscalationDeps {
  db: Database;
  clocks: Pick<SlaClocks, 'stateOf' | 'refresh' | 'ledger'>;
  identity: Pick<IdentityService, 'managerIdsOf'>;
  notifications: Pick<NotificationsService, 'notify'>;
  tickets: Pick<TicketsService, 'lockedTicket' | 'applyInTransaction' | 'openLoad'>;
  /** Hands the ticket to someone on the system's decision, recorded as an escalation (the workflows module). */
  reassign: (
    tx: Executor,
    ctx: RequestContext,
    ticket: TicketRow,
    userId: number,
    reason: string,
  ) => Promise<TicketRow>;
  now?: () => Date;
}

const METRIC_LABEL = { first_response: 'first response', resolution: 'resolution' } as const;
/** How many tickets one run looks at before it yields; the next run (a minute later) goes on. */
const BATCH = 200;

/**
 * Escalation: finds tickets whose next check is due (at risk, breached, or a policy's
 * escalation level reached) and acts once per stage per ticket: notifies the
 * assignee and the department's managers (e-mail held for working hours unless the
 * ticket is critical), and applies the level's actions (raise priority, reassign to a
 * manager). Safe with any number of workers: the ticket row is locked, the SLA row is
 * claimed with SKIP LOCKED only while due, and each stage is a primary key.
 */
export function createEscalation(deps: EscalationDeps) {
  const { db, clocks, identity, notifications, tickets } = deps;
  const now = deps.now ?? (() => new Date());

  async function act(
    tx: Executor,
    ctx: RequestContext,
    ticket: TicketRow,
    stage: Stage,
  ): Promise<{ ticket: TicketRow; actions: StageActions }> {
    const actions: StageActions = {};
    let current = ticket;
    const managers = await identity.managerIdsOf(ticket.departmentId, tx);
    if (stage.level?.raise_priority) {
      const next =
        PRIORITIES[Math.min(PRIORITIES.indexOf(current.priority) + 1, PRIORITIES.length - 1)] ??
        current.priority;
      if (next !== current.priority) {
        actions.priority = { from: current.priority, to: next };
        current = await tickets.applyInTransaction(tx, ctx, current, { priority: next }, 'automation');
      }
    }
    if (stage.level?.reassign_to_manager && managers.length > 0) {
      const load = await tickets.openLoad(tx, managers);
      const manager = [...managers].sort((a, b) => (load.get(a) ?? 0) - (load.get(b) ?? 0) || a - b)[0];
      if (manager !== undefined && manager !== current.assigneeId) {
        actions.reassigned = { from: current.assigneeId, to: manager };
        current = await deps.reassign(
          tx,
          ctx,
          current,
          manager,
          `escalated: ${METRIC_LABEL[stage.metric]} ${stage.stage.replace('_', ' ')} reached, least loaded manager`,
        );
      }
    }
    const recipients = [
      ...new Set([
        ...(ticket.assigneeId === null ? [] : [ticket.assigneeId]),
        ...managers,
        ...(current.assigneeId === null ? [] : [current.assigneeId]),
      ]),
    ];
    const label = ticketNumber(ticket.kind, ticket.number);
    const what =
      stage.stage === 'at_risk'
        ? `at risk of missing its ${METRIC_LABEL[stage.metric]} target`
        : stage.stage === 'breached'
          ? `past its ${METRIC_LABEL[stage.metric]} target`
          : `escalated (${METRIC_LABEL[stage.metric]} ${stage.stage.replace('_', ' ')})`;
    await notifications.notify(tx, {
      userIds: recipients,
      kind:
        stage.stage === 'at_risk'
          ? 'sla.at_risk'
          : stage.stage === 'breached'
            ? 'sla.breached'
            : 'sla.escalated',
      title: `${label} is ${what}`,
      body: `${label} "${ticket.title}" is ${what} (stage reached at ${stage.at.toISOString()}).`,
      ticketId: ticket.id,
      data: { metric: stage.metric, stage: stage.stage, actions },
      urgent: current.priority === 'critical',
    });
    actions.notified = recipients;
    return { ticket: current, actions };
  }

  /** One ticket: fire its due stages (each exactly once), then move its next check on. Answers how many fired. */
  async function escalateTicket(ticketId: number, at: Date): Promise<number> {
    const ctx = systemContext('sla');
    return db.transaction(async (tx) => {
      // A ticket deleted since it was found has nothing left to escalate.
      let ticket = await tickets.lockedTicket(tx, ticketId).catch((error: unknown) => {
        if ((error as { code?: string }).code === 'TICKET_NOT_FOUND') return undefined;
        throw error;
      });
      const row = await repository.claimDue(tx, ticketId, at);
      if (!row || !ticket) return 0;
      const { state } = await clocks.stateOf(tx, row, at);
      const fired = await repository.firedStages(tx, ticketId);
      let count = 0;
      for (const stage of state.stages) {
        if (stage.at > at || fired.has(`${stage.metric}/${stage.stage}`)) continue;
        const key = { ticketId, metric: stage.metric, stage: stage.stage };
        if (!(await repository.claimStage(tx, key))) continue;
        const outcome = await act(tx, ctx, ticket, stage);
        ticket = outcome.ticket;
        await repository.setStageActions(tx, key, outcome.actions);
        await recordStageFired(tx, ctx, ticket, stage, outcome.actions);
        await clocks.ledger(
          tx,
          ctx,
          ticketId,
          'escalated',
          { metric: stage.metric, stage: stage.stage, actions: outcome.actions },
          at,
        );
        count += 1;
      }
      await clocks.refresh(tx, ticketId, at);
      return count;
    });
  }

  return {
    /** Fires every due stage of every ticket (bounded per run); answers how many stages fired. */
    async escalateDue(at = now()): Promise<number> {
      let fired = 0;
      for (const ticketId of await repository.dueTicketIds(db, at, BATCH))
        fired += await escalateTicket(ticketId, at);
      if (fired > 0) {
        await bumpGeneration(db, 'sla');
        await bumpGeneration(db, 'tickets');
      }
      return fired;
    },
  };
}

export type Escalation = ReturnType<typeof createEscalation>;
