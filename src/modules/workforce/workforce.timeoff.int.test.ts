import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actorOf, ctxOf, failure } from '../../../test/helpers/service-context.ts';
import { createTestApp, type Browser, type TestApp } from '../../../test/helpers/app.ts';
import { systemContext } from '../../platform/auth/actor.ts';
import { AppError } from '../../platform/http/errors.ts';
import { createCalendarsService } from '../calendars/index.ts';
import type { Person } from '../identity/index.ts';
import { createEventsService } from './workforce.events.ts';
import { localDateOf } from './workforce.time.ts';
import {
  createTimeoffService,
  weekdayCalendar,
  type EventOccurrence,
  type TimeoffService,
  type WorkingCalendar,
} from './workforce.timeoff.ts';

const BERLIN = 'Europe/Berlin';

const at = (iso: string) => new Date(iso);
const weekdays = Object.fromEntries(
  ['1', '2', '3', '4', '5'].map((day) => [day, [{ start: '09:00', end: '17:00' }]]),
);

describe('time off', () => {
  let t: TestApp;
  let timeoff: TimeoffService;
  let now = at('2026-03-01T12:00:00Z');
  /**
   * The stub behind the Vacation policy's calendar: weekdays 09-17 in Berlin, minus these
   * holidays (tests add some). The policy names a real calendar (weekdays, no holidays),
   * so the app's own wiring, which the route tests use, can read it too.
   */
  let calendarId = 0;
  const holidays = new Set<string>();
  const calendar: WorkingCalendar = {
    openIntervals: (from, to) =>
      weekdayCalendar(BERLIN)
        .openIntervals(from, to)
        .filter((interval) => !holidays.has(localDateOf(interval.start, BERLIN))),
  };
  /** Scheduled events the stub events service knows, and the windows it was asked about. */
  const events: EventOccurrence[] = [];
  const asked: { userIds: number[]; from: Date; to: Date }[] = [];
  let admin: Person;
  let manager: Person;
  let otherManager: Person;

  /** Someone in Berlin; `granted` days of Vacation in 2026 (requests beyond the balance are refused). */
  async function person(role: 'agent' | 'manager' = 'agent', department = 'Broadcast', granted = 25) {
    const created = await t.user({ role, department });
    const updated = await t.services.identity.updatePerson(
      systemContext('test'),
      { userId: created.user.id },
      { timeZone: BERLIN },
    );
    if (granted > 0) await grant(updated, 'Vacation', granted);
    return updated;
  }

  const grant = (who: Person, requestType: string, days: number) =>
    timeoff.addLedgerEntry(ctxOf(admin), {
      userId: who.user.id,
      requestType,
      year: 2026,
      kind: 'accrual',
      days,
    });

  beforeAll(async () => {
    t = await createTestApp();
    admin = await t.user({ role: 'admin' });
    const office = await createCalendarsService({
      db: t.database.db,
      audit: t.services.audit,
    }).createCalendar(ctxOf(admin), { name: 'Weekdays', timeZone: BERLIN, weekly: weekdays });
    calendarId = office.id;
    timeoff = createTimeoffService({
      db: t.database.db,
      audit: t.services.audit,
      identity: t.services.identity,
      workingCalendar: (id) =>
        id === calendarId
          ? Promise.resolve(calendar)
          : Promise.reject(new AppError('CALENDAR_NOT_FOUND', 'not_found', 'Not found.')),
      eventsFor: (userIds, from, to) => {
        asked.push({ userIds, from, to });
        return Promise.resolve(
          events.filter(
            (event) => userIds.includes(event.userId) && event.startsAt < to && event.endsAt > from,
          ),
        );
      },
      now: () => now,
    });
    await timeoff.createPolicy(ctxOf(admin), {
      requestType: 'Vacation',
      annualDays: 25,
      carryForwardMaxDays: 5,
      calendarId,
    });
    await timeoff.createPolicy(ctxOf(admin), { requestType: 'Sick', allowNegativeBalance: true });
    manager = await person('manager');
    otherManager = await person('manager', 'Facilities');
  });
  afterAll(async () => {
    await t.close();
  });

  it('needs a policy for the type, real dates in order, and working days in them', async () => {
    const agent = await person();
    const ctx = ctxOf(agent);
    const unknown = await failure(
      timeoff.request(ctx, { requestType: 'Sabbatical', startDate: '2026-03-02', endDate: '2026-03-03' }),
    );
    expect(unknown.fields).toEqual({
      request_type: ['"Sabbatical" is not a valid choice; expected one of: Sick, Vacation.'],
    });
    const missing = await failure(timeoff.request(ctx, { requestType: 'Vacation' }));
    expect(missing.fields).toEqual({
      start_date: ['This field is required.'],
      end_date: ['This field is required.'],
    });
    const reversed = await failure(
      timeoff.request(ctx, { requestType: 'Vacation', startDate: '2026-03-05', endDate: '2026-03-04' }),
    );
    expect(reversed.fields).toEqual({ end_date: ['The end date must not be before the start date.'] });
    const weekend = await failure(
      timeoff.request(ctx, { requestType: 'Vacation', startDate: '2026-03-07', endDate: '2026-03-08' }),
    );
    expect(weekend.fields).toEqual({ end_date: ['These dates contain no working days.'] });

    const created = await timeoff.request(ctx, {
      requestType: 'vacation',
      startDate: '2026-03-02',
      endDate: '2026-03-03',
      reason: 'family',
    });
    expect(created).toMatchObject({
      requestType: 'Vacation',
      status: 'pending',
      userId: agent.user.id,
      reason: 'family',
    });
    expect(created.person?.user.id).toBe(agent.user.id);
  });

  it('does not count a holiday inside a request as a working day', async () => {
    const agent = await person();
    holidays.add('2026-04-03'); // Good Friday
    holidays.add('2026-04-06'); // Easter Monday
    const request = await timeoff.request(ctxOf(agent), {
      requestType: 'Vacation',
      startDate: '2026-04-02',
      endDate: '2026-04-08',
    });
    expect(await timeoff.workingDays(actorOf(agent), request.id)).toEqual([
      '2026-04-02',
      '2026-04-07',
      '2026-04-08',
    ]);
    // A type without a calendar counts weekdays (in the person's zone): the holidays are working days there.
    const sick = await timeoff.request(ctxOf(agent), {
      requestType: 'Sick',
      startDate: '2026-04-09',
      endDate: '2026-04-13',
    });
    expect(await timeoff.workingDays(actorOf(agent), sick.id)).toEqual([
      '2026-04-09',
      '2026-04-10',
      '2026-04-13',
    ]);
    // Only holidays: nothing to take.
    const onlyHolidays = await failure(
      timeoff.request(ctxOf(agent), {
        requestType: 'Vacation',
        startDate: '2026-04-03',
        endDate: '2026-04-06',
      }),
    );
    expect(onlyHolidays.fields).toEqual({ end_date: ['These dates contain no working days.'] });
  });

  it('refuses overlapping requests of the same person, also when they race', async () => {
    const agent = await person();
    const colleague = await person();
    const first = await timeoff.request(ctxOf(agent), {
      requestType: 'Vacation',
      startDate: '2026-06-01',
      endDate: '2026-06-05',
    });
    const overlap = await failure(
      timeoff.request(ctxOf(agent), { requestType: 'Sick', startDate: '2026-06-05', endDate: '2026-06-08' }),
    );
    expect(overlap.code).toBe('WORKFORCE_OVERLAPPING_REQUEST');
    // Someone else's days are theirs.
    await timeoff.request(ctxOf(colleague), {
      requestType: 'Vacation',
      startDate: '2026-06-01',
      endDate: '2026-06-05',
    });
    // Moving another request onto these days is refused the same way.
    const later = await timeoff.request(ctxOf(agent), {
      requestType: 'Vacation',
      startDate: '2026-06-15',
      endDate: '2026-06-16',
    });
    const moved = await failure(timeoff.update(ctxOf(agent), later.id, { startDate: '2026-06-04' }));
    expect(moved.code).toBe('WORKFORCE_OVERLAPPING_REQUEST');
    // A cancelled request frees its days.
    await timeoff.cancel(ctxOf(agent), first.id);
    await timeoff.request(ctxOf(agent), {
      requestType: 'Sick',
      startDate: '2026-06-05',
      endDate: '2026-06-08',
    });

    const racer = await person();
    const results = await Promise.allSettled(
      Array.from({ length: 10 }, (_, index) =>
        timeoff.request(ctxOf(racer), {
          requestType: 'Vacation',
          startDate: '2026-07-06',
          endDate: `2026-07-${String(7 + (index % 3)).padStart(2, '0')}`,
        }),
      ),
    );
    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
    const codes = results.flatMap((result) =>
      result.status === 'rejected' ? [(result.reason as AppError).code] : [],
    );
    expect(codes).toEqual(Array(9).fill('WORKFORCE_OVERLAPPING_REQUEST'));
  });

  it("is decided by the person's manager or an admin, never by oneself; approval reports conflicting events", async () => {
    const agent = await person();
    const request = await timeoff.request(ctxOf(agent), {
      requestType: 'Vacation',
      startDate: '2026-08-10',
      endDate: '2026-08-11',
    });
    expect((await failure(timeoff.approve(ctxOf(agent), request.id))).code).toBe('WORKFORCE_SELF_APPROVAL');
    const own = await timeoff.request(ctxOf(manager), {
      requestType: 'Vacation',
      startDate: '2026-08-10',
      endDate: '2026-08-10',
    });
    expect((await failure(timeoff.approve(ctxOf(manager), own.id))).code).toBe('WORKFORCE_SELF_APPROVAL');
    expect((await failure(timeoff.reject(ctxOf(manager), own.id))).code).toBe('WORKFORCE_SELF_APPROVAL');
    expect((await failure(timeoff.approve(ctxOf(otherManager), request.id))).code).toBe(
      'WORKFORCE_NOT_FOUND',
    );

    events.push(
      {
        eventId: 1,
        userId: agent.user.id,
        title: 'Morning show',
        startsAt: at('2026-08-11T04:00:00Z'),
        endsAt: at('2026-08-11T08:00:00Z'),
      },
      {
        eventId: 2,
        userId: agent.user.id,
        title: 'After',
        startsAt: at('2026-08-12T04:00:00Z'),
        endsAt: at('2026-08-12T08:00:00Z'),
      },
    );
    now = at('2026-08-01T09:00:00Z');
    const { request: approved, conflicts } = await timeoff.approve(ctxOf(manager), request.id, {
      note: 'enjoy',
    });
    expect(approved).toMatchObject({
      status: 'approved',
      approvedBy: manager.user.id,
      decisionNote: 'enjoy',
      approvedAt: now,
    });
    expect(conflicts.map((conflict) => conflict.title)).toEqual(['Morning show']);
    // The window is the request's local days: midnight to midnight in Berlin.
    expect(asked.at(-1)).toEqual({
      userIds: [agent.user.id],
      from: at('2026-08-09T22:00:00Z'),
      to: at('2026-08-11T22:00:00Z'),
    });
    expect((await failure(timeoff.approve(ctxOf(admin), request.id))).code).toBe('WORKFORCE_INVALID_STATE');
    expect((await timeoff.reject(ctxOf(admin), own.id, { note: 'busy week' })).status).toBe('rejected');
  });

  it('cancels pending requests and approved ones that have not begun', async () => {
    const agent = await person();
    const colleague = await person();
    now = at('2026-09-01T10:00:00Z');
    const pending = await timeoff.request(ctxOf(agent), {
      requestType: 'Vacation',
      startDate: '2026-09-14',
      endDate: '2026-09-14',
    });
    expect((await failure(timeoff.cancel(ctxOf(colleague), pending.id))).code).toBe('WORKFORCE_NOT_FOUND');
    expect((await timeoff.cancel(ctxOf(agent), pending.id)).status).toBe('cancelled');
    expect((await failure(timeoff.cancel(ctxOf(agent), pending.id))).code).toBe('WORKFORCE_INVALID_STATE');

    const future = await timeoff.request(ctxOf(agent), {
      requestType: 'Vacation',
      startDate: '2026-09-15',
      endDate: '2026-09-16',
    });
    await timeoff.approve(ctxOf(manager), future.id);
    const begun = await timeoff.request(ctxOf(agent), {
      requestType: 'Sick',
      startDate: '2026-08-31',
      endDate: '2026-09-02',
    });
    await timeoff.approve(ctxOf(manager), begun.id);
    expect((await timeoff.cancel(ctxOf(agent), future.id)).status).toBe('cancelled');
    expect((await failure(timeoff.cancel(ctxOf(agent), begun.id))).code).toBe('WORKFORCE_INVALID_STATE');
    expect((await failure(timeoff.update(ctxOf(agent), begun.id, { reason: 'x' }))).code).toBe(
      'WORKFORCE_INVALID_STATE',
    );
  });

  it('derives balances from the ledger, carry-forward and days taken, recomputed when holidays or rules change', async () => {
    const agent = await person('agent', 'Broadcast', 0);
    now = at('2026-03-01T12:00:00Z');
    await timeoff.addLedgerEntry(ctxOf(admin), {
      userId: agent.user.id,
      requestType: 'Vacation',
      year: 2025,
      kind: 'accrual',
      days: 25,
    });
    const accrual = await timeoff.addLedgerEntry(ctxOf(admin), {
      userId: agent.user.id,
      requestType: 'vacation',
      year: 2026,
      kind: 'accrual',
    });
    expect(accrual).toMatchObject({ days: 25, requestType: 'Vacation', createdBy: admin.user.id });
    const lastYear = await timeoff.request(ctxOf(agent), {
      requestType: 'Vacation',
      startDate: '2025-06-02',
      endDate: '2025-06-13',
    });
    await timeoff.approve(ctxOf(manager), lastYear.id);
    const may = await timeoff.request(ctxOf(agent), {
      requestType: 'Vacation',
      startDate: '2026-05-11',
      endDate: '2026-05-15',
    });
    await timeoff.approve(ctxOf(manager), may.id);
    await timeoff.request(ctxOf(agent), {
      requestType: 'Vacation',
      startDate: '2026-06-22',
      endDate: '2026-06-23',
    });

    const vacation = async (who: Person = agent) =>
      (await timeoff.balances(actorOf(who), agent.user.id, 2026)).balances.find(
        (b) => b.requestType === 'Vacation',
      );
    // 2025: 25 - 10 = 15 left, of which 5 carry forward.
    expect(await vacation()).toMatchObject({
      accrued: 25,
      carriedForward: 5,
      taken: 5,
      pending: 2,
      remaining: 25,
    });
    expect(
      (await timeoff.balances(actorOf(agent), agent.user.id, 2025)).balances.find(
        (b) => b.requestType === 'Vacation',
      ),
    ).toMatchObject({
      accrued: 25,
      carriedForward: 0,
      taken: 10,
      remaining: 15,
    });

    holidays.add('2026-05-14');
    expect(await vacation()).toMatchObject({ taken: 4, remaining: 26 });

    holidays.add('2025-06-04');
    const policy = (await timeoff.listPolicies()).find((p) => p.requestType === 'Vacation');
    await timeoff.updatePolicy(ctxOf(admin), policy?.id ?? 0, { carryForwardMaxDays: 20 });
    // 2025 now leaves 25 - 9 = 16, all of it carried forward.
    expect(await vacation(manager)).toMatchObject({ carriedForward: 16, taken: 4, remaining: 37 });
    await timeoff.updatePolicy(ctxOf(admin), policy?.id ?? 0, { carryForwardMaxDays: 5 });

    expect(await vacation(admin)).toMatchObject({ carriedForward: 5 });
    expect((await failure(timeoff.balances(actorOf(otherManager), agent.user.id, 2026))).code).toBe(
      'WORKFORCE_NOT_FOUND',
    );
    const colleague = await person();
    expect((await failure(timeoff.balances(actorOf(colleague), agent.user.id, 2026))).code).toBe(
      'WORKFORCE_NOT_FOUND',
    );
    holidays.delete('2026-05-14');
    holidays.delete('2025-06-04');
  });

  it('answers "not found" for requests of people outside the caller\'s reach (BOLA)', async () => {
    const agent = await person();
    const colleague = await person();
    const request = await timeoff.request(ctxOf(agent), {
      requestType: 'Vacation',
      startDate: '2026-10-05',
      endDate: '2026-10-06',
    });
    for (const outsider of [otherManager, colleague]) {
      const ctx = ctxOf(outsider);
      for (const attempt of [
        () => timeoff.get(ctx.actor, request.id),
        () => timeoff.workingDays(ctx.actor, request.id),
        () => timeoff.update(ctx, request.id, { reason: 'x' }),
        () => timeoff.approve(ctx, request.id),
        () => timeoff.reject(ctx, request.id),
        () => timeoff.cancel(ctx, request.id),
      ])
        expect((await failure(attempt())).code).toBe('WORKFORCE_NOT_FOUND');
    }
    const forOther = await failure(
      timeoff.request(ctxOf(colleague), {
        userId: agent.user.id,
        requestType: 'Sick',
        startDate: '2026-10-07',
        endDate: '2026-10-07',
      }),
    );
    expect(forOther.code).toBe('WORKFORCE_FORBIDDEN');
    const byManager = await timeoff.request(ctxOf(manager), {
      userId: agent.user.id,
      requestType: 'Sick',
      startDate: '2026-10-07',
      endDate: '2026-10-07',
    });
    expect(byManager.userId).toBe(agent.user.id);
  });

  it('lets only admins manage policies and the ledger', async () => {
    const agent = await person();
    expect((await failure(timeoff.createPolicy(ctxOf(manager), { requestType: 'Study' }))).code).toBe(
      'WORKFORCE_FORBIDDEN',
    );
    expect(
      (
        await failure(
          timeoff.addLedgerEntry(ctxOf(manager), {
            userId: agent.user.id,
            requestType: 'Vacation',
            year: 2026,
            kind: 'accrual',
          }),
        )
      ).code,
    ).toBe('WORKFORCE_FORBIDDEN');
    const duplicate = await failure(timeoff.createPolicy(ctxOf(admin), { requestType: 'vacation' }));
    expect(duplicate.fields).toEqual({
      request_type: ['A policy for this kind of time off already exists.'],
    });
    const badCalendar = await failure(
      timeoff.createPolicy(ctxOf(admin), { requestType: 'Study', calendarId: 99 }),
    );
    expect(badCalendar.fields).toEqual({ calendar_id: ['Invalid pk "99" - object does not exist.'] });
    const adjustment = await failure(
      timeoff.addLedgerEntry(ctxOf(admin), {
        userId: agent.user.id,
        requestType: 'Vacation',
        year: 2026,
        kind: 'adjustment',
      }),
    );
    expect(adjustment.fields).toEqual({ days: ['This field is required.'] });

    const study = await timeoff.createPolicy(ctxOf(admin), { requestType: 'Study', annualDays: 3 });
    await grant(agent, 'Study', 3);
    await timeoff.request(ctxOf(agent), {
      requestType: 'Study',
      startDate: '2026-11-02',
      endDate: '2026-11-02',
    });
    const inUse = await failure(timeoff.deletePolicy(ctxOf(admin), study.id));
    expect(inUse.code).toBe('WORKFORCE_INVALID_STATE');
    const renamed = await timeoff.updatePolicy(
      ctxOf(admin),
      study.id,
      { requestType: 'Education' },
      study.version,
    );
    expect(renamed.requestType).toBe('Education');
    const params = { filters: { user: [agent.user.id] }, search: undefined, sort: [], relevance: false };
    const page = await timeoff.list(actorOf(agent), {
      ...params,
      pagination: { kind: 'offset', page: 1, pageSize: 20 },
    });
    expect(page.rows.map((row) => row.requestType)).toEqual(['Education']);
    const stale = await failure(
      timeoff.updatePolicy(ctxOf(admin), study.id, { annualDays: 4 }, study.version),
    );
    expect(stale.code).toBe('VERSION_CONFLICT');

    const unused = await timeoff.createPolicy(ctxOf(admin), { requestType: 'Jury duty' });
    await timeoff.deletePolicy(ctxOf(admin), unused.id);
    expect((await timeoff.listPolicies()).map((p) => p.requestType)).not.toContain('Jury duty');
  });

  it('counts working days in a calendar of the calendars module: its holidays drop out, and adding one recomputes balances', async () => {
    const calendars = createCalendarsService({ db: t.database.db, audit: t.services.audit });
    const office = await calendars.createCalendar(ctxOf(admin), {
      name: 'Berlin office',
      timeZone: BERLIN,
      weekly: weekdays,
    });
    await calendars.addClosure(ctxOf(admin), office.id, {
      kind: 'holiday',
      date: '2026-12-25',
      name: 'Christmas Day',
    });
    const real = createTimeoffService({
      db: t.database.db,
      audit: t.services.audit,
      identity: t.services.identity,
      // The stub calendar stays for the other tests' policies, which this service also sees.
      workingCalendar: (id) => (id === calendarId ? Promise.resolve(calendar) : calendars.engineFor(id)),
      eventsFor: () => Promise.resolve([]),
      now: () => now,
    });
    const missing = await failure(
      real.createPolicy(ctxOf(admin), { requestType: 'Winter leave', calendarId: office.id + 1000 }),
    );
    expect(missing.fields).toEqual({
      calendar_id: [`Invalid pk "${office.id + 1000}" - object does not exist.`],
    });
    await real.createPolicy(ctxOf(admin), {
      requestType: 'Winter leave',
      annualDays: 20,
      calendarId: office.id,
    });

    const agent = await person();
    now = at('2026-12-01T12:00:00Z');
    await real.addLedgerEntry(ctxOf(admin), {
      userId: agent.user.id,
      requestType: 'Winter leave',
      year: 2026,
      kind: 'accrual',
    });
    const request = await real.request(ctxOf(agent), {
      requestType: 'Winter leave',
      startDate: '2026-12-21',
      endDate: '2026-12-27',
    });
    expect(await real.workingDays(actorOf(agent), request.id)).toEqual([
      '2026-12-21',
      '2026-12-22',
      '2026-12-23',
      '2026-12-24',
    ]);
    await real.approve(ctxOf(manager), request.id);
    const winter = async () =>
      (await real.balances(actorOf(agent), agent.user.id, 2026)).balances.find(
        (b) => b.requestType === 'Winter leave',
      );
    expect(await winter()).toMatchObject({ accrued: 20, taken: 4, remaining: 16 });

    await calendars.addClosure(ctxOf(admin), office.id, {
      kind: 'holiday',
      date: '2026-12-24',
      name: 'Christmas Eve',
    });
    expect(await winter()).toMatchObject({ taken: 3, remaining: 17 });
  });

  describe('routes', () => {
    let agentPerson: Person;
    let agent: Browser;
    let managerBrowser: Browser;
    let adminBrowser: Browser;
    let outsiders: Browser[];

    beforeAll(async () => {
      adminBrowser = await t.login(admin);
      const policy = await adminBrowser.post('/api/v2/time-off/policies', {
        request_type: 'Personal',
        annual_days: 3,
        carry_forward_max_days: 0,
      });
      expect(policy.statusCode).toBe(201);
      expect(policy.json()).toMatchObject({ allow_negative_balance: false });
      agentPerson = await person();
      await grant(agentPerson, 'Personal', 3);
      agent = await t.login(agentPerson);
      managerBrowser = await t.login(manager);
      outsiders = [await t.login(otherManager), await t.login(await person())];
    });

    interface RequestV1 {
      id: number;
      user: { user: { id: number } } | null;
      request_type: string;
      start_date: string;
      end_date: string;
      status: string;
      approved_by: { user: { id: number } } | null;
      approved_at: string | null;
      conflicts?: unknown[];
    }

    it('v1: request, list by ?user=, approve by PATCH (reviewer set by the server), refuse overlaps, cancel', async () => {
      const created = await agent.post('/api/time-off-requests/', {
        request_type: 'Personal',
        start_date: '2026-11-16',
        end_date: '2026-11-17',
        reason: 'moving',
        status: 'Approved',
        approved_by: manager.user.id,
      });
      expect(created.statusCode).toBe(201);
      const request = created.json<RequestV1>();
      expect(request).toMatchObject({
        request_type: 'Personal',
        status: 'Pending',
        approved_by: null,
        approved_at: null,
      });
      expect(request.user?.user.id).toBe(agentPerson.user.id);

      const overlap = await agent.post('/api/time-off-requests/', {
        request_type: 'Personal',
        start_date: '2026-11-17',
        end_date: '2026-11-18',
      });
      expect(overlap.statusCode).toBe(409);
      expect(overlap.json()).toMatchObject({ detail: expect.stringContaining('already have') as unknown });
      const badType = await agent.post('/api/time-off-requests/', {
        request_type: 'Nap',
        start_date: '2026-11-20',
        end_date: '2026-11-20',
      });
      expect(badType.statusCode).toBe(400);
      expect(Object.keys(badType.json<object>())).toEqual(['request_type']);

      expect(
        (await agent.patch(`/api/time-off-requests/${request.id}/`, { status: 'Approved' })).statusCode,
      ).toBe(403);
      const list = await managerBrowser.get(`/api/time-off-requests/?user=${agentPerson.user.id}`);
      expect(list.json<{ count: number; results: RequestV1[] }>().results.map((row) => row.id)).toEqual([
        request.id,
      ]);

      const approve = await managerBrowser.patch(`/api/time-off-requests/${request.id}/`, {
        ...request,
        status: 'Approved',
        approved_by: { id: agentPerson.user.id },
      });
      expect(approve.statusCode).toBe(200);
      const approved = approve.json<RequestV1>();
      expect(approved.status).toBe('Approved');
      expect(approved.approved_by?.user.id).toBe(manager.user.id);
      expect(Array.isArray(approved.conflicts)).toBe(true);

      const again = await agent.post('/api/time-off-requests/', {
        request_type: 'Personal',
        start_date: '2026-11-23',
        end_date: '2026-11-23',
      });
      const cancel = await agent.delete(`/api/time-off-requests/${again.json<RequestV1>().id}/`);
      expect(cancel.statusCode).toBe(204);
      expect((await agent.get(`/api/time-off-requests/${again.json<RequestV1>().id}/`)).json()).toMatchObject(
        {
          status: 'Cancelled',
        },
      );
    });

    it('v2: request, approve with conflicts, balances, policies and ledger', async () => {
      const worker = await person('agent', 'Broadcast', 0);
      const browser = await t.login(worker);
      // A shift of theirs on the second day: approving the leave reports it.
      const events = createEventsService({
        db: t.database.db,
        audit: t.services.audit,
        identity: t.services.identity,
        sites: t.services.sites,
      });
      const shift = await events.create(ctxOf(manager), {
        title: 'Evening news',
        startsAt: at('2026-12-08T16:00:00Z'),
        endsAt: at('2026-12-08T20:00:00Z'),
        assigneeIds: [worker.user.id],
      });
      const ledger = await adminBrowser.post('/api/v2/time-off/ledger', {
        user_id: worker.user.id,
        request_type: 'Personal',
        year: 2026,
        kind: 'accrual',
      });
      expect(ledger.statusCode).toBe(201);
      expect(ledger.json()).toMatchObject({ days: 3 });
      const created = await browser.post('/api/v2/time-off-requests', {
        request_type: 'Personal',
        start_date: '2026-12-07',
        end_date: '2026-12-08',
      });
      expect(created.statusCode).toBe(201);
      expect(created.headers.etag).toBe('"1"');
      const id = created.json<{ id: number }>().id;
      const days = await browser.get(`/api/v2/time-off-requests/${id}/working-days`);
      expect(days.json()).toEqual({ count: 2, dates: ['2026-12-07', '2026-12-08'] });
      const patched = await browser.patch(
        `/api/v2/time-off-requests/${id}`,
        { reason: 'x' },
        { 'if-match': '"1"' },
      );
      expect(patched.statusCode).toBe(200);
      const approve = await managerBrowser.post(`/api/v2/time-off-requests/${id}/approve`, { note: 'ok' });
      expect(approve.statusCode).toBe(200);
      expect(approve.json()).toEqual({
        request: expect.objectContaining({ id, status: 'approved', decision_note: 'ok' }) as unknown,
        conflicts: [
          {
            event_id: shift.id,
            user_id: worker.user.id,
            title: 'Evening news',
            starts_at: '2026-12-08T16:00:00.000Z',
            ends_at: '2026-12-08T20:00:00.000Z',
          },
        ],
      });
      const noBody = await browser.post('/api/v2/time-off-requests', {
        request_type: 'Personal',
        start_date: '2026-12-09',
        end_date: '2026-12-09',
      });
      const rejected = await managerBrowser.post(
        `/api/v2/time-off-requests/${noBody.json<{ id: number }>().id}/reject`,
      );
      expect(rejected.statusCode).toBe(200);
      expect(rejected.json()).toMatchObject({ status: 'rejected' });

      expect(
        (
          await managerBrowser.post('/api/v2/time-off/ledger', {
            user_id: worker.user.id,
            request_type: 'Personal',
            year: 2026,
            kind: 'accrual',
          })
        ).statusCode,
      ).toBe(403);
      const balances = await browser.get('/api/v2/time-off/balances?year=2026');
      expect(balances.statusCode).toBe(200);
      const personal = balances
        .json<{ balances: { request_type: string }[] }>()
        .balances.find((balance) => balance.request_type === 'Personal');
      expect(personal).toMatchObject({ accrued: 3, taken: 2, remaining: 1, carried_forward: 0 });
      expect((await browser.get('/api/v2/time-off/ledger')).json<{ data: unknown[] }>().data).toHaveLength(1);

      const policies = await browser.get('/api/v2/time-off/policies');
      const policy = policies
        .json<{ id: number; request_type: string; version: number }[]>()
        .find((p) => p.request_type === 'Personal');
      expect(
        (
          await managerBrowser.patch(
            `/api/v2/time-off/policies/${policy?.id}`,
            { annual_days: 4 },
            { 'if-match': '*' },
          )
        ).statusCode,
      ).toBe(403);
      const updated = await adminBrowser.patch(
        `/api/v2/time-off/policies/${policy?.id}`,
        { annual_days: 4 },
        { 'if-match': `"${policy?.version}"` },
      );
      expect(updated.statusCode).toBe(200);
      expect(updated.json()).toMatchObject({ annual_days: 4 });
    });

    it("answers 404 on every id-based endpoint for requests outside the caller's reach (BOLA)", async () => {
      const owner = await person();
      await grant(owner, 'Personal', 3);
      const browser = await t.login(owner);
      const created = await browser.post('/api/v2/time-off-requests', {
        request_type: 'Personal',
        start_date: '2026-12-14',
        end_date: '2026-12-14',
      });
      const id = created.json<{ id: number }>().id;
      for (const outsider of outsiders) {
        const responses = await Promise.all([
          outsider.get(`/api/time-off-requests/${id}/`),
          outsider.patch(`/api/time-off-requests/${id}/`, { reason: 'x' }),
          outsider.put(`/api/time-off-requests/${id}/`, { status: 'Approved' }),
          outsider.delete(`/api/time-off-requests/${id}/`),
          outsider.get(`/api/v2/time-off-requests/${id}`),
          outsider.get(`/api/v2/time-off-requests/${id}/working-days`),
          outsider.patch(`/api/v2/time-off-requests/${id}`, { reason: 'x' }, { 'if-match': '*' }),
          outsider.post(`/api/v2/time-off-requests/${id}/cancel`),
          outsider.get(`/api/v2/time-off/balances?user=${owner.user.id}`),
        ]);
        for (const response of responses) expect(response.statusCode).toBe(404);
        for (const response of await Promise.all([
          outsider.post(`/api/v2/time-off-requests/${id}/approve`, {}),
          outsider.post(`/api/v2/time-off-requests/${id}/reject`, {}),
        ]))
          expect([403, 404]).toContain(response.statusCode);
      }
      expect((await outsiders[0]!.post(`/api/v2/time-off-requests/${id}/approve`, {})).statusCode).toBe(404);
      expect((await browser.get(`/api/v2/time-off-requests/${id}`)).statusCode).toBe(200);
    });
  });
});
