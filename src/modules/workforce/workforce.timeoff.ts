import { DateTime } from 'luxon';
import type { Actor, RequestContext } from '../../platform/auth/actor.ts';
import type { Database, Executor } from '../../platform/db/client.ts';
import { iterateAll, listing, listQueries, type Page, paginate } from '../../platform/db/list.ts';
import { AppError, commonErrors, fieldError, type FieldErrors } from '../../platform/http/errors.ts';
import type { ListParams } from '../../platform/http/query.ts';
import type { AuditService } from '../audit/index.ts';
import type { IdentityService, Person } from '../identity/index.ts';
import { workforceErrors } from './workforce.errors.ts';
import { canApprove, isAdmin, visibleUserIds } from './workforce.policy.ts';
import type { LEDGER_KINDS, TimeOffLedgerEntry, TimeOffPolicy, TimeOffRequest } from './workforce.tables.ts';
import { addDays, isDate, localDateOf, startOfLocalDay } from './workforce.timeclock.ts';
import { translatingViolation } from '../../platform/db/errors.ts';
import { approvedTimeOff } from './workforce.events.repository.ts';
import * as repository from './workforce.timeoff.repository.ts';

/** Balances look back at most this many years for carry-forward. */
export const MAX_HISTORY_YEARS = 10;
/** A single request spans at most this many days. */
const MAX_REQUEST_DAYS = 366;

export interface OpenInterval {
  start: Date;
  end: Date;
}

/** What time off needs of a business calendar (the calendars module's engine is one). */
export interface WorkingCalendar {
  /** The open stretches within [from, to), in order. */
  openIntervals(from: Date, to: Date): OpenInterval[];
}

/** An occurrence of a scheduled event a person is assigned to. */
export interface EventOccurrence {
  eventId: number;
  userId: number;
  title: string;
  startsAt: Date;
  endsAt: Date;
}

// Pure rules (unit-tested in workforce.timeoff.test.ts).

const round2 = (value: number) => Math.round(value * 100) / 100;

/** Monday to Friday, 09:00-17:00 wall-clock time in `zone`: the calendar of a policy without one. */
export function weekdayCalendar(zone: string): WorkingCalendar {
  return {
    openIntervals(from, to) {
      const intervals: OpenInterval[] = [];
      const last = localDateOf(to, zone);
      for (let day = localDateOf(from, zone); day <= last; day = addDays(day, 1)) {
        const local = DateTime.fromISO(day, { zone });
        if (local.weekday > 5) continue;
        const start = new Date(Math.max(local.set({ hour: 9 }).toMillis(), from.getTime()));
        const end = new Date(Math.min(local.set({ hour: 17 }).toMillis(), to.getTime()));
        if (end > start) intervals.push({ start, end });
      }
      return intervals;
    },
  };
}

/**
 * The working days among the dates [startDate, endDate]: those with open time in the
 * calendar, the day's bounds read in `zone`. Holidays and closed weekdays drop out.
 */
export function workingDates(
  calendar: WorkingCalendar,
  startDate: string,
  endDate: string,
  zone: string,
): string[] {
  const dates = new Set<string>();
  const from = startOfLocalDay(startDate, zone);
  const to = startOfLocalDay(addDays(endDate, 1), zone);
  for (const { start, end } of calendar.openIntervals(from, to)) {
    const last = localDateOf(new Date(end.getTime() - 1), zone);
    for (let day = localDateOf(start, zone); day <= last; day = addDays(day, 1)) {
      if (day >= startDate && day <= endDate) dates.add(day);
    }
  }
  return [...dates].sort();
}

export interface YearBalance {
  year: number;
  accrued: number;
  carriedForward: number;
  taken: number;
  remaining: number;
}

/**
 * The balance of `year`, rolled forward from `firstYear`: each year starts with what
 * the previous one left (never below zero, at most `carryForwardMax`), gains its
 * accruals and loses the days taken in it.
 */
