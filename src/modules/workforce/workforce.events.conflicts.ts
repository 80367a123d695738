import type { Actor } from '../../platform/auth/actor.ts';
import type { Executor } from '../../platform/db/client.ts';
import type { IdentityService } from '../identity/index.ts';
import { workforceErrors } from './workforce.errors.ts';
import * as repository from './workforce.events.repository.ts';
import { expandOccurrences, type Occurrence } from './workforce.events.recurrence.ts';
import {
  conflictJson,
  DAY_MS,
  MAX_CONFLICTS_LISTED,
  overlapsAny,
  timeOffInterval,
  type Conflict,
} from './workforce.events.rules.ts';
import { groupBy, seriesOf } from './workforce.events.views.ts';
import { canScheduleEvents } from './workforce.policy.ts';

/** Double bookings: what the people of an event are already booked for, and what a write does about it. */
export function createConflictChecks({ identity }: { identity: Pick<IdentityService, 'peopleByUserIds'> }) {
  /**
   * What `userIds` are already booked for that overlaps `mine` (sorted by start):
   * occurrences of their other live events, and their approved time off (whole days
   * in each person's zone). Call with the users' schedule locks held.
   */
  async function conflictsFor(
    tx: Executor,
    eventId: number | undefined,
    mine: Occurrence[],
    userIds: number[],
  ): Promise<Conflict[]> {
    if (userIds.length === 0 || mine.length === 0) return [];
    const from = new Date(Math.min(...mine.map((o) => o.startsAt.getTime())));
    const to = new Date(Math.max(...mine.map((o) => o.endsAt.getTime())));
    const sorted = [...mine].sort((a, b) => a.startsAt.getTime() - b.startsAt.getTime());
    const maxDuration = Math.max(...mine.map((o) => o.endsAt.getTime() - o.startsAt.getTime()));
    const wanted = new Set(userIds);
    const conflicts: Conflict[] = [];

    const others = await repository.eventsOfUsers(tx, userIds, from, to, eventId);
    const exceptions = groupBy(
      await repository.exceptionsOf(
        tx,
        others.map(({ event }) => event.id),
      ),
      (e) => e.eventId,
    );
    for (const { event, userIds: booked } of others) {
      const theirs = expandOccurrences(seriesOf(event), exceptions.get(event.id) ?? [], {
        from,
        to,
      }).occurrences;
      for (const occurrence of theirs) {
        if (!overlapsAny(sorted, maxDuration, occurrence)) continue;
        for (const userId of booked) {
          if (!wanted.has(userId)) continue;
          conflicts.push({
            userId,
            kind: 'event',
            id: event.id,
            title: occurrence.title ?? event.title,
            startsAt: occurrence.startsAt,
            endsAt: occurrence.endsAt,
          });
        }
      }
    }

    const isoDay = (date: Date) => date.toISOString().slice(0, 10);
    const timeOff = await repository.approvedTimeOff(
      tx,
      userIds,
      isoDay(new Date(from.getTime() - DAY_MS)),
      isoDay(new Date(to.getTime() + DAY_MS)),
    );
    if (timeOff.length > 0) {
      const zones = new Map(
        (await identity.peopleByUserIds(timeOff.map((t) => t.userId))).map((p) => [
          p.user.id,
          p.user.timeZone,
        ]),
      );
      for (const request of timeOff) {
        const interval = timeOffInterval(
          zones.get(request.userId) ?? 'UTC',
          request.startDate,
          request.endDate,
        );
        if (!overlapsAny(sorted, maxDuration, interval)) continue;
        conflicts.push({
          userId: request.userId,
          kind: 'time_off',
          id: request.id,
          title: request.requestType,
          ...interval,
        });
      }
    }
    return conflicts.sort(
      (a, b) => a.userId - b.userId || a.startsAt.getTime() - b.startsAt.getTime() || a.id - b.id,
    );
  }

  /** 409 listing the conflicts, unless overridden; what the audit row should add when overridden. */
  function settle(
    actor: Actor,
    conflicts: Conflict[],
    override: boolean | undefined,
  ): Record<string, unknown> {
    if (conflicts.length === 0) return {};
    if (!override) {
      throw workforceErrors.WORKFORCE_CONFLICT({
        message: `This conflicts with ${conflicts.length} existing ${conflicts.length === 1 ? 'booking' : 'bookings'} of the people assigned; a manager may schedule it anyway with override.`,
        extra: {
          conflicts: conflicts.slice(0, MAX_CONFLICTS_LISTED).map(conflictJson),
          conflict_count: conflicts.length,
        },
      });
    }
    if (!canScheduleEvents(actor))
      throw workforceErrors.WORKFORCE_FORBIDDEN({ message: 'Only a manager can override conflicts.' });
    return { override: true, conflicts: conflicts.map(conflictJson) };
  }

  return { conflictsFor, settle };
}
