import type { SQL } from 'drizzle-orm';
import { DateTime } from 'luxon';
import type { Actor, RequestContext } from '../../platform/auth/actor.ts';
import type { Database, Executor } from '../../platform/db/client.ts';
import { listing, listQueries, type Page } from '../../platform/db/list.ts';
import { commonErrors, fieldError, type FieldErrors } from '../../platform/http/errors.ts';
import type { ListParams } from '../../platform/http/query.ts';
import type { AuditService } from '../audit/index.ts';
import type { IdentityService, Person } from '../identity/index.ts';
import type { Location, Shift, SitesService } from '../sites/index.ts';
import { workforceErrors } from './workforce.errors.ts';
import { canApprove, isAdmin, visibleUserIds } from './workforce.policy.ts';
import * as repository from './workforce.timeclock.repository.ts';
import { recordTimeEntry } from './workforce.outbox.ts';
import type { NewTimeEntry, TimeEntryRow } from './workforce.timeclock.repository.ts';
import type { TimeEntryBreak } from './workforce.tables.ts';
import { translatingViolation } from '../../platform/db/errors.ts';

/** Weekly minutes above which a timesheet shows overtime, unless configured otherwise. */
export const DEFAULT_OVERTIME_THRESHOLD_MINUTES = 40 * 60;
/** Times this close to now count as "now": clocks of phones and servers differ a little. */
const CLOCK_SKEW_MS = 5 * 60_000;
const MAX_ENTRY_MS = 24 * 3600_000;
const DAY_MS = 86_400_000;

// Pure time arithmetic (unit-tested in workforce.timeclock.test.ts).

/** 'YYYY-MM-DD' plus whole days (calendar arithmetic, no zone involved). */
export const addDays = (date: string, days: number): string =>
  new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);

/** Whether the text is a real calendar date 'YYYY-MM-DD'. */
export const isDate = (text: string): boolean =>
  /^\d{4}-\d{2}-\d{2}$/.test(text) && DateTime.fromISO(text, { zone: 'utc' }).isValid;

/** The Monday of the ISO week of a date. */
export function isoWeekStart(date: string): string {
  const weekday = new Date(`${date}T00:00:00Z`).getUTCDay();
  return addDays(date, -((weekday + 6) % 7));
}

/** The local date of an instant in a zone. */
export function localDateOf(instant: Date, zone: string): string {
  const date = DateTime.fromJSDate(instant, { zone }).toISODate();
  if (date === null) throw new RangeError(`No local date for ${instant.toISOString()} in ${zone}`);
  return date;
}

/** The first instant of a local date in a zone (midnight, or the first moment after a gap). */
export function startOfLocalDay(date: string, zone: string): Date {
  return DateTime.fromISO(date, { zone }).startOf('day').toJSDate();
}

const TIME_OF_DAY = /^(\d{1,2}):(\d{2})(?::(\d{2}))?$/;

/**
 * An instant from what a client sends: a Date; ISO 8601 with an offset (the instant
 * itself); ISO 8601 without one (a wall-clock reading in `zone`); or a bare time
 * 'HH:MM[:SS]' on `baseDate` in `zone`. Undefined when it is none of these.
 */
export function parseTime(input: Date | string, zone: string, baseDate?: string): Date | undefined {
  if (input instanceof Date) return Number.isNaN(input.getTime()) ? undefined : input;
  const text = input.trim();
  const time = TIME_OF_DAY.exec(text);
  let parsed: DateTime;
  if (time) {
    if (!baseDate) return undefined;
    const [hours, minutes, seconds] = [time[1] ?? '', time[2] ?? '', time[3] ?? '00'];
    parsed = DateTime.fromISO(`${baseDate}T${hours.padStart(2, '0')}:${minutes}:${seconds}`, { zone });
  } else if (/^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}/.test(text)) {
    parsed = DateTime.fromISO(text.replace(' ', 'T'), { zone, setZone: true });
  } else return undefined;
  return parsed.isValid ? parsed.toJSDate() : undefined;
}

export const isTimeOfDay = (input: Date | string): boolean =>
  typeof input === 'string' && TIME_OF_DAY.test(input.trim());

/**
 * Worked minutes of an entry: the real time elapsed between clock-in and clock-out
 * (instants, so a night shift across a DST change counts the hours actually worked),
 * minus its breaks clipped to the entry and merged where they overlap.
 */