export function rollBalance(
  year: number,
  firstYear: number,
  accrued: ReadonlyMap<number, number>,
  taken: ReadonlyMap<number, number>,
  carryForwardMax: number,
): YearBalance {
  let carried = 0;
  let balance: YearBalance = { year, accrued: 0, carriedForward: 0, taken: 0, remaining: 0 };
  for (let current = Math.min(firstYear, year); current <= year; current += 1) {
    const gained = accrued.get(current) ?? 0;
    const used = taken.get(current) ?? 0;
    balance = {
      year: current,
      accrued: round2(gained),
      carriedForward: carried,
      taken: used,
      remaining: round2(carried + gained - used),
    };
    carried = round2(Math.max(0, Math.min(balance.remaining, carryForwardMax)));
  }
  return balance;
}

// The service

export interface TimeOffRequestView extends TimeOffRequest {
  person: Person | null;
  approver: Person | null;
}

export interface TimeOffBalance extends YearBalance {
  requestType: string;
  pending: number;
  annualDays: number;
  carryForwardMaxDays: number;
}

export interface RequestInput {
  /** Someone else (their manager, or an admin); default the caller. */
  userId?: number;
  requestType?: string;
  startDate?: string;
  endDate?: string;
  reason?: string;
}

export interface PolicyInput {
  requestType?: string;
  annualDays?: number;
  carryForwardMaxDays?: number;
  calendarId?: number | null;
}

export interface LedgerInput {
  userId: number;
  requestType: string;
  year: number;
  kind: (typeof LEDGER_KINDS)[number];
  /** Default for an accrual: the policy's annual days. */
  days?: number;
  note?: string;
}

export interface TimeoffDeps {
  db: Database;
  audit: Pick<AuditService, 'record'>;
  identity: Pick<IdentityService, 'peopleByUserIds' | 'userIdsInDepartment'>;
  /** The calendar of a policy's `calendarId` (the calendars module); policies without one use weekdays 09-17. */
  workingCalendar: (calendarId: number) => Promise<WorkingCalendar>;
  /**
   * Occurrences of scheduled events of these people overlapping [from, to) (the events
   * service's `occurrencesForUsers`), read through `executor`: the approving transaction.
   */
  eventsFor: (userIds: number[], from: Date, to: Date, executor: Executor) => Promise<EventOccurrence[]>;
  now?: () => Date;
}

const subjectOf = (person: Person) => ({ userId: person.user.id, departmentId: person.user.departmentId });
const nonNull = <T>(value: T | null | undefined): value is T => value !== null && value !== undefined;
const typeTaken = () => fieldError('request_type', 'A policy for this kind of time off already exists.');
const spanDays = (start: string, end: string) => (Date.parse(end) - Date.parse(start)) / 86_400_000 + 1;

