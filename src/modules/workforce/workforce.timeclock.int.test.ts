import { parse as parseCsv } from 'csv-parse/sync';
import { and, eq, isNull } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actorOf, ctxOf, failure } from '../../../test/helpers/service-context.ts';
import { createTestApp, type Browser, type TestApp } from '../../../test/helpers/app.ts';
import { systemContext } from '../../platform/auth/actor.ts';
import { AppError } from '../../platform/http/errors.ts';
import type { Person } from '../identity/index.ts';
import { timeEntries } from './workforce.tables.ts';
import { createTimeclockService, type TimeclockService } from './workforce.timeclock.ts';

const BERLIN = 'Europe/Berlin';

const at = (iso: string) => new Date(iso);

describe('time clock', () => {
  let t: TestApp;
  let timeclock: TimeclockService;
  /** The service's clock: each test sets it. */
  let now = at('2026-05-04T08:00:00Z');
  let admin: Person;
  let manager: Person;
  let otherManager: Person;

  /** A person of a department (default Broadcast), optionally in a zone. */
  async function person(
    role: 'agent' | 'manager' | 'viewer' = 'agent',
    department = 'Broadcast',
    timeZone?: string,
  ) {
    const created = await t.user({ role, department });
    if (!timeZone) return created;
    return t.services.identity.updatePerson(systemContext('test'), { userId: created.user.id }, { timeZone });
  }

  beforeAll(async () => {
    t = await createTestApp();
    timeclock = createTimeclockService({
      db: t.database.db,
      audit: t.services.audit,
      identity: t.services.identity,
      sites: t.services.sites,
      overtimeThresholdMinutes: 40 * 60,
      now: () => now,
    });
    admin = await t.user({ role: 'admin' });
    manager = await person('manager');
    otherManager = await person('manager', 'Facilities');
  });
  afterAll(async () => {
    await t.close();
  });

  it('clocks in, takes a break and clocks out; worked minutes are computed with the break deducted', async () => {
    const agent = await person();
    const location = await t.services.sites.createLocation(systemContext('test'), { name: 'Studio 7' });
    now = at('2026-05-04T08:00:00Z');
    const opened = await timeclock.clockIn(ctxOf(agent), { locationId: location.id, notes: 'early' });
    expect(opened).toMatchObject({
      date: '2026-05-04',
      clockOut: null,
      workedMinutes: null,
      status: 'pending',
    });
    expect(opened.location?.name).toBe('Studio 7');
    expect((await failure(timeclock.clockIn(ctxOf(agent)))).code).toBe('WORKFORCE_ALREADY_CLOCKED_IN');
    expect((await timeclock.current(actorOf(agent)))?.id).toBe(opened.id);

    now = at('2026-05-04T12:00:00Z');
    await timeclock.startBreak(ctxOf(agent));
    expect((await failure(timeclock.startBreak(ctxOf(agent)))).code).toBe('WORKFORCE_INVALID_STATE');
    now = at('2026-05-04T12:30:00Z');
    await timeclock.endBreak(ctxOf(agent));
    expect((await failure(timeclock.endBreak(ctxOf(agent)))).code).toBe('WORKFORCE_INVALID_STATE');

    now = at('2026-05-04T16:30:00Z');
    const closed = await timeclock.clockOut(ctxOf(agent), { notes: 'done' });
    expect(closed).toMatchObject({ id: opened.id, workedMinutes: 480, notes: 'done' });
    expect(closed.clockOut).toEqual(now);
    expect(closed.breaks).toHaveLength(1);
    expect((await failure(timeclock.clockOut(ctxOf(agent)))).code).toBe('WORKFORCE_NOT_CLOCKED_IN');
    expect((await failure(timeclock.startBreak(ctxOf(agent)))).code).toBe('WORKFORCE_NOT_CLOCKED_IN');
    expect(await timeclock.current(actorOf(agent))).toBeUndefined();

    const history = await t.services.audit.historyOf('time_entry', opened.id);
    expect(history.map((entry) => entry.action)).toEqual([
      'time_entry.clocked_in',
      'time_entry.break_started',
      'time_entry.break_ended',
      'time_entry.clocked_out',
    ]);
  });

  it('clocking out during a break ends the break there', async () => {
    const agent = await person();
    now = at('2026-05-05T08:00:00Z');
    await timeclock.clockIn(ctxOf(agent));
    now = at('2026-05-05T15:00:00Z');
    await timeclock.startBreak(ctxOf(agent));
    now = at('2026-05-05T16:00:00Z');
    const closed = await timeclock.clockOut(ctxOf(agent));
    expect(closed.workedMinutes).toBe(7 * 60);
    expect(closed.breaks[0]?.endsAt).toEqual(now);
  });

  describe('DST (Europe/Berlin)', () => {
    it('a night shift across the spring-forward night has 7 hours, dated the evening it began', async () => {
      const nightWorker = await person('agent', 'Broadcast', BERLIN);
      now = at('2026-03-28T21:00:00Z'); // 22:00 CET
      await timeclock.clockIn(ctxOf(nightWorker));
      now = at('2026-03-29T04:00:00Z'); // 06:00 CEST
      const entry = await timeclock.clockOut(ctxOf(nightWorker));
      expect(entry).toMatchObject({ date: '2026-03-28', timeZone: BERLIN, workedMinutes: 7 * 60 });
    });

    it('a night shift across the fall-back night has 9 hours', async () => {
      const nightWorker = await person('agent', 'Broadcast', BERLIN);
      now = at('2026-10-24T20:00:00Z'); // 22:00 CEST
      await timeclock.clockIn(ctxOf(nightWorker));
      now = at('2026-10-25T05:00:00Z'); // 06:00 CET
      const entry = await timeclock.clockOut(ctxOf(nightWorker));
      expect(entry).toMatchObject({ date: '2026-10-24', workedMinutes: 9 * 60 });
    });

    it('manual entries with wall-clock times 22:00-06:00 are read in the zone, overnight', async () => {
      const nightWorker = await person('agent', 'Broadcast', BERLIN);
      now = at('2026-11-02T12:00:00Z');
      const spring = await timeclock.create(ctxOf(nightWorker), {
        date: '2026-03-28',
        clockIn: '22:00',
        clockOut: '06:00',
        breakStart: '02:30', // 02:30 does not exist that night: read as 03:30 CEST
        breakEnd: '03:45',
      });
      expect(spring.clockIn.toISOString()).toBe('2026-03-28T21:00:00.000Z');
      expect(spring.clockOut?.toISOString()).toBe('2026-03-29T04:00:00.000Z');
      expect(spring.workedMinutes).toBe(7 * 60 - 15);
      const autumn = await timeclock.create(ctxOf(nightWorker), {
        clockIn: '2026-10-24T22:00',
        clockOut: '2026-10-25T06:00',
      });
      expect(autumn).toMatchObject({ date: '2026-10-24', workedMinutes: 9 * 60 });
    });
  });

  it('of 20 concurrent clock-ins of one person exactly one wins; the database holds one open entry', async () => {
    const agent = await person();
    now = at('2026-05-06T08:00:00Z');
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, () => timeclock.clockIn(ctxOf(agent))),
    );
    const won = results.filter((result) => result.status === 'fulfilled');
    const lost = results.flatMap((result) =>
      result.status === 'rejected' ? [result.reason as AppError] : [],
    );
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(19);
    expect(new Set(lost.map((error) => error.code))).toEqual(new Set(['WORKFORCE_ALREADY_CLOCKED_IN']));
    const open = await t.database.db
      .select()
      .from(timeEntries)
      .where(and(eq(timeEntries.userId, agent.user.id), isNull(timeEntries.clockOut)));
    expect(open).toHaveLength(1);
  });

  it('only managers record times in the past; nobody records times in the future', async () => {
    const agent = await person();
    now = at('2026-05-07T10:00:00Z');
    const past = await failure(timeclock.clockIn(ctxOf(agent), { at: '2026-05-07T08:00:00Z' }));
    expect(past.code).toBe('WORKFORCE_FORBIDDEN');
    const future = await failure(timeclock.clockIn(ctxOf(agent), { at: '2026-05-07T12:00:00Z' }));
    expect(future.fields).toEqual({ at: ['This time is in the future.'] });
    // A small clock difference is fine.
    expect((await timeclock.clockIn(ctxOf(agent), { at: '2026-05-07T09:58:00Z' })).clockIn).toEqual(
      at('2026-05-07T09:58:00Z'),
    );
    // An open manual entry is a clock-in: the same rule.
    const other = await person();
    expect((await failure(timeclock.create(ctxOf(other), { clockIn: '2026-05-07T06:00:00Z' }))).code).toBe(
      'WORKFORCE_FORBIDDEN',
    );

    const managed = await person();
    const backdated = await timeclock.clockIn(ctxOf(manager), {
      userId: managed.user.id,
      at: '2026-05-07T07:00:00Z',
    });
    expect(backdated).toMatchObject({ userId: managed.user.id, date: '2026-05-07' });
    const outsider = await failure(timeclock.clockIn(ctxOf(otherManager), { userId: managed.user.id }));
    expect(outsider.code).toBe('WORKFORCE_FORBIDDEN');
    const colleague = await failure(timeclock.clockIn(ctxOf(agent), { userId: managed.user.id }));
    expect(colleague.code).toBe('WORKFORCE_FORBIDDEN');
  });

  it('checks manual times: order, length, overlap with other entries, breaks inside the entry', async () => {
    const agent = await person();
    now = at('2026-05-20T12:00:00Z');
    const reversed = await failure(
      timeclock.create(ctxOf(agent), { clockIn: '2026-05-11T10:00:00Z', clockOut: '2026-05-11T09:00:00Z' }),
    );
    expect(reversed.fields).toEqual({ clock_out: ['Clock-out must be after clock-in.'] });
    const long = await failure(
      timeclock.create(ctxOf(agent), { clockIn: '2026-05-11T10:00:00Z', clockOut: '2026-05-12T11:00:00Z' }),
    );
    expect(long.fields).toEqual({ clock_out: ['An entry cannot be longer than 24 hours.'] });
    const badBreak = await failure(
      timeclock.create(ctxOf(agent), {
        clockIn: '2026-05-11T08:00:00Z',
        clockOut: '2026-05-11T12:00:00Z',
        breaks: [{ start: '2026-05-11T11:30:00Z', end: '2026-05-11T12:30:00Z' }],
      }),
    );
    expect(badBreak.fields).toEqual({ breaks: ['Breaks must fall within the entry and not overlap.'] });
    const garbage = await failure(timeclock.create(ctxOf(agent), { clockIn: 'soon' }));
    expect(Object.keys(garbage.fields ?? {})).toEqual(['clock_in']);

    const first = await timeclock.create(ctxOf(agent), {
      clockIn: '2026-05-11T08:00:00Z',
      clockOut: '2026-05-11T12:00:00Z',
    });
    expect(first.workedMinutes).toBe(240);
    const overlap = await failure(
      timeclock.create(ctxOf(agent), { clockIn: '2026-05-11T11:00:00Z', clockOut: '2026-05-11T13:00:00Z' }),
    );
    expect(overlap.fields).toEqual({
      clock_in: [`This overlaps time entry #${first.id} of the same person.`],
    });
    // Back to back is fine.
    await timeclock.create(ctxOf(agent), {
      clockIn: '2026-05-11T12:00:00Z',
      clockOut: '2026-05-11T13:00:00Z',
    });
  });

  describe('review', () => {
    it('refuses self-approval, for managers and admins alike', async () => {
      now = at('2026-05-20T12:00:00Z');
      for (const reviewer of [manager, admin]) {
        const own = await timeclock.create(ctxOf(reviewer), {
          clockIn: '2026-05-12T08:00:00Z',
          clockOut: '2026-05-12T09:00:00Z',
        });
        expect((await failure(timeclock.approve(ctxOf(reviewer), own.id))).code).toBe(
          'WORKFORCE_SELF_APPROVAL',
        );
        expect((await failure(timeclock.reject(ctxOf(reviewer), own.id))).code).toBe(
          'WORKFORCE_SELF_APPROVAL',
        );
        const week = await failure(timeclock.approveWeek(ctxOf(reviewer), reviewer.user.id, '2026-05-11'));
        expect(week.code).toBe('WORKFORCE_SELF_APPROVAL');
      }
    });

    it("a manager approves and corrects their department's entries; the owner cannot change reviewed ones", async () => {
      const agent = await person();
      now = at('2026-05-04T08:00:00Z');
      const open = await timeclock.clockIn(ctxOf(agent));
      const stillOpen = await failure(timeclock.approve(ctxOf(manager), open.id));
      expect(stillOpen.code).toBe('WORKFORCE_INVALID_STATE');
      now = at('2026-05-04T17:00:00Z');
      await timeclock.clockOut(ctxOf(agent));

      // The owner fixes their own pending entry; minutes are recomputed.
      const fixed = await timeclock.update(ctxOf(agent), open.id, { clockIn: '2026-05-04T09:00:00Z' });
      expect(fixed.workedMinutes).toBe(480);

      now = at('2026-05-05T08:00:00Z');
      const approved = await timeclock.approve(ctxOf(manager), open.id);
      expect(approved).toMatchObject({ status: 'approved', approvedBy: manager.user.id, approvedAt: now });
      expect(approved.approver?.user.id).toBe(manager.user.id);
      expect((await failure(timeclock.approve(ctxOf(manager), open.id))).code).toBe(
        'WORKFORCE_INVALID_STATE',
      );

      const ownerEdit = await failure(timeclock.update(ctxOf(agent), open.id, { notes: 'sneaky' }));
      expect(ownerEdit.code).toBe('WORKFORCE_FORBIDDEN');
      expect((await failure(timeclock.remove(ctxOf(agent), open.id))).code).toBe('WORKFORCE_FORBIDDEN');

      const corrected = await timeclock.update(ctxOf(manager), open.id, {
        breaks: [{ start: '2026-05-04T12:00:00Z', end: '2026-05-04T13:00:00Z' }],
      });
      expect(corrected).toMatchObject({ workedMinutes: 420, status: 'approved' });
      const rejected = await timeclock.reject(ctxOf(admin), open.id);
      expect(rejected).toMatchObject({ status: 'rejected', approvedBy: admin.user.id });
    });

    it('refuses a stale version', async () => {
      const agent = await person();
      now = at('2026-05-20T12:00:00Z');
      const entry = await timeclock.create(ctxOf(agent), {
        clockIn: '2026-05-13T08:00:00Z',
        clockOut: '2026-05-13T12:00:00Z',
      });
      await timeclock.update(ctxOf(agent), entry.id, { notes: 'first' }, entry.version);
      const stale = await failure(
        timeclock.update(ctxOf(agent), entry.id, { notes: 'second' }, entry.version),
      );
      expect(stale.code).toBe('VERSION_CONFLICT');
      expect((await failure(timeclock.approve(ctxOf(manager), entry.id, entry.version))).code).toBe(
        'VERSION_CONFLICT',
      );
    });
  });

  it('answers "not found" for entries and timesheets of people outside the caller\'s reach (BOLA)', async () => {
    const agent = await person();
    const colleague = await person();
    now = at('2026-05-20T12:00:00Z');
    const entry = await timeclock.create(ctxOf(agent), {
      clockIn: '2026-05-14T08:00:00Z',
      clockOut: '2026-05-14T12:00:00Z',
    });
    for (const outsider of [otherManager, colleague]) {
      const ctx = ctxOf(outsider);
      const attempts = [
        () => timeclock.get(ctx.actor, entry.id),
        () => timeclock.update(ctx, entry.id, { notes: 'x' }),
        () => timeclock.remove(ctx, entry.id),
        () => timeclock.approve(ctx, entry.id),
        () => timeclock.reject(ctx, entry.id),
        () => timeclock.timesheet(ctx.actor, agent.user.id, '2026-05-11'),
        () => timeclock.approveWeek(ctx, agent.user.id, '2026-05-11'),
      ];
      for (const attempt of attempts) expect((await failure(attempt())).code).toBe('WORKFORCE_NOT_FOUND');
    }
    const params = { filters: { user: [agent.user.id] }, search: undefined, sort: [], relevance: false };
    const seen = async (who: Person) =>
      (
        await timeclock.list(actorOf(who), {
          ...params,
          pagination: { kind: 'offset', page: 1, pageSize: 20 },
        })
      ).rows;
    expect(await seen(otherManager)).toEqual([]);
    expect(await seen(colleague)).toEqual([]);
    expect((await seen(manager)).map((row) => row.id)).toEqual([entry.id]);
    expect((await seen(admin)).map((row) => row.id)).toEqual([entry.id]);
    expect((await timeclock.get(actorOf(manager), entry.id)).id).toBe(entry.id);
  });

  describe('timesheets', () => {
    it('sums the week, counts overtime above the threshold, and locks the week once approved', async () => {
      const agent = await person();
      now = at('2026-04-20T12:00:00Z');
      const week = '2026-04-06';
      const ids: number[] = [];
      for (const day of ['06', '07', '08', '09', '10']) {
        const entry = await timeclock.create(ctxOf(agent), {
          clockIn: `2026-04-${day}T08:00:00Z`,
          clockOut: `2026-04-${day}T17:30:00Z`,
          breaks: [{ start: `2026-04-${day}T12:00:00Z`, end: `2026-04-${day}T12:30:00Z` }],
        });
        ids.push(entry.id);
      }
      const rejected = await timeclock.create(ctxOf(agent), {
        clockIn: '2026-04-11T08:00:00Z',
        clockOut: '2026-04-11T10:00:00Z',
      });
      await timeclock.reject(ctxOf(manager), rejected.id);

      const sheet = await timeclock.timesheet(actorOf(agent), agent.user.id, week);
      expect(sheet.days.map((day) => day.minutes)).toEqual([540, 540, 540, 540, 540, 0, 0]);
      expect(sheet).toMatchObject({ totalMinutes: 2700, thresholdMinutes: 2400, overtimeMinutes: 300 });
      expect(sheet.approvedAt).toBeNull();
      expect(sheet.entries).toHaveLength(6);
      expect(
        (await failure(timeclock.timesheet(actorOf(agent), agent.user.id, '2026-04-07'))).fields,
      ).toEqual({
        week_start: ['Give the Monday of the week, as YYYY-MM-DD.'],
      });

      now = at('2026-04-20T13:00:00Z');
      const approved = await timeclock.approveWeek(ctxOf(manager), agent.user.id, week);
      expect(approved.approvedBy?.user.id).toBe(manager.user.id);
      expect(
        approved.entries.filter((entry) => entry.id !== rejected.id).map((entry) => entry.status),
      ).toEqual(Array(5).fill('approved'));
      expect(approved.entries.find((entry) => entry.id === rejected.id)?.status).toBe('rejected');
      expect(approved.entries.every((entry) => entry.locked)).toBe(true);

      const [first = 0] = ids;
      const locked = [
        () => timeclock.update(ctxOf(manager), first, { notes: 'late fix' }),
        () => timeclock.update(ctxOf(admin), rejected.id, { clockOut: '2026-04-11T11:00:00Z' }),
        () => timeclock.remove(ctxOf(manager), first),
        () => timeclock.approve(ctxOf(manager), rejected.id),
        () =>
          timeclock.create(ctxOf(agent), {
            clockIn: '2026-04-12T08:00:00Z',
            clockOut: '2026-04-12T09:00:00Z',
          }),
        () =>
          timeclock.create(ctxOf(manager), {
            userId: agent.user.id,
            clockIn: '2026-04-12T08:00:00Z',
            clockOut: '2026-04-12T09:00:00Z',
          }),
      ];
      for (const attempt of locked) expect((await failure(attempt())).code).toBe('WORKFORCE_WEEK_LOCKED');
      // Moving an entry of another week into the approved one is refused too.
      const later = await timeclock.create(ctxOf(agent), {
        clockIn: '2026-04-13T08:00:00Z',
        clockOut: '2026-04-13T09:00:00Z',
      });
      const moved = await failure(
        timeclock.update(ctxOf(agent), later.id, {
          clockIn: '2026-04-12T08:00:00Z',
          clockOut: '2026-04-12T09:00:00Z',
        }),
      );
      expect(moved.code).toBe('WORKFORCE_WEEK_LOCKED');
      const again = await failure(timeclock.approveWeek(ctxOf(admin), agent.user.id, week));
      expect(again.code).toBe('WORKFORCE_INVALID_STATE');
    });

    it('will not approve a week with an entry still open', async () => {
      const agent = await person();
      now = at('2026-05-18T08:00:00Z');
      await timeclock.clockIn(ctxOf(agent));
      const open = await failure(timeclock.approveWeek(ctxOf(manager), agent.user.id, '2026-05-18'));
      expect(open.code).toBe('WORKFORCE_INVALID_STATE');
    });
  });

  describe('routes', () => {
    let agentPerson: Person;
    let agent: Browser;
    let managerBrowser: Browser;
    let outsiders: Browser[];

    beforeAll(async () => {
      agentPerson = await person();
      agent = await t.login(agentPerson);
      managerBrowser = await t.login(manager);
      outsiders = [await t.login(otherManager), await t.login(await person())];
    });

    interface EntryV1 {
      id: number;
      user: { id: number; user: { id: number } } | null;
      date: string;
      clock_in: string | null;
      clock_out: string | null;
      break_start: string | null;
      break_end: string | null;
      total_hours: number | null;
      status: string;
      approved_by: { user: { id: number } } | null;
      approved_at: string | null;
    }

    it('v1: clock in with an empty POST, manual entries with server-side hours, approval by PATCH', async () => {
      const clockIn = await agent.post('/api/time-entries/', {});
      expect(clockIn.statusCode).toBe(201);
      const open = clockIn.json<EntryV1>();
      expect(open).toMatchObject({
        clock_out: null,
        total_hours: null,
        status: 'Pending',
        approved_by: null,
      });
      expect(open.user?.user.id).toBe(agentPerson.user.id);
      for (const key of [
        'id',
        'user',
        'date',
        'clock_in',
        'clock_out',
        'break_start',
        'break_end',
        'total_hours',
      ])
        expect(open).toHaveProperty(key);
      const twice = await agent.post('/api/time-entries/', {});
      expect(twice.statusCode).toBe(409);
      expect(twice.json()).toMatchObject({ detail: 'You are already clocked in; clock out first.' });

      const manual = await agent.post('/api/time-entries/', {
        date: '2026-01-05',
        clock_in: '08:00',
        clock_out: '16:30',
        break_start: '12:00',
        break_end: '12:30',
        total_hours: 99,
        status: 'Approved',
        approved_by: manager.user.id,
      });
      expect(manual.statusCode).toBe(201);
      const entry = manual.json<EntryV1>();
      expect(entry).toMatchObject({
        date: '2026-01-05',
        clock_in: '2026-01-05T08:00:00.000Z',
        clock_out: '2026-01-05T16:30:00.000Z',
        break_start: '2026-01-05T12:00:00.000Z',
        break_end: '2026-01-05T12:30:00.000Z',
        total_hours: 8,
        status: 'Pending',
        approved_by: null,
      });

      const self = await agent.patch(`/api/time-entries/${entry.id}/`, { status: 'Approved' });
      expect(self.statusCode).toBe(403);
      const approve = await managerBrowser.patch(`/api/time-entries/${entry.id}/`, {
        status: 'Approved',
        approved_by: { id: agentPerson.user.id },
        approved_at: '2020-01-01T00:00:00Z',
      });
      expect(approve.statusCode).toBe(200);
      const approved = approve.json<EntryV1>();
      expect(approved.status).toBe('Approved');
      expect(approved.approved_by?.user.id).toBe(manager.user.id);
      expect(approved.approved_at).not.toBe('2020-01-01T00:00:00Z');

      const list = await managerBrowser.get(`/api/time-entries/?user=${agentPerson.user.id}`);
      expect(list.statusCode).toBe(200);
      const page = list.json<{ count: number; results: EntryV1[] }>();
      expect(page.count).toBe(2);
      expect(page.results.every((row) => row.user?.user.id === agentPerson.user.id)).toBe(true);
      const approvedOnly = await managerBrowser.get(
        `/api/time-entries/?user=${agentPerson.user.id}&status=Approved`,
      );
      expect(approvedOnly.json<{ count: number }>().count).toBe(1);
    });

    it('v2: clock in, break, clock out with ETags; entries export as CSV', async () => {
      const worker = await person();
      const browser = await t.login(worker);
      const clockIn = await browser.post('/api/v2/time-entries/clock-in', { notes: 'v2' });
      expect(clockIn.statusCode).toBe(201);
      expect(clockIn.headers.etag).toBe('"1"');
      const id = clockIn.json<{ id: number }>().id;
      expect((await browser.get('/api/v2/time-entries/current')).json<{ id: number }>().id).toBe(id);
      expect((await browser.post('/api/v2/time-entries/breaks/start')).statusCode).toBe(200);
      expect((await browser.post('/api/v2/time-entries/breaks/end', {})).statusCode).toBe(200);
      const out = await browser.post('/api/v2/time-entries/clock-out');
      expect(out.statusCode).toBe(200);
      expect(out.json()).toMatchObject({ id, status: 'pending', locked: false });
      expect((await browser.get('/api/v2/time-entries/current')).statusCode).toBe(404);
      const unknown = await browser.post('/api/v2/time-entries/clock-out', { total_hours: 8 });
      expect(unknown.statusCode).toBe(400);

      const manual = await browser.post('/api/v2/time-entries', {
        clock_in: '2026-02-02T08:00:00Z',
        clock_out: '2026-02-02T17:00:00Z',
        breaks: [{ start: '2026-02-02T12:00:00Z', end: '2026-02-02T13:00:00Z' }],
      });
      expect(manual.statusCode).toBe(201);
      const manualId = manual.json<{ id: number }>().id;
      const noMatch = await browser.patch(`/api/v2/time-entries/${manualId}`, { notes: 'x' });
      expect(noMatch.statusCode).toBe(428);
      const patched = await browser.patch(
        `/api/v2/time-entries/${manualId}`,
        { notes: 'x' },
        { 'if-match': '"1"' },
      );
      expect(patched.statusCode).toBe(200);
      expect(patched.headers.etag).toBe('"2"');
      const stale = await browser.patch(
        `/api/v2/time-entries/${manualId}`,
        { notes: 'y' },
        { 'if-match': '"1"' },
      );
      expect(stale.statusCode).toBe(412);

      const csv = await managerBrowser.get(
        `/api/v2/time-entries?format=csv&user=${worker.user.id}&sort=clock_in`,
      );
      expect(csv.statusCode).toBe(200);
      expect(csv.headers['content-type']).toMatch(/^text\/csv/);
      const rows = parseCsv(csv.body, { columns: true }) as Record<string, string>[];
      expect(rows.map((row) => Number(row.id))).toEqual([manualId, id]);
      expect(rows[0]).toMatchObject({
        'user.username': worker.user.username,
        worked_minutes: '480',
        total_hours: '8',
        status: 'pending',
        notes: 'x',
      });
    });

    it('v2: of 20 concurrent clock-ins over HTTP one is 201, the others 409', async () => {
      const worker = await t.login(await person());
      const responses = await Promise.all(
        Array.from({ length: 20 }, () => worker.post('/api/v2/time-entries/clock-in', {})),
      );
      const codes = responses.map((response) => response.statusCode).sort();
      expect(codes).toEqual([201, ...Array<number>(19).fill(409)]);
    });

    it('v2: timesheets with overtime, CSV, approval and locking', async () => {
      const worker = await person();
      const browser = await t.login(worker);
      for (const day of ['09', '10', '11', '12', '13']) {
        const response = await browser.post('/api/v2/time-entries', {
          clock_in: `2026-02-${day}T07:00:00Z`,
          clock_out: `2026-02-${day}T16:00:00Z`,
        });
        expect(response.statusCode).toBe(201);
      }
      const url = `/api/v2/timesheets/${worker.user.id}/2026-02-09`;
      const sheet = await browser.get(url);
      expect(sheet.statusCode).toBe(200);
      expect(sheet.json()).toMatchObject({
        total_minutes: 2700,
        overtime_minutes: 300,
        overtime_hours: 5,
        approved: false,
      });
      const csv = await browser.get(`${url}?format=csv`);
      expect(csv.headers['content-type']).toMatch(/^text\/csv/);
      const rows = parseCsv(csv.body, { columns: true }) as Record<string, string>[];
      expect(rows).toHaveLength(7);
      expect(rows.at(-2)).toMatchObject({ date: 'total', worked_minutes: '2700', hours: '45' });
      expect(rows.at(-1)).toMatchObject({ date: 'overtime', worked_minutes: '300', hours: '5' });

      expect((await browser.post(`${url}/approve`)).statusCode).toBe(403);
      const approve = await managerBrowser.post(`${url}/approve`);
      expect(approve.statusCode).toBe(200);
      expect(approve.json()).toMatchObject({ approved: true, approved_by: { id: manager.user.id } });
      const entryId = approve.json<{ entries: { id: number }[] }>().entries[0]?.id;
      // Saving the whole v1 object back unchanged is a no-op, not a locked-week error.
      const asShown = (await managerBrowser.get(`/api/time-entries/${entryId}/`)).json<
        Record<string, unknown>
      >();
      const saved = await managerBrowser.put(`/api/time-entries/${entryId}/`, asShown);
      expect(saved.statusCode).toBe(200);
      expect(saved.json()).toEqual(asShown);
      const locked = await managerBrowser.patch(
        `/api/v2/time-entries/${entryId}`,
        { notes: 'x' },
        { 'if-match': '*' },
      );
      expect(locked.statusCode).toBe(409);
      expect(locked.json()).toMatchObject({ code: 'WORKFORCE_WEEK_LOCKED' });
    });

    it("answers 404 on every id-based endpoint for entries outside the caller's reach (BOLA)", async () => {
      const owner = await person();
      const browser = await t.login(owner);
      const created = await browser.post('/api/v2/time-entries', {
        clock_in: '2026-02-23T08:00:00Z',
        clock_out: '2026-02-23T12:00:00Z',
      });
      const id = created.json<{ id: number }>().id;
      const sheet = `/api/v2/timesheets/${owner.user.id}/2026-02-23`;
      for (const outsider of outsiders) {
        const attempts = [
          outsider.get(`/api/time-entries/${id}/`),
          outsider.patch(`/api/time-entries/${id}/`, { notes: 'x' }),
          outsider.put(`/api/time-entries/${id}/`, { status: 'Approved' }),
          outsider.delete(`/api/time-entries/${id}/`),
          outsider.get(`/api/v2/time-entries/${id}`),
          outsider.patch(`/api/v2/time-entries/${id}`, { notes: 'x' }, { 'if-match': '*' }),
          outsider.delete(`/api/v2/time-entries/${id}`, { 'if-match': '*' }),
          outsider.get(sheet),
        ];
        for (const response of await Promise.all(attempts)) expect(response.statusCode).toBe(404);
        // Review endpoints need the approve permission first: agents get 403, other managers 404.
        for (const response of await Promise.all([
          outsider.post(`/api/v2/time-entries/${id}/approve`),
          outsider.post(`/api/v2/time-entries/${id}/reject`),
          outsider.post(`${sheet}/approve`),
        ]))
          expect([403, 404]).toContain(response.statusCode);
      }
      const otherManagerReview = await outsiders[0]!.post(`/api/v2/time-entries/${id}/approve`);
      expect(otherManagerReview.statusCode).toBe(404);
      expect((await outsiders[0]!.post(`${sheet}/approve`)).statusCode).toBe(404);
      expect((await browser.get(`/api/time-entries/${id}/`)).statusCode).toBe(200);
    });
  });
});
