import { DateTime, IANAZone } from 'luxon';
import type { Actor, RequestContext } from '../../platform/auth/actor.ts';
import type { Executor } from '../../platform/db/client.ts';
import { commonErrors, fieldError, type FieldErrors } from '../../platform/http/errors.ts';
import type { Facility, Location } from '../sites/index.ts';
import { workforceErrors } from './workforce.errors.ts';
import * as repository from './workforce.events.repository.ts';
import type { EventException, EventStatus, EventType } from './workforce.events.repository.ts';
import {
  checkSeries,
  expandOccurrences,
  isOccurrence,
  normaliseRRule,
  occurrenceAt,
  RecurrenceError,
  type Occurrence,
  type Series,
} from './workforce.events.recurrence.ts';
import { isAdmin } from './workforce.policy.ts';
import { createEventReads } from './workforce.events.reads.ts';
import {
  createEventViews,
  groupBy,
  seriesOf,
  type EventsDeps,
  type EventView,
  type LoadedSeries,
  type OccurrenceView,
} from './workforce.events.views.ts';

export { MAX_OCCURRENCES } from './workforce.events.reads.ts';
export type { EventsDeps, EventView, OccurrenceView } from './workforce.events.views.ts';
import type { ScheduledEvent } from './workforce.tables.ts';

/** Conflicts are looked for in a recurring event's next year of occurrences (or up to its rule's end). */
export const CONFLICT_HORIZON_DAYS = 365;
const MAX_CONFLICTS_LISTED = 200;
const DAY_MS = 86_400_000;
const TITLE_MAX = 300;

export interface EventInput {
  title?: string;
  description?: string;
  eventType?: EventType;
  startsAt?: Date;
  endsAt?: Date;
  /** IANA zone the recurrence keeps its wall-clock time in; default the location's, else the creator's. */
  timeZone?: string;
  /** RFC 5545 RRULE without DTSTART; null makes the event one-off. */
  rrule?: string | null;
  locationId?: number | null;
  facilityId?: number | null;
  assigneeIds?: number[];
  status?: EventStatus;
}

export interface WriteOptions {
  /** The version the caller last read (If-Match); a mismatch is VERSION_CONFLICT. */
  expectedVersion?: number;
  /** Schedule despite conflicts (managers and admins); the audit row records it and the conflicts. */
  override?: boolean;
}

/** Something a person is already booked for, in the way of a new assignment. */
export interface Conflict {
  userId: number;
  kind: 'event' | 'time_off';
  /** The other event's id, or the time-off request's. */
  id: number;
  title: string;
  startsAt: Date;
  endsAt: Date;
}

const toSecond = (date: Date) => new Date(Math.floor(date.getTime() / 1000) * 1000);
/** The wire form of a conflict (it travels in the 409's body and in the audit row). */
export const conflictJson = (conflict: Conflict) => ({
  user_id: conflict.userId,
  kind: conflict.kind,
  id: conflict.id,
  title: conflict.title,
  starts_at: conflict.startsAt.toISOString(),
  ends_at: conflict.endsAt.toISOString(),
});

function canonicalTimeZone(zone: string): string | undefined {
  if (!IANAZone.isValidZone(zone)) return undefined;
  return new Intl.DateTimeFormat('en', { timeZone: zone }).resolvedOptions().timeZone;
}