export function createTimeoffService(deps: TimeoffDeps) {
  const { db, audit, identity } = deps;
  const clock = deps.now ?? (() => new Date());

  const visibleIds = (actor: Actor) => visibleUserIds(actor, (id) => identity.userIdsInDepartment(id));

  async function hydrate(rows: TimeOffRequest[]): Promise<TimeOffRequestView[]> {
    const ids = [...new Set(rows.flatMap((row) => [row.userId, row.approvedBy]).filter(nonNull))];
    const people = new Map(
      (ids.length ? await identity.peopleByUserIds(ids) : []).map((p) => [p.user.id, p]),
    );
    return rows.map((row) => ({
      ...row,
      person: people.get(row.userId) ?? null,
      approver: row.approvedBy === null ? null : (people.get(row.approvedBy) ?? null),
    }));
  }

  async function view(row: TimeOffRequest): Promise<TimeOffRequestView> {
    const [result] = await hydrate([row]);
    if (!result) throw workforceErrors.WORKFORCE_NOT_FOUND();
    return result;
  }

  async function personOf(userId: number): Promise<Person> {
    const [person] = await identity.peopleByUserIds([userId]);
    if (!person) throw workforceErrors.WORKFORCE_NOT_FOUND();
    return person;
  }

  async function subjectPerson(actor: Actor, userId = actor.userId): Promise<Person> {
    const [person] = await identity.peopleByUserIds([userId]);
    if (!person) throw fieldError('user_id', `Invalid pk "${userId}" - object does not exist.`);
    if (userId !== actor.userId && !canApprove(actor, subjectOf(person)))
      throw workforceErrors.WORKFORCE_FORBIDDEN({
        message: 'Only their manager or an admin can request time off for someone else.',
      });
    return person;
  }

  async function visibleRow(tx: Executor, actor: Actor, id: number, lock = false): Promise<TimeOffRequest> {
    const row = await repository.requestById(
      tx,
      id,
      repository.requestsOfUsers(await visibleIds(actor)),
      lock,
    );
    if (!row) throw workforceErrors.WORKFORCE_NOT_FOUND();
    return row;
  }

  /** The calendar a policy counts working days in; weekdays 09-17 in the person's zone without one. */
  async function calendarOf(
    policy: Pick<TimeOffPolicy, 'calendarId' | 'requestType'>,
    zone: string,
  ): Promise<WorkingCalendar> {
    if (policy.calendarId === null) return weekdayCalendar(zone);
    try {
      return await deps.workingCalendar(policy.calendarId);
    } catch (error) {
      // Counting in another calendar would change balances silently: say what is wrong instead.
      if (error instanceof AppError && error.kind === 'not_found')
        throw workforceErrors.WORKFORCE_INVALID_STATE({
          message: `The calendar of the "${policy.requestType}" policy no longer exists; an admin must choose another.`,
          cause: error,
        });
      throw error;
    }
  }

  async function policyFor(executor: Executor, requestType: string): Promise<TimeOffPolicy> {
    const policy = await repository.policyByType(executor, requestType);
    if (policy) return policy;
    const known = (await repository.listPolicies(executor)).map((p) => p.requestType);
    throw fieldError(
      'request_type',
      known.length
        ? `"${requestType}" is not a valid choice; expected one of: ${known.join(', ')}.`
        : 'No kinds of time off are set up yet; ask an admin to add a policy.',
    );
  }

  /** The dates of a request, checked: real dates, in order, not too long, with working days in them. */
  async function checkPeriod(policy: TimeOffPolicy, zone: string, startDate: string, endDate: string) {
    const fields: FieldErrors = {};
    if (!isDate(startDate)) fields.start_date = ['Date has wrong format. Use YYYY-MM-DD.'];
    if (!isDate(endDate)) fields.end_date = ['Date has wrong format. Use YYYY-MM-DD.'];
    else if (isDate(startDate) && endDate < startDate)
      fields.end_date = ['The end date must not be before the start date.'];
    else if (isDate(startDate) && spanDays(startDate, endDate) > MAX_REQUEST_DAYS)
      fields.end_date = [`A request spans at most ${MAX_REQUEST_DAYS} days; split it.`];
    if (Object.keys(fields).length > 0) throw commonErrors.VALIDATION_FAILED({ fields });
    const days = workingDates(await calendarOf(policy, zone), startDate, endDate, zone);
    if (days.length === 0) throw fieldError('end_date', 'These dates contain no working days.');
  }

  /** Runs a write that may collide with another request of the person's (the exclusion constraint). */
  const refusingOverlap = <T>(write: Promise<T>) =>
    translatingViolation(write, '23P01', 'time_off_requests_no_overlap', (cause) =>
      workforceErrors.WORKFORCE_OVERLAPPING_REQUEST({ cause }),
    );

  /** Runs a write that may give a second policy the same type (the unique constraint). */
  const uniqueType = <T>(write: Promise<T>) =>
    translatingViolation(write, '23505', 'time_off_policies_requestType_unique', typeTaken);

  /** Decides a pending request; `alongside` runs in the same transaction, after the change. */
  async function decide(
    ctx: RequestContext,
    id: number,
    status: 'approved' | 'rejected',
    options: { note?: string; expectedVersion?: number },
    alongside?: (tx: Executor, request: TimeOffRequest, person: Person) => Promise<void>,
  ): Promise<TimeOffRequestView> {
    const { actor } = ctx;
    const { note, expectedVersion } = options;
    const row = await db.transaction(async (tx) => {
      const before = await visibleRow(tx, actor, id, true);
      if (before.userId === actor.userId) throw workforceErrors.WORKFORCE_SELF_APPROVAL();
      const person = await personOf(before.userId);
      if (!canApprove(actor, subjectOf(person))) throw workforceErrors.WORKFORCE_FORBIDDEN();
      if (before.status !== 'pending')
        throw workforceErrors.WORKFORCE_INVALID_STATE({
          message: `This request is ${before.status}, not pending.`,
        });
      const after = await repository.updateRequest(
        tx,
        id,
        {
          status,
          approvedBy: actor.userId,
          approvedAt: clock(),
          ...(note !== undefined && { decisionNote: note }),
        },
        expectedVersion,
      );
      if (!after) throw commonErrors.VERSION_CONFLICT({ extra: { current: await view(before) } });
      await audit.record(tx, ctx, {
        action: `time_off.${status}`,
        resourceType: 'time_off_request',
        resourceId: id,
        before,
        after,
      });
      await alongside?.(tx, after, person);
      return after;
    });
    return view(row);
  }

  async function checkCalendar(calendarId: number | null | undefined) {
    if (calendarId === null || calendarId === undefined) return;
    try {
      await deps.workingCalendar(calendarId);
    } catch (error) {
      if (error instanceof AppError && error.kind === 'not_found')
        throw fieldError('calendar_id', `Invalid pk "${calendarId}" - object does not exist.`);
      throw error;
    }
  }

  function requireAdmin(actor: Actor) {
    if (!isAdmin(actor)) throw workforceErrors.WORKFORCE_FORBIDDEN({ message: 'Only an admin can do this.' });
  }

  const ledgerListing = listing(
    repository.ledgerList,
    listQueries(db, repository.listLedger, repository.countLedger),
  );
  return {
    hydrate,

    /**
     * Which of these people are on approved time off at `at`, each on the local date of
     * their own zone (time off is taken in whole local days). Read through `executor`.
     */
    async onLeave(
      people: readonly { userId: number; timeZone: string }[],
      at: Date,
      executor: Executor = db,
    ): Promise<Set<number>> {
      if (people.length === 0) return new Set();
      const today = new Map(people.map((person) => [person.userId, localDateOf(at, person.timeZone)]));
      const dates = [...today.values()].sort();
      const rows = await approvedTimeOff(
        executor,
        [...today.keys()],
        dates[0] ?? '',
        dates[dates.length - 1] ?? '',
      );
      return new Set(
        rows
          .filter((row) => {
            const date = today.get(row.userId);
            return date !== undefined && row.startDate <= date && date <= row.endDate;
          })
          .map((row) => row.userId),
      );
    },

    async list(actor: Actor, params: ListParams): Promise<Page<TimeOffRequestView>> {
      const page = await paginate(
        repository.requestList,
        params,
        repository.requestsOfUsers(await visibleIds(actor)),
        {
          rows: (where, orderBy, limit, offset) => repository.listRequests(db, where, orderBy, limit, offset),
          count: (where) => repository.countRequests(db, where),
        },
      );
      return { ...page, rows: await hydrate(page.rows) };
    },

    async *all(actor: Actor, params: ListParams): AsyncGenerator<TimeOffRequestView> {
      const batch: TimeOffRequest[] = [];
      for await (const row of iterateAll(
        repository.requestList,
        params,
        repository.requestsOfUsers(await visibleIds(actor)),
        {
          rows: (where, orderBy, limit, offset) => repository.listRequests(db, where, orderBy, limit, offset),
        },
      )) {
        batch.push(row);
        if (batch.length >= 500) yield* await hydrate(batch.splice(0));
      }
      yield* await hydrate(batch.splice(0));
    },

    async get(actor: Actor, id: number): Promise<TimeOffRequestView> {
      return view(await visibleRow(db, actor, id));
    },

    /**
     * Asks for time off. The type needs a policy; the days need working time in its
     * calendar. Overlapping pending or approved requests of the same person are
     * refused by the database, so two racing requests cannot both get in.
     */
    async request(ctx: RequestContext, input: RequestInput): Promise<TimeOffRequestView> {
      const fields: FieldErrors = {};
      for (const field of ['requestType', 'startDate', 'endDate'] as const)
        if (!input[field])
          fields[field.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)] = ['This field is required.'];
      if (Object.keys(fields).length > 0) throw commonErrors.VALIDATION_FAILED({ fields });
      const { requestType = '', startDate = '', endDate = '' } = input;
      const person = await subjectPerson(ctx.actor, input.userId);
      const policy = await policyFor(db, requestType);
      await checkPeriod(policy, person.user.timeZone, startDate, endDate);
      const row = await db.transaction(async (tx) => {
        const created = await refusingOverlap(
          repository.insertRequest(tx, {
            userId: person.user.id,
            requestType: policy.requestType,
            startDate,
            endDate,
            reason: input.reason ?? '',
          }),
        );
        await audit.record(tx, ctx, {
          action: 'time_off.requested',
          resourceType: 'time_off_request',
          resourceId: created.id,
          after: created,
        });
        return created;
      });
      return view(row);
    },

    /** Changes a pending request (its owner, or their manager); the same checks as a new one. */
    async update(
      ctx: RequestContext,
      id: number,
      input: RequestInput,
      expectedVersion?: number,
    ): Promise<TimeOffRequestView> {
      const { actor } = ctx;
      const row = await db.transaction(async (tx) => {
        const before = await visibleRow(tx, actor, id, true);
        const person = await personOf(before.userId);
        if (before.userId !== actor.userId && !canApprove(actor, subjectOf(person)))
          throw workforceErrors.WORKFORCE_FORBIDDEN();
        if (before.status !== 'pending')
          throw workforceErrors.WORKFORCE_INVALID_STATE({
            message: `This request is ${before.status}; only pending ones change.`,
          });
        const policy = await policyFor(tx, input.requestType ?? before.requestType);
        const startDate = input.startDate ?? before.startDate;
        const endDate = input.endDate ?? before.endDate;
        await checkPeriod(policy, person.user.timeZone, startDate, endDate);
        const values = {
          requestType: policy.requestType,
          startDate,
          endDate,
          reason: input.reason ?? before.reason,
        };
        const after = await refusingOverlap(repository.updateRequest(tx, id, values, expectedVersion));
        if (!after) throw commonErrors.VERSION_CONFLICT({ extra: { current: await view(before) } });
        await audit.record(tx, ctx, {
          action: 'time_off.updated',
          resourceType: 'time_off_request',
          resourceId: id,
          before,
          after,
        });
        return after;
      });
      return view(row);
    },

    /**
     * Approves a pending request (the person's manager or an admin, never their own) and
     * reports the person's scheduled events on those days, which now need someone else.
     */
    async approve(
      ctx: RequestContext,
      id: number,
      options: { note?: string; expectedVersion?: number } = {},
    ): Promise<{ request: TimeOffRequestView; conflicts: EventOccurrence[] }> {
      let conflicts: EventOccurrence[] = [];
      // Read in the approving transaction: the list matches the approval, and if it
      // cannot be read the approval does not happen either.
      const request = await decide(ctx, id, 'approved', options, async (tx, row, person) => {
        const zone = person.user.timeZone;
        conflicts = await deps.eventsFor(
          [row.userId],
          startOfLocalDay(row.startDate, zone),
          startOfLocalDay(addDays(row.endDate, 1), zone),
          tx,
        );
      });
      return { request, conflicts };
    },

    reject(ctx: RequestContext, id: number, options: { note?: string; expectedVersion?: number } = {}) {
      return decide(ctx, id, 'rejected', options);
    },

    /** Withdraws a request: pending, or approved and not yet begun (in the person's zone). */
    async cancel(ctx: RequestContext, id: number, expectedVersion?: number): Promise<TimeOffRequestView> {
      const { actor } = ctx;
      const row = await db.transaction(async (tx) => {
        const before = await visibleRow(tx, actor, id, true);
        const person = await personOf(before.userId);
        if (before.userId !== actor.userId && !canApprove(actor, subjectOf(person)))
          throw workforceErrors.WORKFORCE_FORBIDDEN();
        const today = localDateOf(clock(), person.user.timeZone);
        const cancellable =
          before.status === 'pending' || (before.status === 'approved' && before.startDate > today);
        if (!cancellable)
          throw workforceErrors.WORKFORCE_INVALID_STATE({
            message: 'Only pending requests, or approved ones that have not begun, can be cancelled.',
          });
        const after = await repository.updateRequest(tx, id, { status: 'cancelled' }, expectedVersion);
        if (!after) throw commonErrors.VERSION_CONFLICT({ extra: { current: await view(before) } });
        await audit.record(tx, ctx, {
          action: 'time_off.cancelled',
          resourceType: 'time_off_request',
          resourceId: id,
          before,
          after,
        });
        return after;
      });
      return view(row);
    },

    /**
     * A person's balance per type of leave for `year`: accrued (the ledger), carried
     * forward (what the years before left, capped by the policy), taken (working days
     * of approved requests, counted now with the current calendar and holidays, so a
     * changed rule or a new holiday shows at once), pending, and remaining.
     */
    async balances(
      actor: Actor,
      userId: number,
      givenYear?: number,
    ): Promise<{ person: Person; year: number; balances: TimeOffBalance[] }> {
      const visible = await visibleIds(actor);
      if (visible && !visible.includes(userId)) throw workforceErrors.WORKFORCE_NOT_FOUND();
      const person = await personOf(userId);
      const zone = person.user.timeZone;
      const year = givenYear ?? Number(localDateOf(clock(), zone).slice(0, 4));
      const earliest = year - MAX_HISTORY_YEARS;
      const [policies, ledger, requests] = await Promise.all([
        repository.listPolicies(db),
        repository.ledgerSums(db, userId, earliest, year),
        repository.requestsOfUserBetween(
          db,
          userId,
          ['approved', 'pending'],
          `${earliest}-01-01`,
          `${year}-12-31`,
        ),
      ]);
      const balances: TimeOffBalance[] = [];
      for (const policy of policies) {
        const calendar = await calendarOf(policy, zone);
        const accrued = new Map<number, number>();
        const taken = new Map<number, number>();
        let pending = 0;
        for (const row of ledger.filter((entry) => entry.requestType === policy.requestType))
          accrued.set(row.year, row.days);
        for (const request of requests.filter((r) => r.requestType === policy.requestType)) {
          const from = request.startDate < `${earliest}-01-01` ? `${earliest}-01-01` : request.startDate;
          const to = request.endDate > `${year}-12-31` ? `${year}-12-31` : request.endDate;
          for (const date of workingDates(calendar, from, to, zone)) {
            const dateYear = Number(date.slice(0, 4));
            if (request.status === 'approved') taken.set(dateYear, (taken.get(dateYear) ?? 0) + 1);
            else if (dateYear === year) pending += 1;
          }
        }
        const firstYear = Math.min(year, ...accrued.keys(), ...taken.keys());
        balances.push({
          requestType: policy.requestType,
          ...rollBalance(year, firstYear, accrued, taken, policy.carryForwardMaxDays),
          pending,
          annualDays: policy.annualDays,
          carryForwardMaxDays: policy.carryForwardMaxDays,
        });
      }
      return { person, year, balances };
    },

    /** The working days of a request as its policy's calendar counts them now. */
    async workingDays(actor: Actor, id: number): Promise<string[]> {
      const row = await visibleRow(db, actor, id);
      const [person, policy] = await Promise.all([
        personOf(row.userId),
        repository.policyByType(db, row.requestType),
      ]);
      return workingDates(
        await calendarOf(policy ?? { calendarId: null, requestType: row.requestType }, person.user.timeZone),
        row.startDate,
        row.endDate,
        person.user.timeZone,
      );
    },

    // Policies (admins)

    listPolicies(): Promise<TimeOffPolicy[]> {
      return repository.listPolicies(db);
    },

    async createPolicy(
      ctx: RequestContext,
      input: PolicyInput & { requestType: string },
    ): Promise<TimeOffPolicy> {
      requireAdmin(ctx.actor);
      await checkCalendar(input.calendarId);
      return db.transaction(async (tx) => {
        if (await repository.policyByType(tx, input.requestType)) throw typeTaken();
        const created = await uniqueType(
          repository.insertPolicy(tx, { ...input, requestType: input.requestType.trim() }),
        );
        await audit.record(tx, ctx, {
          action: 'time_off_policy.created',
          resourceType: 'time_off_policy',
          resourceId: created.id,
          after: created,
        });
        return created;
      });
    },

    /** Changes a policy; renaming its type renames it on every request and ledger row. */
    async updatePolicy(
      ctx: RequestContext,
      id: number,
      input: PolicyInput,
      expectedVersion?: number,
    ): Promise<TimeOffPolicy> {
      requireAdmin(ctx.actor);
      await checkCalendar(input.calendarId);
      return db.transaction(async (tx) => {
        const before = await repository.policyById(tx, id, true);
        if (!before) throw workforceErrors.WORKFORCE_NOT_FOUND();
        const renamed = input.requestType !== undefined && input.requestType.trim() !== before.requestType;
        if (renamed) {
          const clash = await repository.policyByType(tx, input.requestType ?? '');
          if (clash && clash.id !== id) throw typeTaken();
        }
        const after = await uniqueType(
          repository.updatePolicy(
            tx,
            id,
            { ...input, ...(input.requestType !== undefined && { requestType: input.requestType.trim() }) },
            expectedVersion,
          ),
        );
        if (!after) throw commonErrors.VERSION_CONFLICT({ extra: { current: before } });
        if (renamed) await repository.renameType(tx, before.requestType, after.requestType);
        await audit.record(tx, ctx, {
          action: 'time_off_policy.updated',
          resourceType: 'time_off_policy',
          resourceId: id,
          before,
          after,
        });
        return after;
      });
    },

    /** Removes a policy nobody's requests or ledger rows use. */
    async deletePolicy(ctx: RequestContext, id: number, expectedVersion?: number): Promise<void> {
      requireAdmin(ctx.actor);
      await db.transaction(async (tx) => {
        const before = await repository.policyById(tx, id, true);
        if (!before) throw workforceErrors.WORKFORCE_NOT_FOUND();
        if (expectedVersion !== undefined && before.version !== expectedVersion)
          throw commonErrors.VERSION_CONFLICT({ extra: { current: before } });
        if (await repository.typeInUse(tx, before.requestType))
          throw workforceErrors.WORKFORCE_INVALID_STATE({
            message: 'Requests or ledger entries use this kind of time off; it cannot be deleted.',
          });
        await repository.deletePolicy(tx, id);
        await audit.record(tx, ctx, {
          action: 'time_off_policy.deleted',
          resourceType: 'time_off_policy',
          resourceId: id,
          before,
        });
      });
    },

    // Ledger

    async listLedger(actor: Actor, params: ListParams): Promise<Page<TimeOffLedgerEntry>> {
      return ledgerListing.page(params, repository.ledgerOfUsers(await visibleIds(actor)));
    },

    async *allLedger(actor: Actor, params: ListParams): AsyncGenerator<TimeOffLedgerEntry> {
      yield* ledgerListing.all(params, repository.ledgerOfUsers(await visibleIds(actor)));
    },

    /** Grants (or, negative, withdraws) days: admins only. An accrual defaults to the policy's annual days. */
    async addLedgerEntry(ctx: RequestContext, input: LedgerInput): Promise<TimeOffLedgerEntry> {
      requireAdmin(ctx.actor);
      const [people, policy] = await Promise.all([
        identity.peopleByUserIds([input.userId]),
        policyFor(db, input.requestType),
      ]);
      if (people.length === 0)
        throw fieldError('user_id', `Invalid pk "${input.userId}" - object does not exist.`);
      const days = input.days ?? (input.kind === 'accrual' ? policy.annualDays : undefined);
      if (days === undefined) throw fieldError('days', 'This field is required.');
      return db.transaction(async (tx) => {
        const created = await repository.insertLedgerEntry(tx, {
          userId: input.userId,
          requestType: policy.requestType,
          year: input.year,
          kind: input.kind,
          days,
          note: input.note ?? '',
          createdBy: ctx.actor.userId || null,
        });
        await audit.record(tx, ctx, {
          action: 'time_off_ledger.added',
          resourceType: 'time_off_ledger',
          resourceId: created.id,
          after: created,
        });
        return created;
      });
    },
  };
}

export type TimeoffService = ReturnType<typeof createTimeoffService>;
