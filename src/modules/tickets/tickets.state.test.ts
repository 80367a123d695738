import { describe, expect, it } from 'vitest';
import {
  allowedTransitions,
  isFinal,
  isOpenStatus,
  lifecyclePath,
  reachableStatuses,
  statusesOf,
  timestampsFor,
} from './tickets.state.ts';
import { TICKET_STATUSES, type TicketKind, type TicketStatus } from './tickets.tables.ts';

/**
 * The lifecycle, written out independently of tickets.state.ts: every pair of statuses
 * of a kind is either in this table (allowed) or not (forbidden).
 */
const EXPECTED: Record<TicketKind, Record<string, TicketStatus[]>> = {
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

const KINDS: TicketKind[] = ['incident', 'service'];

const pairs = (kind: TicketKind) => {
  const statuses = Object.keys(EXPECTED[kind]) as TicketStatus[];
  return statuses.flatMap((from) =>
    statuses
      .filter((to) => to !== from)
      .map((to) => ({ from, to, allowed: EXPECTED[kind][from]!.includes(to) })),
  );
};

describe('ticket state machine', () => {
  it('has exactly the statuses of each kind', () => {
    expect(statusesOf('incident').sort()).toEqual(['closed', 'in_progress', 'open', 'resolved']);
    expect(statusesOf('service').sort()).toEqual(['cancelled', 'completed', 'in_progress', 'open']);
  });

  for (const kind of KINDS) {
    describe(kind, () => {
      const allowed = pairs(kind).filter((pair) => pair.allowed);
      const forbidden = pairs(kind).filter((pair) => !pair.allowed);

      it.each(allowed)('allows $from -> $to', ({ from, to }) => {
        expect(allowedTransitions(kind, from)).toContain(to);
      });

      it.each(forbidden)('forbids $from -> $to', ({ from, to }) => {
        expect(allowedTransitions(kind, from)).not.toContain(to);
      });

      it('never allows staying in place or moving to another kind’s status', () => {
        const own = new Set(statusesOf(kind));
        for (const from of statusesOf(kind)) {
          expect(allowedTransitions(kind, from)).not.toContain(from);
          for (const to of allowedTransitions(kind, from)) expect(own.has(to)).toBe(true);
        }
      });

      it('lists exactly the expected moves from each status', () => {
        for (const from of statusesOf(kind)) {
          expect([...allowedTransitions(kind, from)].sort()).toEqual([...EXPECTED[kind][from]!].sort());
        }
      });

      it('allows nothing from a status the kind does not have', () => {
        const foreign = TICKET_STATUSES.filter((status) => !(status in EXPECTED[kind]));
        expect(foreign.length).toBe(2);
        for (const from of foreign) {
          expect(allowedTransitions(kind, from)).toEqual([]);
          for (const to of TICKET_STATUSES) expect(allowedTransitions(kind, from)).not.toContain(to);
        }
      });
    });
  }

  it('knows which statuses are final', () => {
    expect(isFinal('incident', 'closed')).toBe(true);
    expect(isFinal('incident', 'open')).toBe(false);
    expect(isFinal('incident', 'in_progress')).toBe(false);
    expect(isFinal('incident', 'resolved')).toBe(false);
    expect(isFinal('service', 'completed')).toBe(true);
    expect(isFinal('service', 'cancelled')).toBe(true);
    expect(isFinal('service', 'open')).toBe(false);
    expect(isFinal('service', 'in_progress')).toBe(false);
    for (const kind of KINDS) {
      for (const status of statusesOf(kind)) {
        expect(isFinal(kind, status)).toBe(EXPECTED[kind][status]!.length === 0);
      }
    }
  });

  it('knows which statuses are open', () => {
    expect(TICKET_STATUSES.filter(isOpenStatus)).toEqual(['open', 'in_progress']);
  });
});

describe('timestampsFor', () => {
  const now = new Date('2025-03-04T10:00:00Z');
  const earlier = new Date('2025-03-01T08:30:00Z');

  it('resolving stamps resolvedAt now, even over an earlier one', () => {
    expect(timestampsFor('resolved', { resolvedAt: null }, now)).toEqual({ resolvedAt: now });
    expect(timestampsFor('resolved', { resolvedAt: earlier }, now)).toEqual({ resolvedAt: now });
  });

  it('reopening (open or in progress) clears resolvedAt and closedAt', () => {
    expect(timestampsFor('open', { resolvedAt: earlier }, now)).toEqual({ resolvedAt: null, closedAt: null });
    expect(timestampsFor('in_progress', { resolvedAt: earlier }, now)).toEqual({
      resolvedAt: null,
      closedAt: null,
    });
  });

  it('closing keeps an earlier resolvedAt and stamps closedAt', () => {
    expect(timestampsFor('closed', { resolvedAt: earlier }, now)).toEqual({
      closedAt: now,
      resolvedAt: earlier,
    });
  });

  it('closing an unresolved ticket resolves it at the same moment', () => {
    expect(timestampsFor('closed', { resolvedAt: null }, now)).toEqual({ closedAt: now, resolvedAt: now });
  });

  it('completing stamps completedAt only', () => {
    expect(timestampsFor('completed', { resolvedAt: null }, now)).toEqual({ completedAt: now });
  });

  it('cancelling sets closedAt and nothing else', () => {
    const stamps = timestampsFor('cancelled', { resolvedAt: null }, now);
    expect(stamps).toEqual({ closedAt: now });
    expect(stamps).not.toHaveProperty('completedAt');
    expect(stamps).not.toHaveProperty('resolvedAt');
  });
});

describe('lifecyclePath', () => {
  it('finds the fewest moves, or none', () => {
    expect(lifecyclePath('service', 'open', 'completed')).toEqual(['in_progress', 'completed']);
    expect(lifecyclePath('service', 'open', 'cancelled')).toEqual(['cancelled']);
    expect(lifecyclePath('incident', 'resolved', 'open')).toEqual(['in_progress', 'open']);
    expect(lifecyclePath('incident', 'open', 'open')).toEqual([]);
    expect(lifecyclePath('service', 'open', 'resolved')).toBeUndefined();
    expect(lifecyclePath('service', 'completed', 'open')).toBeUndefined();
    expect(reachableStatuses('service', 'open').sort()).toEqual(['cancelled', 'completed', 'in_progress']);
    expect(reachableStatuses('incident', 'closed')).toEqual([]);
  });
});