/** Field checks shared by create and update; every problem at once, field names as v2 spells them. */
function validated(input: EventInput, creating: boolean): EventInput {
  const fields: FieldErrors = {};
  const add = (field: string, message: string) => (fields[field] ??= []).push(message);
  const out: EventInput = { ...input };
  if (input.title !== undefined) out.title = input.title.trim();
  if (out.title === undefined) {
    if (creating) add('title', 'This field is required.');
  } else if (out.title === '') add('title', 'This field may not be blank.');
  else if (out.title.length > TITLE_MAX)
    add('title', `Ensure this field has no more than ${TITLE_MAX} characters.`);
  for (const [field, value] of [
    ['starts_at', input.startsAt],
    ['ends_at', input.endsAt],
  ] as const) {
    if (value === undefined) {
      if (creating) add(field, 'This field is required.');
    } else if (Number.isNaN(value.getTime())) add(field, 'Datetime has wrong format. Use ISO 8601.');
  }
  if (out.startsAt && !Number.isNaN(out.startsAt.getTime())) out.startsAt = toSecond(out.startsAt);
  if (out.endsAt && !Number.isNaN(out.endsAt.getTime())) out.endsAt = toSecond(out.endsAt);
  if (input.timeZone !== undefined) {
    const zone = canonicalTimeZone(input.timeZone);
    if (zone) out.timeZone = zone;
    else add('time_zone', `"${input.timeZone}" is not a known time zone.`);
  }
  if (typeof input.rrule === 'string') {
    try {
      out.rrule = normaliseRRule(input.rrule);
    } catch (error) {
      if (!(error instanceof RecurrenceError)) throw error;
      add('rrule', error.message);
    }
  }
  if (input.assigneeIds) out.assigneeIds = [...new Set(input.assigneeIds)];
  if (Object.keys(fields).length > 0) throw commonErrors.VALIDATION_FAILED({ fields });
  return out;
}

/** The series as it will be stored, checked as a whole: end after start, the start an occurrence of the rule. */
function checkedSeries(series: Series): Series {
  if (series.endsAt.getTime() <= series.startsAt.getTime())
    throw fieldError('ends_at', 'The end must be after the start.');
  try {
    checkSeries(series);
  } catch (error) {
    if (error instanceof RecurrenceError) throw fieldError('rrule', error.message);
    throw error;
  }
  return series;
}

/** The occurrences a write is checked against: a one-off event's only one, a series' next year of them. */
function horizonOccurrences(series: Series, exceptions: EventException[], now = Date.now()): Occurrence[] {
  const from = series.rrule === null ? series.startsAt.getTime() : Math.max(series.startsAt.getTime(), now);
  const to = series.rrule === null ? series.endsAt.getTime() : from + CONFLICT_HORIZON_DAYS * DAY_MS;
  return expandOccurrences(series, exceptions, { from: new Date(from), to: new Date(to) }).occurrences;
}

/**
 * Whether `interval` overlaps any of `sorted` (by start), whose longest lasts
 * `maxDurationMs`: a binary search, then a short scan back.
 */
function overlapsAny(
  sorted: readonly Occurrence[],
  maxDurationMs: number,
  interval: { startsAt: Date; endsAt: Date },
): boolean {
  const start = interval.startsAt.getTime();
  const end = interval.endsAt.getTime();
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((sorted[mid] as Occurrence).startsAt.getTime() < end) lo = mid + 1;
    else hi = mid;
  }
  for (let i = lo - 1; i >= 0; i -= 1) {
    const candidate = sorted[i] as Occurrence;
    if (candidate.startsAt.getTime() + maxDurationMs <= start) break;
    if (candidate.endsAt.getTime() > start) return true;
  }
  return false;
}

/** The `userId`'s approved days off as instants: from local midnight of the first day to local midnight after the last. */
function timeOffInterval(zone: string, startDate: string, endDate: string): { startsAt: Date; endsAt: Date } {
  const valid = IANAZone.isValidZone(zone) ? zone : 'UTC';
  return {
    startsAt: DateTime.fromISO(startDate, { zone: valid }).toJSDate(),
    endsAt: DateTime.fromISO(endDate, { zone: valid }).plus({ days: 1 }).toJSDate(),
  };
}