export function workedMinutes(
  clockIn: Date,
  clockOut: Date,
  breaks: readonly { startsAt: Date; endsAt: Date | null }[],
): number {
  const start = clockIn.getTime();
  const end = clockOut.getTime();
  const spans = breaks
    .map((item) => [Math.max(item.startsAt.getTime(), start), Math.min(item.endsAt?.getTime() ?? end, end)])
    .filter(([from = 0, to = 0]) => to > from)
    .sort((a, b) => (a[0] ?? 0) - (b[0] ?? 0));
  let breakMs = 0;
  let reached = start;
  for (const [from = 0, to = 0] of spans) {
    const clipped = Math.max(from, reached);
    if (to > clipped) breakMs += to - clipped;
    reached = Math.max(reached, to);
  }
  return Math.max(0, Math.round((end - start - breakMs) / 60_000));
}

export interface WeekSummary {
  days: { date: string; minutes: number }[];
  totalMinutes: number;
  overtimeMinutes: number;
}

/**
 * A week's minutes per day (an entry counts on the local date it started, so a night
 * shift belongs to the evening it began), total and overtime above the threshold.
 * Rejected and still-open entries count nothing.
 */
export function summariseWeek(
  weekStart: string,
  entries: readonly { date: string; workedMinutes: number | null; status: string }[],
  thresholdMinutes: number,
): WeekSummary {
  const days = Array.from({ length: 7 }, (_, index) => ({ date: addDays(weekStart, index), minutes: 0 }));
  for (const entry of entries) {
    const day = days.find((candidate) => candidate.date === entry.date);
    if (day && entry.status !== 'rejected') day.minutes += entry.workedMinutes ?? 0;
  }
  const totalMinutes = days.reduce((sum, day) => sum + day.minutes, 0);
  return { days, totalMinutes, overtimeMinutes: Math.max(0, totalMinutes - thresholdMinutes) };
}

// The service

/** A time entry with its breaks, people, location and shift, as every presenter shows it. */
export interface TimeEntryView extends TimeEntryRow {
  breaks: TimeEntryBreak[];
  person: Person | null;
  approver: Person | null;
  location: Location | null;
  shift: Shift | null;
}

export interface TimesheetView extends WeekSummary {
  person: Person;
  weekStart: string;
  weekEnd: string;
  thresholdMinutes: number;
  approvedBy: Person | null;
  approvedAt: Date | null;
  entries: TimeEntryView[];
}

/** A time as clients send it: see `parseTime`. */
export type TimeInput = Date | string;

export interface ClockInput {
  /** Someone else (their manager, or an admin); default the caller. */
  userId?: number;
  /** Default now; only managers and admins record other times. */
  at?: TimeInput;
  locationId?: number | null;
  shiftId?: number | null;
  notes?: string;
}

export interface EntryInput {
  userId?: number;
  /** The local date bare times ('22:00') are read on; default the entry's date, or today. */
  date?: string;
  clockIn?: TimeInput;
  clockOut?: TimeInput | null;
  /** Every break of the entry (replaces them); an open break has no end. */
  breaks?: { start: TimeInput; end: TimeInput | null }[];
  /** v1 edits the first break only: its start (null removes it) and end. */
  breakStart?: TimeInput | null;
  breakEnd?: TimeInput | null;
  locationId?: number | null;
  shiftId?: number | null;
  notes?: string;
}

export interface TimeclockDeps {
  db: Database;
  audit: Pick<AuditService, 'record'>;
  identity: Pick<IdentityService, 'peopleByUserIds' | 'userIdsInDepartment'>;
  sites: Pick<SitesService, 'locationsByIds' | 'shiftsByIds'>;
  /** Weekly minutes above which a timesheet counts overtime (configuration; default 40 h). */
  overtimeThresholdMinutes?: number;
  /** The clock; tests pass their own. */
  now?: () => Date;
  /**
   * Someone clocked in, called in the clock-in transaction: whoever waits for people on
   * duty (the assignment queue) can look again at once instead of at its next round.
   */
  onClockedIn?: (tx: Executor, userId: number) => Promise<void>;
}

interface ResolvedTimes {
  clockIn: Date;
  clockOut: Date | null;
  breaks: { startsAt: Date; endsAt: Date | null }[];
}

const isManager = (actor: Actor) => isAdmin(actor) || actor.role === 'manager';
const nonNull = <T>(value: T | null | undefined): value is T => value !== null && value !== undefined;
const subjectOf = (person: Person) => ({ userId: person.user.id, departmentId: person.user.departmentId });
const BAD_TIME = 'Datetime has wrong format. Use ISO 8601 (2026-01-31T09:00:00+01:00) or HH:MM.';

