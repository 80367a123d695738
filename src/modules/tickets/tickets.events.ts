import { Type, type Static } from '@sinclair/typebox';
import type { RequestContext } from '../../platform/auth/actor.ts';
import type { Executor } from '../../platform/db/client.ts';
import { defineEvent, recordEvent } from '../../platform/events/index.ts';
import type { TicketRow } from './tickets.repository.ts';
import { ticketNumber } from './tickets.service.ts';
import { PRIORITIES, TICKET_KINDS, TICKET_STATUSES, type TicketComment } from './tickets.tables.ts';

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) =>
  Type.Union([schema, Type.Null()]);
const Status = Type.Union(TICKET_STATUSES.map((status) => Type.Literal(status)));

/** A ticket as events carry it: what a consumer needs to route and refresh, not its description. */
export const TicketSnapshot = Type.Object({
  id: Type.Integer(),
  number: Type.String(),
  kind: Type.Union(TICKET_KINDS.map((kind) => Type.Literal(kind))),
  title: Type.String(),
  status: Status,
  priority: Type.Union(PRIORITIES.map((priority) => Type.Literal(priority))),
  department_id: Nullable(Type.Integer()),
  facility_id: Nullable(Type.Integer()),
  reporter_id: Nullable(Type.Integer()),
  assignee_id: Nullable(Type.Integer()),
  version: Type.Integer(),
});

/**
 * What a change to a ticket makes stale: the ticket, every ticket list, and the lists of
 * its kind (a Next.js page of incidents revalidates on `tickets:incident`).
 */
const ticketTags = ({ ticket }: { ticket: Static<typeof TicketSnapshot> }): string[] => [
  `ticket:${ticket.id}`,
  'tickets',
  `tickets:${ticket.kind}`,
];

const SEEN_AS_TICKET =
  'whoever may read the ticket: admins, its department, its reporter, assignee and watchers';

export const ticketCreated = defineEvent({
  type: 'ticket.created',
  subject: 'ticket',
  description: 'A ticket was opened.',
  payload: Type.Object({ ticket: TicketSnapshot }),
  audience: 'all',
  visibility: SEEN_AS_TICKET,
  tags: ticketTags,
});

export const ticketUpdated = defineEvent({
  type: 'ticket.updated',
  subject: 'ticket',
  description: 'Fields other than status and assignee changed (`changes` names them).',
  payload: Type.Object({ ticket: TicketSnapshot, changes: Type.Array(Type.String()) }),
  audience: 'all',
  visibility: SEEN_AS_TICKET,
  tags: ticketTags,
});

export const ticketStatusChanged = defineEvent({
  type: 'ticket.status_changed',
  subject: 'ticket',
  description: 'The status moved (one event per step of a walk).',
  payload: Type.Object({ ticket: TicketSnapshot, from: Status, to: Status }),
  audience: 'all',
  visibility: SEEN_AS_TICKET,
  tags: ticketTags,
});

export const ticketAssigned = defineEvent({
  type: 'ticket.assigned',
  subject: 'ticket',
  description: 'The assignee changed (by a person, a workflow or an escalation); null is unassigned.',
  payload: Type.Object({
    ticket: TicketSnapshot,
    from_assignee_id: Nullable(Type.Integer()),
    to_assignee_id: Nullable(Type.Integer()),
  }),
  audience: 'all',
  visibility: SEEN_AS_TICKET,
  tags: ticketTags,
});

export const ticketDeleted = defineEvent({
  type: 'ticket.deleted',
  subject: 'ticket',
  description: 'A manager deleted the ticket; the snapshot is its last state.',
  payload: Type.Object({ ticket: TicketSnapshot }),
  audience: 'all',
  visibility: SEEN_AS_TICKET,
  tags: ticketTags,
});

export const ticketCommentAdded = defineEvent({
  type: 'ticket.comment_added',
  subject: 'ticket',
  description: 'A comment or internal note was added to the ticket.',
  payload: Type.Object({
    ticket: TicketSnapshot,
    comment: Type.Object({
      id: Type.Integer(),
      author_id: Type.Integer(),
      body: Type.String(),
      internal: Type.Boolean(),
      created_at: Type.String({ format: 'date-time' }),
    }),
  }),
  // Internal notes are staff-only: such events are written with the `staff` audience.
  audience: 'all',
  visibility: `${SEEN_AS_TICKET}; an internal note only staff among them (not viewers)`,
  tags: ticketTags,
});

