import { Type } from '@sinclair/typebox';
import type { RequestContext } from '../../platform/auth/actor.ts';
import type { Executor } from '../../platform/db/client.ts';
import { defineEvent, recordEvent } from '../../platform/events/index.ts';
import type { TicketRow } from '../tickets/index.ts';
import type { Stage } from './sla.state.ts';

const Move = Type.Union([
  Type.Object({
    from: Type.Union([Type.Integer(), Type.String(), Type.Null()]),
    to: Type.Union([Type.Integer(), Type.String()]),
  }),
  Type.Null(),
]);

const StagePayload = Type.Object({
  ticket_id: Type.Integer(),
  metric: Type.Union([Type.Literal('first_response'), Type.Literal('resolution')]),
  stage: Type.String(),
  reached_at: Type.String({ format: 'date-time' }),
  priority_raised: Move,
  reassigned: Move,
  notified: Type.Array(Type.Integer()),
});

const SEEN_AS_TICKET = 'whoever may read the ticket (admins, its department, reporter, assignee, watchers)';

export const slaAtRisk = defineEvent({
  type: 'sla.at_risk',
  subject: 'ticket',
  description: "A ticket's SLA target is close (the at-risk share of its budget is spent).",
  payload: StagePayload,
  audience: 'all',
  visibility: SEEN_AS_TICKET,
});

export const slaBreached = defineEvent({
  type: 'sla.breached',
  subject: 'ticket',
  description: "A ticket's first-response or resolution target passed.",
  payload: StagePayload,
  audience: 'all',
  visibility: SEEN_AS_TICKET,
});

export const slaEscalated = defineEvent({
  type: 'sla.escalated',
  subject: 'ticket',
  description: "An escalation level of the ticket's SLA policy was reached and its actions applied.",
  payload: StagePayload,
  audience: 'all',
  visibility: SEEN_AS_TICKET,
});

/** The SLA module's event types, for the catalogue. */
export const slaEvents = [slaAtRisk, slaBreached, slaEscalated];

/** What an escalation stage did, as its record and its event carry it. */
export type StageActions = {
  priority?: { from: string; to: string };
  reassigned?: { from: number | null; to: number };
  notified?: number[];
};

/** Records one fired escalation stage of `ticket`, in the escalation's transaction. */
export function recordStageFired(
  tx: Executor,
  ctx: RequestContext,
  ticket: TicketRow,
  stage: Stage,
  actions: StageActions,
) {
  const definition =
    stage.stage === 'at_risk' ? slaAtRisk : stage.stage === 'breached' ? slaBreached : slaEscalated;
  return recordEvent(tx, ctx, definition, {
    subjectId: ticket.id,
    scope: { departmentId: ticket.departmentId, userIds: [ticket.reporterId, ticket.assigneeId] },
    payload: {
      ticket_id: ticket.id,
      metric: stage.metric,
      stage: stage.stage,
      reached_at: stage.at.toISOString(),
      priority_raised: actions.priority ?? null,
      reassigned: actions.reassigned ?? null,
      notified: actions.notified ?? [],
    },
  });
}
