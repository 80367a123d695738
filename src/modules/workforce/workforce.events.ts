import type { RequestContext } from '../../platform/auth/actor.ts';
import type { Executor } from '../../platform/db/client.ts';
import { commonErrors, fieldError } from '../../platform/http/errors.ts';
import { workforceErrors } from './workforce.errors.ts';
import * as repository from './workforce.events.repository.ts';
import type { EventException } from './workforce.events.repository.ts';
import { isOccurrence, occurrenceAt, type Occurrence } from './workforce.events.recurrence.ts';
import {
  checkedSeries,
  horizonOccurrences,
  TITLE_MAX,
  toSecond,
  validated,
  type EventInput,
  type WriteOptions,
} from './workforce.events.rules.ts';
import { canScheduleEvents } from './workforce.policy.ts';
import { createEventReads } from './workforce.events.reads.ts';
import { createConflictChecks } from './workforce.events.conflicts.ts';
import { createEventGuards } from './workforce.events.guards.ts';
import {
  createEventViews,
  seriesOf,
  type EventsDeps,
  type EventView,
  type LoadedSeries,
  type OccurrenceView,
} from './workforce.events.views.ts';

export { MAX_OCCURRENCES } from './workforce.events.reads.ts';
export {
  CONFLICT_HORIZON_DAYS,
  conflictJson,
  type Conflict,
  type EventInput,
  type WriteOptions,
} from './workforce.events.rules.ts';
export type { EventsDeps, EventView, OccurrenceView } from './workforce.events.views.ts';
import type { ScheduledEvent } from './workforce.tables.ts';
import { recordScheduledEvent } from './workforce.outbox.ts';

export function createEventsService({ db, audit, identity, sites }: EventsDeps) {
  const views = createEventViews({ db, identity, sites });
  const { load, hydrate, viewOf, occurrenceView } = views;
  const reads = createEventReads(views);
  const { lockForWrite, checkReferences } = createEventGuards({ identity, sites }, views);
  const { conflictsFor, settle } = createConflictChecks({ identity });

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
      if (!canScheduleEvents(actor))
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
        await recordScheduledEvent(tx, ctx, 'created', created, assigneeIds);
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
        await recordScheduledEvent(tx, ctx, 'updated', after, assigneeIds);
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
        await recordScheduledEvent(tx, ctx, 'deleted', before, before.assigneeIds);
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
        await recordScheduledEvent(tx, ctx, 'occurrence_changed', after, before.assigneeIds, key);
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
        const after = await repository.updateEvent(tx, id, {}, options.expectedVersion);
        if (!after) throw commonErrors.VERSION_CONFLICT({ extra: { current: (await hydrate([before]))[0] } });
        await audit.record(tx, ctx, {
          action: 'event.occurrence_cancelled',
          resourceType: 'scheduled_event',
          resourceId: id,
          before: { occurrenceStart: key, exception: existing ?? null },
          after: { occurrenceStart: key, exception: saved },
        });
        await recordScheduledEvent(tx, ctx, 'occurrence_cancelled', after, before.assigneeIds, key);
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