const watcherEvent = (verb: 'added' | 'removed', description: string) =>
  defineEvent({
    type: `ticket.watcher_${verb}`,
    subject: 'ticket',
    description,
    payload: Type.Object({ ticket: TicketSnapshot, user_id: Type.Integer() }),
    audience: 'all',
    visibility: SEEN_AS_TICKET,
    tags: ticketTags,
  });

/** Watching makes a ticket readable (and listed) for its watcher: readers' caches depend on it. */
export const ticketWatcherAdded = watcherEvent('added', 'Someone began watching the ticket.');
export const ticketWatcherRemoved = watcherEvent('removed', 'Someone stopped watching the ticket.');

/** The ticket module's event types, for the catalogue. */
export const ticketEvents = [
  ticketCreated,
  ticketUpdated,
  ticketStatusChanged,
  ticketAssigned,
  ticketDeleted,
  ticketCommentAdded,
  ticketWatcherAdded,
  ticketWatcherRemoved,
];

export const snapshotOf = (ticket: TicketRow): Static<typeof TicketSnapshot> => ({
  id: ticket.id,
  number: ticketNumber(ticket.kind, ticket.number),
  kind: ticket.kind,
  title: ticket.title,
  status: ticket.status,
  priority: ticket.priority,
  department_id: ticket.departmentId,
  facility_id: ticket.facilityId,
  reporter_id: ticket.reporterId,
  assignee_id: ticket.assigneeId,
  version: ticket.version,
});

const scopeOf = (ticket: TicketRow) => ({
  departmentId: ticket.departmentId,
  userIds: [ticket.reporterId, ticket.assigneeId],
});

/** Fields whose change is a `ticket.updated` (status and assignee have events of their own). */
const TRACKED: (keyof TicketRow)[] = [
  'title',
  'description',
  'priority',
  'incidentTypeId',
  'categoryId',
  'subcategoryId',
  'serviceType',
  'departmentId',
  'facilityId',
  'reporterId',
  'requesterCustomerId',
  'dueDate',
];

/** Records what one applied change was: updated fields, a status step, an assignment. */
export async function recordTicketChange(
  tx: Executor,
  ctx: RequestContext,
  before: TicketRow,
  after: TicketRow,
): Promise<void> {
  const ticket = snapshotOf(after);
  const event = { subjectId: after.id, scope: scopeOf(after) };
  const changes = TRACKED.filter((field) => before[field] !== after[field]).map((field) =>
    field.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`),
  );
  if (changes.length > 0)
    await recordEvent(tx, ctx, ticketUpdated, { ...event, payload: { ticket, changes } });
  if (before.status !== after.status)
    await recordEvent(tx, ctx, ticketStatusChanged, {
      ...event,
      payload: { ticket, from: before.status, to: after.status },
    });
  if (before.assigneeId !== after.assigneeId)
    await recordEvent(tx, ctx, ticketAssigned, {
      ...event,
      scope: { ...event.scope, userIds: [...event.scope.userIds, before.assigneeId] },
      payload: { ticket, from_assignee_id: before.assigneeId, to_assignee_id: after.assigneeId },
    });
}

export function recordTicketCreated(tx: Executor, ctx: RequestContext, ticket: TicketRow) {
  return recordEvent(tx, ctx, ticketCreated, {
    subjectId: ticket.id,
    scope: scopeOf(ticket),
    payload: { ticket: snapshotOf(ticket) },
  });
}

export function recordTicketDeleted(tx: Executor, ctx: RequestContext, ticket: TicketRow) {
  return recordEvent(tx, ctx, ticketDeleted, {
    subjectId: ticket.id,
    scope: scopeOf(ticket),
    payload: { ticket: snapshotOf(ticket) },
  });
}

export function recordCommentAdded(
  tx: Executor,
  ctx: RequestContext,
  ticket: TicketRow,
  comment: TicketComment,
) {
  return recordEvent(tx, ctx, ticketCommentAdded, {
    subjectId: ticket.id,
    scope: scopeOf(ticket),
    audience: comment.internal ? 'staff' : undefined,
    payload: {
      ticket: snapshotOf(ticket),
      comment: {
        id: comment.id,
        author_id: comment.authorId,
        body: comment.body,
        internal: comment.internal,
        created_at: comment.createdAt.toISOString(),
      },
    },
  });
}

export function recordWatcherChange(
  tx: Executor,
  ctx: RequestContext,
  ticket: TicketRow,
  userId: number,
  added: boolean,
) {
  return recordEvent(tx, ctx, added ? ticketWatcherAdded : ticketWatcherRemoved, {
    subjectId: ticket.id,
    scope: { ...scopeOf(ticket), userIds: [...scopeOf(ticket).userIds, userId] },
    payload: { ticket: snapshotOf(ticket), user_id: userId },
  });
}
