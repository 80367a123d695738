import { LRUCache } from 'lru-cache';
import type { RequestContext } from '../../platform/auth/actor.ts';
import type { Database, Executor } from '../../platform/db/client.ts';
import { listing, listQueries, type Page } from '../../platform/db/list.ts';
import { commonErrors, fieldError } from '../../platform/http/errors.ts';
import type { ListParams } from '../../platform/http/query.ts';
import type { AuditService } from '../audit/index.ts';
import { createClosureVerbs } from './calendars.closures.ts';
import { createComputeVerbs } from './calendars.compute.ts';
import { createBusinessCalendar, type BusinessCalendar } from './calendars.engine.ts';
import { calendarsErrors } from './calendars.errors.ts';
import type { CalendarChangedEvent, CalendarChangedHook } from './calendars.events.ts';
import * as repository from './calendars.repository.ts';
import type { BusinessCalendarRow, CalendarClosure } from './calendars.tables.ts';
import { checkedCalendar, type CalendarInput } from './calendars.validation.ts';
import { checkWeekly } from './calendars.weekly.ts';
import { isViolation } from '../../platform/db/errors.ts';

export interface CalendarsDeps {
  db: Database;
  audit: Pick<AuditService, 'record'>;
  /** The `calendar.changed` hook point (see calendars.events.ts); none by default. */
  onChanged?: CalendarChangedHook;
  /** The clock for "now" defaults and the iCalendar recurrence window; tests pass a fixed one. */
  now?: () => Date;
}

/** A calendar, its holidays and closures, and the engine built from them, read together. */
export interface CalendarSnapshot {
  calendar: BusinessCalendarRow;
  closures: CalendarClosure[];
  engine: BusinessCalendar;
}

/** What the closure, import and compute verbs share with the service. */
export interface CalendarsInternals {
  db: Database;
  audit: Pick<AuditService, 'record'>;
  now: () => Date;
  /** The calendar, row-locked for the transaction; CALENDARS_CALENDAR_NOT_FOUND when missing. */
  lockCalendar: (tx: Executor, id: number) => Promise<BusinessCalendarRow>;
  /** Bumps the calendar's version after a holiday/closure change and runs the changed hook. */
  touch: (tx: Executor, id: number, reason: CalendarChangedEvent['reason']) => Promise<BusinessCalendarRow>;
  engineFor: (id: number) => Promise<BusinessCalendar>;
}

const nameTaken = () => fieldError('name', 'A calendar with this name already exists.');

/**
 * Business calendars: CRUD, holidays and closures (by hand or from an iCalendar file),
 * the pure engine built from them (`engineFor`, what the SLA module calls) and the
 * computations the API offers. Every change that can move a computed time bumps the
 * calendar's version and calls `onChanged` in its transaction.
 */
