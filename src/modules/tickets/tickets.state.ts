import type { TicketKind, TicketStatus } from './tickets.tables.ts';

/**
 * The lifecycle of each kind: from each status, the statuses it may move to.
 * Closed, completed and cancelled are final; a resolved incident can be reopened.
 */
const transitions: Record<TicketKind, Partial<Record<TicketStatus, readonly TicketStatus[]>>> = {
  incident: {
    open: ['in_progress', 'resolved', 'closed'],
    in_progress: ['open', 'resolved', 'closed'],
    resolved: ['in_progress', 'closed'],
    closed: [],
  },
  service: {
    open: ['in_progress', 'cancelled'],
    in_progress: ['open', 'completed', 'cancelled'],
    completed: [],
    cancelled: [],
  },
};

export const statusesOf = (kind: TicketKind): TicketStatus[] =>
  Object.keys(transitions[kind]) as TicketStatus[];

export const allowedTransitions = (kind: TicketKind, from: TicketStatus): readonly TicketStatus[] =>
  transitions[kind][from] ?? [];

export const isFinal = (kind: TicketKind, status: TicketStatus): boolean =>
  allowedTransitions(kind, status).length === 0;

/**
 * The statuses `to` is reached through from `from` by the kind's lifecycle, fewest
 * moves first (`[]` when already there); undefined when no sequence of moves gets there.
 */
export function lifecyclePath(
  kind: TicketKind,
  from: TicketStatus,
  to: TicketStatus,
): TicketStatus[] | undefined {
  const previous = new Map<TicketStatus, TicketStatus | null>([[from, null]]);
  const frontier = [from];
  for (let current = frontier.shift(); current !== undefined; current = frontier.shift()) {
    if (current === to) {
      const path: TicketStatus[] = [];
      for (let step: TicketStatus | null | undefined = to; step && step !== from; step = previous.get(step))
        path.unshift(step);
      return path;
    }
    for (const next of allowedTransitions(kind, current)) {
      if (previous.has(next)) continue;
      previous.set(next, current);
      frontier.push(next);
    }
  }
  return undefined;
}

/** Every status the kind's lifecycle reaches from `from` in one or more moves. */
export const reachableStatuses = (kind: TicketKind, from: TicketStatus): TicketStatus[] =>
  statusesOf(kind).filter((status) => status !== from && lifecyclePath(kind, from, status) !== undefined);

export const isOpenStatus = (status: TicketStatus): boolean => status === 'open' || status === 'in_progress';

/**
 * The timestamps a move sets or clears, decided here and never by the client:
 * resolving stamps `resolvedAt`, reopening clears it, closing stamps `closedAt`.
 */
export function timestampsFor(
  to: TicketStatus,
  current: { resolvedAt: Date | null },
  now: Date,
): { resolvedAt?: Date | null; completedAt?: Date | null; closedAt?: Date | null } {
  switch (to) {
    case 'resolved':
      return { resolvedAt: now };
    case 'closed':
      return { closedAt: now, resolvedAt: current.resolvedAt ?? now };
    case 'completed':
      return { completedAt: now };
    case 'cancelled':
      return { closedAt: now };
    case 'open':
    case 'in_progress':
      return { resolvedAt: null, closedAt: null };
  }
}
