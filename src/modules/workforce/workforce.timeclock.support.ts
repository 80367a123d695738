import type { SQL } from 'drizzle-orm';
import type { Actor, RequestContext } from '../../platform/auth/actor.ts';
import type { Executor } from '../../platform/db/client.ts';
import { translatingViolation } from '../../platform/db/errors.ts';
import { commonErrors, fieldError, type FieldErrors } from '../../platform/http/errors.ts';
import type { Person } from '../identity/index.ts';
import { workforceErrors } from './workforce.errors.ts';
import { recordTimeEntry } from './workforce.outbox.ts';
import { canApprove, visibleUserIds } from './workforce.policy.ts';
import {
  addDays,
  DEFAULT_OVERTIME_THRESHOLD_MINUTES,
  isDate,
  isoWeekStart,
  summariseWeek,
} from './workforce.time.ts';
import * as repository from './workforce.timeclock.repository.ts';
import type { NewTimeEntry, TimeEntryRow } from './workforce.timeclock.repository.ts';
import { checkAt } from './workforce.timeclock.times.ts';
import type {
  ResolvedTimes,
  TimeclockDeps,
  TimeEntryView,
  TimeInput,
  TimesheetView,
} from './workforce.timeclock.types.ts';
import type { TimeEntryBreak } from './workforce.tables.ts';

const nonNull = <T>(value: T | null | undefined): value is T => value !== null && value !== undefined;
export const subjectOf = (person: Person) => ({
  userId: person.user.id,
  departmentId: person.user.departmentId,
});

/**
 * What the time clock's verbs share: reading entries as the actor may see them,
 * hydrating them for presenters, the checks every write makes, and the one-entry
 * transaction of clock actions and reviews.
 */
export function createTimeclockSupport(deps: TimeclockDeps) {
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
  return {
    threshold,
    clock,
    scopeOf,
    hydrate,
    view,
    personOf,
    subjectPerson,
    checkReferences,
    requireOpenWeeks,
    insertEntry,
    refuseOverlap,
    checkEditable,
    visibleRow,
    onOpenEntry,
    decide,
    timesheetOf,
  };
}