export function createEventsService({ db, audit, identity, sites }: EventsDeps) {
  const views = createEventViews({ db, identity, sites });
  const { visibleUsers, load, hydrate, viewOf, occurrenceView } = views;
  const reads = createEventReads(views);
  const canWrite = (actor: Actor) => isAdmin(actor) || actor.role === 'manager';

  /** May change this series: admins; managers for series they created or whose assignees are all theirs. */
  function canManage(actor: Actor, row: LoadedSeries, visible: number[] | undefined): boolean {
    if (visible === undefined) return true;
    if (!canWrite(actor)) return false;
    if (row.createdBy === actor.userId) return true;
    return row.assigneeIds.length > 0 && row.assigneeIds.every((id) => visible.includes(id));
  }

  /** Locks and loads a series the actor may change: 404 when they cannot see it, 403 when they cannot change it. */
  async function lockForWrite(
    tx: Executor,
    actor: Actor,
    id: number,
    expectedVersion?: number,
  ): Promise<LoadedSeries> {
    const visible = await visibleUsers(actor);
    const scope = visible === undefined ? undefined : repository.visibilityScope(actor.userId, visible);
    const row = await repository.eventById(tx, id, scope, { lock: true });
    if (!row) throw workforceErrors.WORKFORCE_NOT_FOUND();
    const [loaded] = await load(tx, [row]);
    if (!loaded) throw workforceErrors.WORKFORCE_NOT_FOUND();
    if (!canManage(actor, loaded, visible))
      throw workforceErrors.WORKFORCE_FORBIDDEN({
        message: 'Only a manager of its people or an admin can change this event.',
      });
    if (expectedVersion !== undefined && loaded.version !== expectedVersion)
      throw commonErrors.VERSION_CONFLICT({ extra: { current: (await hydrate([loaded]))[0] } });
    return loaded;
  }

  /** Checks the location, facility and newly assigned people exist (400) and that a manager assigns only their own (403). */
  async function checkReferences(
    actor: Actor,
    input: { locationId: number | null; facilityId: number | null },
    added: number[],
  ): Promise<{ location: Location | null; facility: Facility | null }> {
    const [locations, facilities, people, visible] = await Promise.all([
      input.locationId === null ? [] : sites.locationsByIds([input.locationId]),
      input.facilityId === null ? [] : sites.facilitiesByIds([input.facilityId]),
      added.length ? identity.peopleByUserIds(added) : [],
      visibleUsers(actor),
    ]);
    const fields: FieldErrors = {};
    const add = (field: string, message: string) => (fields[field] ??= []).push(message);
    const missing = (field: string, id: number) => add(field, `Invalid pk "${id}" - object does not exist.`);
    const location = locations[0] ?? null;
    const facility = facilities[0] ?? null;
    if (input.locationId !== null && !location) missing('location_id', input.locationId);
    if (input.facilityId !== null && !facility) missing('facility_id', input.facilityId);
    if (location && facility?.locationId != null && facility.locationId !== location.id)
      add('facility_id', 'This facility is at another location.');
    const found = new Map(people.map((p) => [p.user.id, p]));
    for (const id of added) {
      const person = found.get(id);
      if (!person) missing('assignee_ids', id);
      else if (!person.user.isActive) add('assignee_ids', `User ${id} is inactive and cannot be assigned.`);
    }
    if (Object.keys(fields).length > 0) throw commonErrors.VALIDATION_FAILED({ fields });
    if (visible !== undefined && added.some((id) => !visible.includes(id)))
      throw workforceErrors.WORKFORCE_FORBIDDEN({
        message: 'You can only assign members of your department.',
      });
    return { location, facility };
  }

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
    if (!canWrite(actor))
      throw workforceErrors.WORKFORCE_FORBIDDEN({ message: 'Only a manager can override conflicts.' });
    return { override: true, conflicts: conflicts.map(conflictJson) };
  }

  const snapshot = (row: ScheduledEvent, assigneeIds: number[], extra: Record<string, unknown> = {}) => ({
    ...row,
    assigneeIds,
    ...extra,
  });

  return {
    ...reads,

    /**
     * Schedules an event (managers and admins). Assigning someone already booked
     * (another event, approved time off) is WORKFORCE_CONFLICT listing the conflicts,
     * unless `override`.
     */
    async create(ctx: RequestContext, given: EventInput, options: WriteOptions = {}): Promise<EventView> {
      const { actor } = ctx;
      if (!canWrite(actor))
        throw workforceErrors.WORKFORCE_FORBIDDEN({ message: 'Only managers can schedule events.' });
      const input = validated(given, true);
      const assigneeIds = input.assigneeIds ?? [];
      let locationId = input.locationId ?? null;
      const refs = await checkReferences(
        actor,
        { locationId, facilityId: input.facilityId ?? null },
        assigneeIds,
      );
      if (locationId === null && refs.facility?.locationId != null) locationId = refs.facility.locationId;
      const location =
        refs.location ??
        (locationId === null ? null : ((await sites.locationsByIds([locationId]))[0] ?? null));
      const timeZone =
        input.timeZone ??
        location?.timeZone ??
        (await identity.peopleByUserIds([actor.userId]))[0]?.user.timeZone ??
        'UTC';
      const series = checkedSeries({
        startsAt: input.startsAt as Date,
        endsAt: input.endsAt as Date,
        timeZone,
        rrule: input.rrule ?? null,
      });
      const status = input.status ?? 'scheduled';
      const row = await db.transaction(async (tx) => {
        await repository.lockUserSchedules(tx, assigneeIds);
        const conflicts =
          status === 'cancelled'
            ? []
            : await conflictsFor(tx, undefined, horizonOccurrences(series, []), assigneeIds);
        const overridden = settle(actor, conflicts, options.override);
        const created = await repository.insertEvent(tx, {
          title: input.title as string,
          description: input.description ?? '',
          eventType: input.eventType ?? 'other',
          ...series,
          locationId,
          facilityId: input.facilityId ?? null,
          status,
          createdBy: actor.userId || null,
        });
        await repository.replaceAssignees(tx, created.id, assigneeIds);
        await audit.record(tx, ctx, {
          action: 'event.created',
          resourceType: 'scheduled_event',
          resourceId: created.id,
          after: snapshot(created, assigneeIds, overridden),
        });
        return created;
      });
      return viewOf(db, row);
    },

    /**
     * Changes a series. New assignees, and everyone when the times, rule or zone
     * change, are checked for conflicts as on create. Exceptions whose occurrence the
     * new rule no longer produces are dropped.
     */
    async update(
      ctx: RequestContext,
      id: number,
      given: EventInput,
      options: WriteOptions = {},
    ): Promise<EventView> {
      const { actor } = ctx;
      const input = validated(given, false);
      const row = await db.transaction(async (tx) => {
        const before = await lockForWrite(tx, actor, id, options.expectedVersion);
        const assigneeIds = input.assigneeIds ?? before.assigneeIds;
        const added = assigneeIds.filter((userId) => !before.assigneeIds.includes(userId));
        const facilityId = input.facilityId === undefined ? before.facilityId : input.facilityId;
        let locationId = input.locationId === undefined ? before.locationId : input.locationId;
        const refs = await checkReferences(
          actor,
          {
            locationId: input.locationId === undefined ? null : locationId,
            facilityId: input.facilityId === undefined ? null : facilityId,
          },
          added,
        );
        if (
          input.locationId === undefined &&
          input.facilityId !== undefined &&
          refs.facility?.locationId != null
        )
          locationId = refs.facility.locationId;
        const series = checkedSeries({
          startsAt: input.startsAt ?? before.startsAt,
          endsAt: input.endsAt ?? before.endsAt,
          timeZone: input.timeZone ?? before.timeZone,
          rrule: input.rrule === undefined ? before.rrule : input.rrule,
        });
        const timesChanged =
          series.startsAt.getTime() !== before.startsAt.getTime() ||
          series.endsAt.getTime() !== before.endsAt.getTime() ||
          series.timeZone !== before.timeZone ||
          series.rrule !== before.rrule;
        const kept = timesChanged
          ? before.exceptions.filter((e) => series.rrule !== null && isOccurrence(series, e.occurrenceStart))
          : before.exceptions;
        const dropped = before.exceptions.filter((e) => !kept.includes(e));
        const status = input.status ?? before.status;
        const toCheck =
          status === 'cancelled' ? [] : timesChanged || before.status === 'cancelled' ? assigneeIds : added;
        await repository.lockUserSchedules(tx, toCheck);
        const conflicts = await conflictsFor(tx, id, horizonOccurrences(series, kept), toCheck);
        const overridden = settle(actor, conflicts, options.override);
        const after = await repository.updateEvent(
          tx,
          id,
          {
            title: input.title,
            description: input.description,
            eventType: input.eventType,
            ...series,
            locationId,
            facilityId,
            status,
          },
          options.expectedVersion,
        );
        if (!after) throw commonErrors.VERSION_CONFLICT({ extra: { current: (await hydrate([before]))[0] } });
        if (input.assigneeIds) await repository.replaceAssignees(tx, id, assigneeIds);
        await repository.deleteExceptions(
          tx,
          id,
          dropped.map((e) => e.occurrenceStart),
        );
        await audit.record(tx, ctx, {
          action: 'event.updated',
          resourceType: 'scheduled_event',
          resourceId: id,
          before: snapshot(before, before.assigneeIds, { exceptions: before.exceptions }),
          after: snapshot(after, assigneeIds, { exceptions: kept, ...overridden }),
        });
        return after;
      });
      return viewOf(db, row);
    },

    async remove(ctx: RequestContext, id: number, options: WriteOptions = {}): Promise<void> {
      await db.transaction(async (tx) => {
        const before = await lockForWrite(tx, ctx.actor, id, options.expectedVersion);
        if (!(await repository.deleteEvent(tx, id, options.expectedVersion)))
          throw commonErrors.VERSION_CONFLICT({ extra: { current: (await hydrate([before]))[0] } });
        await audit.record(tx, ctx, {
          action: 'event.deleted',
          resourceType: 'scheduled_event',
          resourceId: id,
          before: snapshot(before, before.assigneeIds, { exceptions: before.exceptions }),
        });
      });
    },

    /**
     * "This occurrence only": moves and/or retitles one occurrence of a recurring
     * series (`title: null` restores the series' title). A move is checked for
     * conflicts like any assignment. Bumps the series' version.
     */
    async editOccurrence(
      ctx: RequestContext,
      id: number,
      key: Date,
      change: { startsAt?: Date; endsAt?: Date; title?: string | null },
      options: WriteOptions = {},
    ): Promise<OccurrenceView> {
      const title = typeof change.title === 'string' ? change.title.trim() : change.title;
      if (title === '') throw fieldError('title', 'This field may not be blank.');
      if (title && title.length > TITLE_MAX)
        throw fieldError('title', `Ensure this field has no more than ${TITLE_MAX} characters.`);
      for (const [field, value] of [
        ['starts_at', change.startsAt],
        ['ends_at', change.endsAt],
      ] as const)
        if (value && Number.isNaN(value.getTime()))
          throw fieldError(field, 'Datetime has wrong format. Use ISO 8601.');
      const row = await db.transaction(async (tx) => {
        const before = await lockForWrite(tx, ctx.actor, id, options.expectedVersion);
        if (before.rrule === null)
          throw workforceErrors.WORKFORCE_INVALID_STATE({
            message: 'This event does not repeat; change the event itself.',
          });
        const series = seriesOf(before);
        const current = occurrenceAt(series, before.exceptions, key);
        if (!current) throw workforceErrors.WORKFORCE_NOT_FOUND();
        const startsAt = change.startsAt ? toSecond(change.startsAt) : current.startsAt;
        const endsAt = change.endsAt
          ? toSecond(change.endsAt)
          : new Date(startsAt.getTime() + current.endsAt.getTime() - current.startsAt.getTime());
        if (endsAt.getTime() <= startsAt.getTime())
          throw fieldError('ends_at', 'The end must be after the start.');
        const duration = series.endsAt.getTime() - series.startsAt.getTime();
        const moved = startsAt.getTime() !== key.getTime() || endsAt.getTime() !== key.getTime() + duration;
        const existing = before.exceptions.find((e) => e.occurrenceStart.getTime() === key.getTime());
        const exception: EventException = {
          eventId: id,
          occurrenceStart: current.occurrenceStart,
          cancelled: false,
          startsAt: moved ? startsAt : null,
          endsAt: moved ? endsAt : null,
          title: title === undefined ? (existing?.title ?? null) : title,
        };
        let overridden: Record<string, unknown> = {};
        if (before.status !== 'cancelled' && (change.startsAt || change.endsAt)) {
          await repository.lockUserSchedules(tx, before.assigneeIds);
          const occurrence: Occurrence = { ...current, startsAt, endsAt };
          overridden = settle(
            ctx.actor,
            await conflictsFor(tx, id, [occurrence], before.assigneeIds),
            options.override,
          );
        }
        const saved = await repository.upsertException(tx, exception);
        const after = await repository.updateEvent(tx, id, {}, options.expectedVersion);
        if (!after) throw commonErrors.VERSION_CONFLICT({ extra: { current: (await hydrate([before]))[0] } });
        await audit.record(tx, ctx, {
          action: 'event.occurrence_changed',
          resourceType: 'scheduled_event',
          resourceId: id,
          before: { occurrenceStart: key, exception: existing ?? null },
          after: { occurrenceStart: key, exception: saved, ...overridden },
        });
        const [loaded] = await load(tx, [after]);
        return loaded as LoadedSeries;
      });
      return occurrenceView(db, row, key);
    },

    /** Cancels one occurrence of a recurring series; it no longer appears anywhere. Bumps the series' version. */
    async cancelOccurrence(
      ctx: RequestContext,
      id: number,
      key: Date,
      options: WriteOptions = {},
    ): Promise<void> {
      await db.transaction(async (tx) => {
        const before = await lockForWrite(tx, ctx.actor, id, options.expectedVersion);
        if (before.rrule === null)
          throw workforceErrors.WORKFORCE_INVALID_STATE({
            message: 'This event does not repeat; delete or cancel the event itself.',
          });
        const current = occurrenceAt(seriesOf(before), before.exceptions, key);
        if (!current) throw workforceErrors.WORKFORCE_NOT_FOUND();
        const existing = before.exceptions.find((e) => e.occurrenceStart.getTime() === key.getTime());
        const saved = await repository.upsertException(tx, {
          eventId: id,
          occurrenceStart: current.occurrenceStart,
          cancelled: true,
          startsAt: null,
          endsAt: null,
          title: null,
        });
        if (!(await repository.updateEvent(tx, id, {}, options.expectedVersion)))
          throw commonErrors.VERSION_CONFLICT({ extra: { current: (await hydrate([before]))[0] } });
        await audit.record(tx, ctx, {
          action: 'event.occurrence_cancelled',
          resourceType: 'scheduled_event',
          resourceId: id,
          before: { occurrenceStart: key, exception: existing ?? null },
          after: { occurrenceStart: key, exception: saved },
        });
      });
    },

    /**
     * Takes the schedule locks of `userIds` for the rest of `tx`: hold them while
     * checking a person's schedule and writing to it (approving time off, say), so a
     * concurrent assignment cannot slip in between.
     */
    lockSchedules(tx: Executor, userIds: number[]): Promise<void> {
      return repository.lockUserSchedules(tx, userIds);
    },
  };
}

export type EventsService = ReturnType<typeof createEventsService>;
