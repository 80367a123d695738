import type { Actor, RequestContext } from '../../platform/auth/actor.ts';
import type { Executor } from '../../platform/db/client.ts';
import { translatingViolation } from '../../platform/db/errors.ts';
import { listing, listQueries, type Page } from '../../platform/db/list.ts';
import { commonErrors, fieldError } from '../../platform/http/errors.ts';
import type { ListParams } from '../../platform/http/query.ts';
import { workforceErrors } from './workforce.errors.ts';
import { recordTimeEntry } from './workforce.outbox.ts';
import { canApprove } from './workforce.policy.ts';
import { isDate, localDateOf, summariseWeek, workedMinutes } from './workforce.time.ts';
import * as repository from './workforce.timeclock.repository.ts';
import type { TimeEntryRow } from './workforce.timeclock.repository.ts';
import { createTimeclockSupport, subjectOf } from './workforce.timeclock.support.ts';
import { checkAt, resolveTimes, validateTimes } from './workforce.timeclock.times.ts';
import type {
  ClockInput,
  EntryInput,
  TimeclockDeps,
  TimeEntryView,
  TimeInput,
  TimesheetView,
} from './workforce.timeclock.types.ts';

export function createTimeclockService(deps: TimeclockDeps) {
  const { db, audit } = deps;
  const {
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
  } = createTimeclockSupport(deps);

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
      const times = resolveTimes(input, zone, undefined, now);
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
        const times = resolveTimes(input, before.timeZone, { ...before, breaks: currentBreaks }, clock());
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