export function createTimeclockService(deps: TimeclockDeps) {
  const { db, audit, identity, sites } = deps;
  const threshold = deps.overtimeThresholdMinutes ?? DEFAULT_OVERTIME_THRESHOLD_MINUTES;
  const clock = deps.now ?? (() => new Date());

  /** Whose entries the actor sees, as a WHERE on the user id; undefined for everyone's. */
  async function scopeOf(actor: Actor): Promise<SQL | undefined> {
    return repository.entriesOfUsers(await visibleUserIds(actor, (id) => identity.userIdsInDepartment(id)));
  }

  async function hydrate(rows: TimeEntryRow[]): Promise<TimeEntryView[]> {
    const userIds = rows.flatMap((row) => [row.userId, row.approvedBy]).filter(nonNull);
    const locationIds = rows.map((row) => row.locationId).filter(nonNull);
    const shiftIds = rows.map((row) => row.shiftId).filter(nonNull);
    const [people, locations, shifts, breaks] = await Promise.all([
      userIds.length ? identity.peopleByUserIds([...new Set(userIds)]) : [],
      locationIds.length ? sites.locationsByIds(locationIds) : [],
      shiftIds.length ? sites.shiftsByIds(shiftIds) : [],
      repository.breaksOf(
        db,
        rows.map((row) => row.id),
      ),
    ]);
    const peopleById = new Map(people.map((person) => [person.user.id, person]));
    const breaksByEntry = new Map<number, TimeEntryBreak[]>();
    for (const item of breaks) {
      const list = breaksByEntry.get(item.entryId);
      if (list) list.push(item);
      else breaksByEntry.set(item.entryId, [item]);
    }
    const locationsById = new Map(locations.map((location) => [location.id, location]));
    const shiftsById = new Map(shifts.map((shift) => [shift.id, shift]));
    return rows.map((row) => ({
      ...row,
      breaks: breaksByEntry.get(row.id) ?? [],
      person: peopleById.get(row.userId) ?? null,
      approver: row.approvedBy === null ? null : (peopleById.get(row.approvedBy) ?? null),
      location: row.locationId === null ? null : (locationsById.get(row.locationId) ?? null),
      shift: row.shiftId === null ? null : (shiftsById.get(row.shiftId) ?? null),
    }));
  }

  async function view(row: TimeEntryRow): Promise<TimeEntryView> {
    const [result] = await hydrate([row]);
    if (!result) throw workforceErrors.WORKFORCE_NOT_FOUND();
    return result;
  }

  async function personOf(userId: number): Promise<Person> {
    const [person] = await identity.peopleByUserIds([userId]);
    if (!person) throw workforceErrors.WORKFORCE_NOT_FOUND();
    return person;
  }

  /** The person an action is for: the caller, or someone the caller approves for (else forbidden). */
  async function subjectPerson(actor: Actor, userId = actor.userId, field = 'user_id'): Promise<Person> {
    const [person] = await identity.peopleByUserIds([userId]);
    if (!person) throw fieldError(field, `Invalid pk "${userId}" - object does not exist.`);
    if (userId !== actor.userId && !canApprove(actor, subjectOf(person))) {
      throw workforceErrors.WORKFORCE_FORBIDDEN({
        message: 'Only their manager or an admin can record time for someone else.',
      });
    }
    return person;
  }

  /** A time the caller gives for "now": near now for anyone, other times for managers only. */
  function checkAt(actor: Actor, input: TimeInput, zone: string, now: Date, field = 'at'): Date {
    const at = parseTime(input, zone, localDateOf(now, zone));
    if (!at) throw fieldError(field, BAD_TIME);
    if (at.getTime() > now.getTime() + CLOCK_SKEW_MS) throw fieldError(field, 'This time is in the future.');
    if (at.getTime() < now.getTime() - CLOCK_SKEW_MS && !isManager(actor)) {
      throw workforceErrors.WORKFORCE_FORBIDDEN({
        message: 'Only a manager can record a time in the past; ask yours to correct the entry.',
      });
    }
    return at;
  }

  async function checkReferences(input: { locationId?: number | null; shiftId?: number | null }) {
    const fields: FieldErrors = {};
    const [locations, shifts] = await Promise.all([
      input.locationId ? sites.locationsByIds([input.locationId]) : [],
      input.shiftId ? sites.shiftsByIds([input.shiftId]) : [],
    ]);
    if (input.locationId && locations.length === 0)
      fields.location_id = [`Invalid pk "${input.locationId}" - object does not exist.`];
    if (input.shiftId && shifts.length === 0)
      fields.shift_id = [`Invalid pk "${input.shiftId}" - object does not exist.`];
    if (Object.keys(fields).length > 0) throw commonErrors.VALIDATION_FAILED({ fields });
  }

  /**
   * Locks the weeks of these dates against approval for the transaction (in a fixed
   * order, so two writes cannot deadlock) and refuses if one is approved.
   */
  async function requireOpenWeeks(tx: Executor, userId: number, dates: string[]): Promise<void> {
    for (const weekStart of [...new Set(dates.map(isoWeekStart))].sort()) {
      await repository.lockWeek(tx, userId, weekStart);
      if (await repository.weekApprovalOf(tx, userId, weekStart))
        throw workforceErrors.WORKFORCE_WEEK_LOCKED();
    }
  }

  const insertEntry = (tx: Executor, values: NewTimeEntry) =>
    translatingViolation(
      repository.insertEntry(tx, values),
      '23505',
      'time_entries_one_open_per_user',
      (cause) => workforceErrors.WORKFORCE_ALREADY_CLOCKED_IN({ cause }),
    );

  async function refuseOverlap(tx: Executor, userId: number, times: ResolvedTimes, id: number) {
    const [other] = await repository.overlappingEntries(tx, userId, times.clockIn, times.clockOut, id);
    if (other) throw fieldError('clock_in', `This overlaps time entry #${other.id} of the same person.`);
  }

  /** Reads the times of a manual entry or a correction; bare times on `date`, overnight when needed. */
  function resolveTimes(
    input: EntryInput,
    zone: string,
    current: (ResolvedTimes & { date: string }) | undefined,
  ): ResolvedTimes {
    const baseDate = input.date ?? current?.date ?? localDateOf(clock(), zone);
    const read = (value: TimeInput, field: string, notBefore?: Date): Date => {
      const parsed = parseTime(value, zone, baseDate);
      if (!parsed) throw fieldError(field, BAD_TIME);
      // '06:00' after a '22:00' clock-in is the next morning.
      if (notBefore && isTimeOfDay(value) && parsed <= notBefore)
        return parseTime(value, zone, addDays(baseDate, 1)) ?? parsed;
      return parsed;
    };
    const clockIn = input.clockIn !== undefined ? read(input.clockIn, 'clock_in') : current?.clockIn;
    if (!clockIn) throw fieldError('clock_in', 'This field is required.');
    const clockOut =
      input.clockOut === undefined
        ? (current?.clockOut ?? null)
        : input.clockOut === null
          ? null
          : read(input.clockOut, 'clock_out', clockIn);
    let breaks = current?.breaks ?? [];
    if (input.breaks !== undefined) {
      breaks = input.breaks.map((item) => {
        const startsAt = read(item.start, 'breaks', clockIn);
        return { startsAt, endsAt: item.end === null ? null : read(item.end, 'breaks', startsAt) };
      });
    } else if (input.breakStart !== undefined || input.breakEnd !== undefined) {
      const [first, ...rest] = breaks;
      if (input.breakStart === null) breaks = rest;
      else {
        const startsAt =
          input.breakStart === undefined ? first?.startsAt : read(input.breakStart, 'break_start', clockIn);
        if (!startsAt) throw fieldError('break_start', 'A break needs a start.');
        const endsAt =
          input.breakEnd === undefined
            ? (first?.endsAt ?? null)
            : input.breakEnd === null
              ? null
              : read(input.breakEnd, 'break_end', startsAt);
        breaks = [{ startsAt, endsAt }, ...rest];
      }
    }
    return {
      clockIn,
      clockOut,
      breaks: [...breaks].sort((a, b) => a.startsAt.getTime() - b.startsAt.getTime()),
    };
  }

  /** Every rule about an entry's times, all problems at once. */
  function validateTimes(times: ResolvedTimes, now: Date): void {
    const fields: FieldErrors = {};
    const add = (field: string, message: string) => (fields[field] ??= []).push(message);
    const { clockIn, clockOut, breaks } = times;
    const latest = now.getTime() + CLOCK_SKEW_MS;
    if (clockIn.getTime() > latest) add('clock_in', 'This time is in the future.');
    if (clockOut) {
      if (clockOut <= clockIn) add('clock_out', 'Clock-out must be after clock-in.');
      else if (clockOut.getTime() - clockIn.getTime() > MAX_ENTRY_MS)
        add('clock_out', 'An entry cannot be longer than 24 hours.');
      if (clockOut.getTime() > latest) add('clock_out', 'This time is in the future.');
    }
    const end = clockOut ?? new Date(latest);
    let previousEnd = clockIn.getTime();
    breaks.forEach((item, index) => {
      const open = item.endsAt === null;
      if (open && (clockOut || index !== breaks.length - 1))
        add('breaks', 'Only the last break of an open entry can be open.');
      if (item.endsAt && item.endsAt <= item.startsAt) add('breaks', 'A break must end after it starts.');
      if (item.startsAt.getTime() < previousEnd || (item.endsAt ?? item.startsAt) > end)
        add('breaks', 'Breaks must fall within the entry and not overlap.');
      previousEnd = item.endsAt?.getTime() ?? Number.POSITIVE_INFINITY;
    });
    if (Object.keys(fields).length > 0) throw commonErrors.VALIDATION_FAILED({ fields });
  }

  /** Who may change an entry: the approvers of its person, or its owner while it is pending. */
  function checkEditable(actor: Actor, entry: TimeEntryRow, person: Person) {
    if (canApprove(actor, subjectOf(person))) return;
    if (entry.userId === actor.userId && entry.status === 'pending') return;
    throw workforceErrors.WORKFORCE_FORBIDDEN({
      message:
        entry.userId === actor.userId
          ? 'This entry has been reviewed; only a manager can change it now.'
          : 'Only their manager or an admin can change this entry.',
    });
  }

  async function visibleRow(tx: Executor, actor: Actor, id: number, lock = false): Promise<TimeEntryRow> {
    const row = await repository.entryById(tx, id, await scopeOf(actor), lock);
    if (!row) throw workforceErrors.WORKFORCE_NOT_FOUND();
    return row;
  }

  /** Runs one clock action on the subject's open entry, in a transaction with its week locked. */
  async function onOpenEntry(
    ctx: RequestContext,
    input: { userId?: number; at?: TimeInput },
    action: string,
    apply: (tx: Executor, entry: TimeEntryRow, at: Date) => Promise<Partial<NewTimeEntry>>,
  ): Promise<TimeEntryView> {
    const now = clock();
    const person = await subjectPerson(ctx.actor, input.userId);
    const at = input.at === undefined ? now : checkAt(ctx.actor, input.at, person.user.timeZone, now);
    const row = await db.transaction(async (tx) => {
      const entry = await repository.openEntryOf(tx, person.user.id, true);
      if (!entry) throw workforceErrors.WORKFORCE_NOT_CLOCKED_IN();
      await requireOpenWeeks(tx, entry.userId, [entry.date]);
      if (at <= entry.clockIn) throw fieldError('at', 'This is before the clock-in of the open entry.');
      const changes = await apply(tx, entry, at);
      await repository.updateEntry(tx, entry.id, changes);
      const after = await repository.entryById(tx, entry.id);
      if (!after) throw workforceErrors.WORKFORCE_NOT_FOUND();
      await audit.record(tx, ctx, {
        action,
        resourceType: 'time_entry',
        resourceId: entry.id,
        before: entry,
        after,
      });
      await recordTimeEntry(tx, ctx, action, after);
      return after;
    });
    return view(row);
  }

  async function decide(
    ctx: RequestContext,
    id: number,
    status: 'approved' | 'rejected',
    expectedVersion?: number,
  ): Promise<TimeEntryView> {
    const { actor } = ctx;
    const row = await db.transaction(async (tx) => {
      const before = await visibleRow(tx, actor, id, true);
      if (before.userId === actor.userId) throw workforceErrors.WORKFORCE_SELF_APPROVAL();
      if (!canApprove(actor, subjectOf(await personOf(before.userId))))
        throw workforceErrors.WORKFORCE_FORBIDDEN();
      if (before.clockOut === null)
        throw workforceErrors.WORKFORCE_INVALID_STATE({
          message: 'An open entry cannot be reviewed; clock out first.',
        });
      await requireOpenWeeks(tx, before.userId, [before.date]);
      if (before.status === status)
        throw workforceErrors.WORKFORCE_INVALID_STATE({ message: `This entry is already ${status}.` });
      const changes = { status, approvedBy: actor.userId, approvedAt: clock() };
      if (!(await repository.updateEntry(tx, id, changes, expectedVersion)))
        throw commonErrors.VERSION_CONFLICT({ extra: { current: await view(before) } });
      const after = await repository.entryById(tx, id);
      await audit.record(tx, ctx, {
        action: `time_entry.${status}`,
        resourceType: 'time_entry',
        resourceId: id,
        before,
        after,
      });
      await recordTimeEntry(tx, ctx, status, after ?? before);
      return after ?? before;
    });
    return view(row);
  }

  async function timesheetOf(actor: Actor, userId: number, weekStart: string): Promise<TimesheetView> {
    if (!isDate(weekStart) || isoWeekStart(weekStart) !== weekStart)
      throw fieldError('week_start', 'Give the Monday of the week, as YYYY-MM-DD.');
    const visible = await visibleUserIds(actor, (id) => identity.userIdsInDepartment(id));
    if (visible && !visible.includes(userId)) throw workforceErrors.WORKFORCE_NOT_FOUND();
    const person = await personOf(userId);
    const weekEnd = addDays(weekStart, 6);
    const [rows, approval] = await Promise.all([
      repository.entriesBetween(db, userId, weekStart, weekEnd),
      repository.weekApprovalOf(db, userId, weekStart),
    ]);
    const [entries, approvers] = await Promise.all([
      hydrate(rows),
      approval ? identity.peopleByUserIds([approval.approvedBy]) : [],
    ]);
    return {
      person,
      weekStart,
      weekEnd,
      thresholdMinutes: threshold,
      ...summariseWeek(weekStart, rows, threshold),
      approvedBy: approvers[0] ?? null,
      approvedAt: approval?.approvedAt ?? null,
      entries,
    };
  }

  const timeEntryListing = listing(
    repository.timeEntryList,
    listQueries(db, repository.listEntries, repository.countEntries),
  );
  return {
    hydrate,

    /** Which of these people are clocked in now, read through `executor`. */
    async clockedIn(userIds: number[], executor: Executor = db): Promise<Set<number>> {
      return new Set(await repository.clockedInUserIds(executor, userIds));
    },

    async list(actor: Actor, params: ListParams): Promise<Page<TimeEntryView>> {
      const page = await timeEntryListing.page(params, await scopeOf(actor));
      return { ...page, rows: await hydrate(page.rows) };
    },

    /** Every matching entry in keyset batches, hydrated per batch (CSV / XML exports). */
    async *all(actor: Actor, params: ListParams): AsyncGenerator<TimeEntryView> {
      const rows: TimeEntryRow[] = [];
      const flush = async function* () {
        yield* await hydrate(rows.splice(0));
      };
      for await (const row of timeEntryListing.all(params, await scopeOf(actor))) {
        rows.push(row);
        if (rows.length >= 500) yield* flush();
      }
      yield* flush();
    },

    async get(actor: Actor, id: number): Promise<TimeEntryView> {
      return view(await visibleRow(db, actor, id));
    },

    /** The caller's open entry, if they are clocked in. */
    async current(actor: Actor): Promise<TimeEntryView | undefined> {
      const row = await repository.openEntryOf(db, actor.userId);
      return row && view(row);
    },

    /**
     * Opens an entry. At most one open entry per person: the database's partial unique
     * index decides between concurrent clock-ins, and the losers get ALREADY_CLOCKED_IN.
     */
    async clockIn(ctx: RequestContext, input: ClockInput = {}): Promise<TimeEntryView> {
      const now = clock();
      const person = await subjectPerson(ctx.actor, input.userId);
      const zone = person.user.timeZone;
      const at = input.at === undefined ? now : checkAt(ctx.actor, input.at, zone, now);
      await checkReferences(input);
      const row = await db.transaction(async (tx) => {
        const date = localDateOf(at, zone);
        await requireOpenWeeks(tx, person.user.id, [date]);
        const id = await insertEntry(tx, {
          userId: person.user.id,
          date,
          clockIn: at,
          timeZone: zone,
          locationId: input.locationId ?? null,
          shiftId: input.shiftId ?? null,
          notes: input.notes ?? '',
        });
        await refuseOverlap(tx, person.user.id, { clockIn: at, clockOut: null, breaks: [] }, id);
        const created = await repository.entryById(tx, id);
        if (!created) throw new Error('created entry vanished');
        await audit.record(tx, ctx, {
          action: 'time_entry.clocked_in',
          resourceType: 'time_entry',
          resourceId: id,
          after: created,
        });
        await recordTimeEntry(tx, ctx, 'clocked_in', created);
        await deps.onClockedIn?.(tx, person.user.id);
        return created;
      });
      return view(row);
    },

    startBreak(ctx: RequestContext, input: { userId?: number; at?: TimeInput } = {}): Promise<TimeEntryView> {
      return onOpenEntry(ctx, input, 'time_entry.break_started', async (tx, entry, at) => {
        const breaks = await repository.breaksOf(tx, [entry.id]);
        if (breaks.some((item) => item.endsAt === null))
          throw workforceErrors.WORKFORCE_INVALID_STATE({ message: 'You are already on a break.' });
        if (breaks.some((item) => item.endsAt && item.endsAt > at))
          throw fieldError('at', 'This is before the end of the previous break.');
        await translatingViolation(
          repository.insertBreak(tx, entry.id, at),
          '23505',
          'time_entry_breaks_one_open',
          (cause) =>
            workforceErrors.WORKFORCE_INVALID_STATE({ message: 'You are already on a break.', cause }),
        );
        return {};
      });
    },

    endBreak(ctx: RequestContext, input: { userId?: number; at?: TimeInput } = {}): Promise<TimeEntryView> {
      return onOpenEntry(ctx, input, 'time_entry.break_ended', async (tx, entry, at) => {
        const open = (await repository.breaksOf(tx, [entry.id])).find((item) => item.endsAt === null);
        if (!open) throw workforceErrors.WORKFORCE_INVALID_STATE({ message: 'You are not on a break.' });
        if (at <= open.startsAt) throw fieldError('at', 'A break must end after it starts.');
        await repository.closeOpenBreak(tx, entry.id, at);
        return {};
      });
    },

    /** Closes the open entry (and an open break) and computes its worked minutes. */
    clockOut(
      ctx: RequestContext,
      input: { userId?: number; at?: TimeInput; notes?: string } = {},
    ): Promise<TimeEntryView> {
      return onOpenEntry(ctx, input, 'time_entry.clocked_out', async (tx, entry, at) => {
        const open = (await repository.breaksOf(tx, [entry.id])).find((item) => item.endsAt === null);
        if (open && at <= open.startsAt)
          throw fieldError('at', 'This is before the start of the current break.');
        if (open) await repository.closeOpenBreak(tx, entry.id, at);
        const breaks = await repository.breaksOf(tx, [entry.id]);
        return {
          clockOut: at,
          workedMinutes: workedMinutes(entry.clockIn, at, breaks),
          ...(input.notes !== undefined && { notes: input.notes }),
        };
      });
    },

    /**
     * A manual entry (times given, e.g. forgotten clock-ins): worked minutes are computed
     * here from the times, never taken from the client. It starts pending, for review.
     */
    async create(ctx: RequestContext, input: EntryInput): Promise<TimeEntryView> {
      const now = clock();
      const person = await subjectPerson(ctx.actor, input.userId);
      const zone = person.user.timeZone;
      if (input.date !== undefined && !isDate(input.date))
        throw fieldError('date', 'Date has wrong format. Use YYYY-MM-DD.');
      const times = resolveTimes(input, zone, undefined);
      validateTimes(times, now);
      // An open manual entry is a clock-in: the same rule about times in the past.
      if (times.clockOut === null) checkAt(ctx.actor, times.clockIn, zone, now, 'clock_in');
      await checkReferences(input);
      const row = await db.transaction(async (tx) => {
        const date = localDateOf(times.clockIn, zone);
        await requireOpenWeeks(tx, person.user.id, [date]);
        const id = await insertEntry(tx, {
          userId: person.user.id,
          date,
          clockIn: times.clockIn,
          clockOut: times.clockOut,
          timeZone: zone,
          workedMinutes: times.clockOut && workedMinutes(times.clockIn, times.clockOut, times.breaks),
          locationId: input.locationId ?? null,
          shiftId: input.shiftId ?? null,
          notes: input.notes ?? '',
        });
        await refuseOverlap(tx, person.user.id, times, id);
        await repository.replaceBreaks(tx, id, times.breaks);
        const created = await repository.entryById(tx, id);
        if (!created) throw new Error('created entry vanished');
        await audit.record(tx, ctx, {
          action: 'time_entry.created',
          resourceType: 'time_entry',
          resourceId: id,
          after: { ...created, breaks: times.breaks },
        });
        await recordTimeEntry(tx, ctx, 'created', created);
        return created;
      });
      return view(row);
    },

    /**
     * Corrects an entry: times (minutes recomputed), breaks, location, shift, notes.
     * Managers of the person and admins correct any entry; its owner only a pending one.
     * Entries of an approved week are locked.
     */
    async update(
      ctx: RequestContext,
      id: number,
      input: EntryInput,
      expectedVersion?: number,
    ): Promise<TimeEntryView> {
      const { actor } = ctx;
      if (input.date !== undefined && !isDate(input.date))
        throw fieldError('date', 'Date has wrong format. Use YYYY-MM-DD.');
      await checkReferences(input);
      const row = await db.transaction(async (tx) => {
        const before = await visibleRow(tx, actor, id, true);
        checkEditable(actor, before, await personOf(before.userId));
        const currentBreaks = await repository.breaksOf(tx, [id]);
        const times = resolveTimes(input, before.timeZone, { ...before, breaks: currentBreaks });
        const closing = before.clockOut === null && times.clockOut !== null;
        const breaksChanged =
          closing ||
          input.breaks !== undefined ||
          input.breakStart !== undefined ||
          input.breakEnd !== undefined;
        if (before.clockOut !== null && times.clockOut === null)
          throw fieldError('clock_out', 'A closed entry cannot be reopened.');
        // Moving the start of an open entry is a clock-in at another time: managers only.
        if (times.clockOut === null && times.clockIn.getTime() !== before.clockIn.getTime())
          checkAt(actor, times.clockIn, before.timeZone, clock(), 'clock_in');
        if (times.clockOut) {
          // Closing an entry closes its open break too.
          times.breaks = times.breaks.map((item) => ({ ...item, endsAt: item.endsAt ?? times.clockOut }));
        }
        validateTimes(times, clock());
        const date = localDateOf(times.clockIn, before.timeZone);
        await requireOpenWeeks(tx, before.userId, [before.date, date]);
        await refuseOverlap(tx, before.userId, times, id);
        const changes = {
          date,
          clockIn: times.clockIn,
          clockOut: times.clockOut,
          workedMinutes: times.clockOut && workedMinutes(times.clockIn, times.clockOut, times.breaks),
          ...(input.locationId !== undefined && { locationId: input.locationId }),
          ...(input.shiftId !== undefined && { shiftId: input.shiftId }),
          ...(input.notes !== undefined && { notes: input.notes }),
        };
        if (!(await repository.updateEntry(tx, id, changes, expectedVersion)))
          throw commonErrors.VERSION_CONFLICT({ extra: { current: await view(before) } });
        if (breaksChanged) await repository.replaceBreaks(tx, id, times.breaks);
        const after = await repository.entryById(tx, id);
        if (!after) throw workforceErrors.WORKFORCE_NOT_FOUND();
        await audit.record(tx, ctx, {
          action: 'time_entry.updated',
          resourceType: 'time_entry',
          resourceId: id,
          before: { ...before, breaks: currentBreaks },
          after: { ...after, breaks: times.breaks },
        });
        await recordTimeEntry(tx, ctx, 'updated', after);
        return after;
      });
      return view(row);
    },

    async remove(ctx: RequestContext, id: number, expectedVersion?: number): Promise<void> {
      await db.transaction(async (tx) => {
        const before = await visibleRow(tx, ctx.actor, id, true);
        checkEditable(ctx.actor, before, await personOf(before.userId));
        await requireOpenWeeks(tx, before.userId, [before.date]);
        if (expectedVersion !== undefined && before.version !== expectedVersion)
          throw commonErrors.VERSION_CONFLICT({ extra: { current: await view(before) } });
        await repository.deleteEntry(tx, id);
        await audit.record(tx, ctx, {
          action: 'time_entry.deleted',
          resourceType: 'time_entry',
          resourceId: id,
          before,
        });
        await recordTimeEntry(tx, ctx, 'deleted', before);
      });
    },

    /** Approves a closed entry: the person's manager or an admin, never its owner. */
    approve(ctx: RequestContext, id: number, expectedVersion?: number): Promise<TimeEntryView> {
      return decide(ctx, id, 'approved', expectedVersion);
    },

    reject(ctx: RequestContext, id: number, expectedVersion?: number): Promise<TimeEntryView> {
      return decide(ctx, id, 'rejected', expectedVersion);
    },

    /** A person's ISO week (Monday `weekStart`): minutes per day, total, overtime, approval. */
    timesheet: timesheetOf,

    /**
     * Approves a person's week: its pending entries become approved and every entry of
     * the week is locked. Refused while one of them is still open.
     */
    async approveWeek(ctx: RequestContext, userId: number, weekStart: string): Promise<TimesheetView> {
      const { actor } = ctx;
      const sheet = await timesheetOf(actor, userId, weekStart);
      if (userId === actor.userId) throw workforceErrors.WORKFORCE_SELF_APPROVAL();
      if (!canApprove(actor, subjectOf(sheet.person))) throw workforceErrors.WORKFORCE_FORBIDDEN();
      await db.transaction(async (tx) => {
        await repository.lockWeek(tx, userId, weekStart);
        if (await repository.weekApprovalOf(tx, userId, weekStart))
          throw workforceErrors.WORKFORCE_INVALID_STATE({ message: 'This week is already approved.' });
        const rows = await repository.entriesBetween(tx, userId, weekStart, sheet.weekEnd);
        if (rows.some((row) => row.clockOut === null))
          throw workforceErrors.WORKFORCE_INVALID_STATE({
            message: 'An entry of this week is still open; clock out or correct it first.',
          });
        const approvedAt = clock();
        await repository.insertWeekApproval(tx, { userId, weekStart, approvedBy: actor.userId, approvedAt });
        const approvedEntryIds = await repository.approvePendingBetween(
          tx,
          userId,
          weekStart,
          sheet.weekEnd,
          actor.userId,
          approvedAt,
        );
        await audit.record(tx, ctx, {
          action: 'timesheet.approved',
          resourceType: 'timesheet',
          resourceId: `${userId}:${weekStart}`,
          after: { userId, weekStart, approvedEntryIds, ...summariseWeek(weekStart, rows, threshold) },
        });
        const approved = new Set(approvedEntryIds);
        for (const entry of await repository.entriesBetween(tx, userId, weekStart, sheet.weekEnd))
          if (approved.has(entry.id)) await recordTimeEntry(tx, ctx, 'approved', entry);
      });
      return timesheetOf(actor, userId, weekStart);
    },
  };
}

export type TimeclockService = ReturnType<typeof createTimeclockService>;