export function createCalendarsService({ db, audit, onChanged, now = () => new Date() }: CalendarsDeps) {
  const changed = (tx: Executor, event: CalendarChangedEvent) => onChanged?.(tx, event) ?? Promise.resolve();

  async function lockCalendar(tx: Executor, id: number): Promise<BusinessCalendarRow> {
    const calendar = await repository.calendarById(tx, id, { lock: true });
    if (!calendar) throw calendarsErrors.CALENDARS_CALENDAR_NOT_FOUND();
    return calendar;
  }

  // Built engines by calendar id, valid for the version they were built at: every change
  // that can move a time bumps the version, so a hit needs only the calendar row read.
  const built = new LRUCache<number, CalendarSnapshot>({ max: 200 });

  /**
   * A calendar as stored with its holidays and closures and the engine built from them,
   * read from one snapshot (they agree): a read-only transaction of its own, or the
   * caller's `executor`.
   */
  async function snapshotFor(id: number, executor?: Executor): Promise<CalendarSnapshot> {
    const read = async (
      tx: Executor,
    ): Promise<CalendarSnapshot | (Omit<CalendarSnapshot, 'engine'> & { engine?: undefined })> => {
      const row = await repository.calendarById(tx, id);
      if (!row) throw calendarsErrors.CALENDARS_CALENDAR_NOT_FOUND();
      const cached = built.get(id);
      if (cached?.calendar.version === row.version) return cached;
      return { calendar: row, closures: await repository.allClosuresOf(tx, id) };
    };
    const found = executor
      ? await read(executor)
      : await db.transaction(read, { isolationLevel: 'repeatable read', accessMode: 'read only' });
    if (found.engine) return found;
    const { calendar, closures } = found;
    const engine = createBusinessCalendar({
      timeZone: calendar.timeZone,
      weekly: calendar.weekly,
      holidays: closures.flatMap((row) => (row.kind === 'holiday' && row.date ? [row.date] : [])),
      closures: closures.flatMap((row) =>
        row.kind === 'closure' && row.startsAt && row.endsAt
          ? [{ start: row.startsAt, end: row.endsAt }]
          : [],
      ),
    });
    const snapshot = { calendar, closures, engine };
    built.set(id, snapshot);
    return snapshot;
  }

  async function engineFor(id: number, executor?: Executor): Promise<BusinessCalendar> {
    return (await snapshotFor(id, executor)).engine;
  }

  async function touch(tx: Executor, id: number, reason: CalendarChangedEvent['reason']) {
    const calendar = await repository.updateCalendar(tx, id, {});
    if (!calendar) throw calendarsErrors.CALENDARS_CALENDAR_NOT_FOUND();
    await changed(tx, { calendarId: id, version: calendar.version, reason });
    return calendar;
  }

  const internals: CalendarsInternals = { db, audit, now, lockCalendar, touch, engineFor };

  const calendarListing = listing(
    repository.calendarList,
    listQueries(db, repository.listCalendars, repository.countCalendars),
  );
  return {
    listCalendars(params: ListParams): Promise<Page<BusinessCalendarRow>> {
      return calendarListing.page(params);
    },

    allCalendars(params: ListParams): AsyncIterable<BusinessCalendarRow> {
      return calendarListing.all(params);
    },

    async getCalendar(id: number): Promise<BusinessCalendarRow> {
      const calendar = await repository.calendarById(db, id);
      if (!calendar) throw calendarsErrors.CALENDARS_CALENDAR_NOT_FOUND();
      return calendar;
    },

    /** Creates a calendar; weekly hours are required (an empty object is a calendar that never opens). */
    async createCalendar(ctx: RequestContext, given: CalendarInput): Promise<BusinessCalendarRow> {
      const input = checkedCalendar(given, true);
      const name = input.name ?? '';
      return db.transaction(async (tx) => {
        if (await repository.calendarNameTaken(tx, name)) throw nameTaken();
        const calendar = await repository
          .insertCalendar(tx, {
            name,
            description: input.description,
            timeZone: input.timeZone,
            weekly: input.weekly ?? checkWeekly({}).hours,
          })
          .catch((error: unknown) => {
            throw isViolation(error, '23505') ? nameTaken() : error;
          });
        await audit.record(tx, ctx, {
          action: 'calendar.created',
          resourceType: 'calendar',
          resourceId: calendar.id,
          after: calendar,
        });
        return calendar;
      });
    },

    /**
     * Applies a partial update (`weekly` replaces the whole week); a stale
     * `expectedVersion` is a VERSION_CONFLICT carrying the current calendar. A change
     * of zone or hours is a `calendar.changed`; one of name or description is not.
     */
    async updateCalendar(
      ctx: RequestContext,
      id: number,
      given: CalendarInput,
      expectedVersion?: number,
    ): Promise<BusinessCalendarRow> {
      const input = checkedCalendar(given, false);
      return db.transaction(async (tx) => {
        const before = await lockCalendar(tx, id);
        if (input.name !== undefined && (await repository.calendarNameTaken(tx, input.name, id)))
          throw nameTaken();
        const after = await repository
          .updateCalendar(tx, id, input, expectedVersion)
          .catch((error: unknown) => {
            throw isViolation(error, '23505') ? nameTaken() : error;
          });
        if (!after) throw commonErrors.VERSION_CONFLICT({ extra: { current: before } });
        await audit.record(tx, ctx, {
          action: 'calendar.updated',
          resourceType: 'calendar',
          resourceId: id,
          before,
          after,
        });
        if (
          after.timeZone !== before.timeZone ||
          JSON.stringify(after.weekly) !== JSON.stringify(before.weekly)
        )
          await changed(tx, { calendarId: id, version: after.version, reason: 'updated' });
        return after;
      });
    },

    /** Deletes a calendar with its holidays and closures; one still referenced is CALENDARS_CALENDAR_IN_USE. */
    async deleteCalendar(ctx: RequestContext, id: number, expectedVersion?: number): Promise<void> {
      await db.transaction(async (tx) => {
        const before = await lockCalendar(tx, id);
        const deleted = await repository.deleteCalendar(tx, id, expectedVersion).catch((error: unknown) => {
          throw isViolation(error, '23503') ? calendarsErrors.CALENDARS_CALENDAR_IN_USE() : error;
        });
        if (!deleted) throw commonErrors.VERSION_CONFLICT({ extra: { current: before } });
        await audit.record(tx, ctx, {
          action: 'calendar.deleted',
          resourceType: 'calendar',
          resourceId: id,
          before,
        });
        await changed(tx, { calendarId: id, version: null, reason: 'deleted' });
      });
    },

    /**
     * The pure engine of a calendar as stored (weekly hours, holidays, closures), for
     * the SLA module and the compute endpoints. Build one per computation batch: it
     * does not see later changes.
     */
    engineFor,

    /** The calendar, its holidays and closures, and its engine, from one snapshot (explanations cite holidays by name). */
    snapshotFor,

    ...createClosureVerbs(internals),
    ...createComputeVerbs(internals),
  };
}

/** The calendars service: what other modules and the routes call. */
export type CalendarsService = ReturnType<typeof createCalendarsService>;
