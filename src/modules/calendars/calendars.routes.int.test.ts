import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, TestApp } from '../../../test/helpers/app.ts';
import { createTestApp } from '../../../test/helpers/app.ts';

interface CalendarV2 {
  id: number;
  name: string;
  time_zone: string;
  weekly: Record<string, { start: string; end: string }[]>;
  version: number;
}
interface ClosureV2 {
  id: number;
  kind: string;
  date: string | null;
  starts_at: string | null;
  starts_at_utc: string | null;
  source: string;
  uid: string | null;
}
interface Problem {
  code: string;
  detail: string;
  errors?: { field: string; message: string }[];
}

/** A problem's field errors as field -> messages. */
const fieldsOf = (problem: Problem): Record<string, string[]> => {
  const fields: Record<string, string[]> = {};
  for (const { field, message } of problem.errors ?? []) (fields[field] ??= []).push(message);
  return fields;
};

const nineToFive = [{ start: '09:00', end: '17:00' }];
const weekdays = { '1': nineToFive, '2': nineToFive, '3': nineToFive, '4': nineToFive, '5': nineToFive };
const q = encodeURIComponent;

const HOLIDAYS_ICS = [
  'BEGIN:VCALENDAR',
  'VERSION:2.0',
  'PRODID:-//Opsdesk//Test//EN',
  'BEGIN:VEVENT',
  'UID:easter-monday-2026@example.test',
  'SUMMARY:Easter Monday',
  'DTSTART;VALUE=DATE:20260406',
  'DTEND;VALUE=DATE:20260407',
  'END:VEVENT',
  'BEGIN:VEVENT',
  'UID:team-meeting-2026-04-07@example.test',
  'SUMMARY:All-hands',
  'DTSTART;TZID=Europe/Berlin:20260407T090000',
  'DTEND;TZID=Europe/Berlin:20260407T100000',
  'END:VEVENT',
  'END:VCALENDAR',
].join('\r\n');

describe('calendars routes (v2)', () => {
  let t: TestApp;
  let admin: Browser;
  let manager: Browser;
  let agent: Browser;
  let viewer: Browser;
  let office: CalendarV2;

  beforeAll(async () => {
    t = await createTestApp();
    admin = await t.login(await t.user({ role: 'admin' }));
    manager = await t.login(await t.user({ role: 'manager' }));
    agent = await t.login(await t.user({ role: 'agent' }));
    viewer = await t.login(await t.user({ role: 'viewer' }));
    const create = await admin.post('/api/v2/calendars', {
      name: 'Office Berlin',
      time_zone: 'Europe/Berlin',
      weekly: weekdays,
    });
    expect(create.statusCode).toBe(201);
    office = create.json<CalendarV2>();
  });
  afterAll(async () => {
    await t.close();
  });

  it('creates, reads, lists, updates (If-Match) and deletes a calendar', async () => {
    const create = await admin.post('/api/v2/calendars', {
      name: 'Support',
      description: 'Support desk',
      time_zone: 'america/new_york',
      weekly: {
        '1': [
          { start: '08:00', end: '12:00' },
          { start: '13:00', end: '17:00' },
        ],
      },
    });
    expect(create.statusCode).toBe(201);
    const calendar = create.json<CalendarV2>();
    expect(create.headers.location).toBe(`/api/v2/calendars/${calendar.id}`);
    expect(create.headers.etag).toBe(`"${calendar.version}"`);
    expect(calendar).toMatchObject({
      time_zone: 'America/New_York',
      weekly: { '1': [{ start: '08:00' }, {}], '7': [] },
    });

    const get = await viewer.get(`/api/v2/calendars/${calendar.id}`);
    expect(get.statusCode).toBe(200);
    expect(get.json()).toEqual(calendar);
    const list = await agent.get('/api/v2/calendars?search=Support');
    expect(list.json<{ data: CalendarV2[] }>().data.map((row) => row.id)).toEqual([calendar.id]);

    const url = `/api/v2/calendars/${calendar.id}`;
    expect((await admin.patch(url, { description: 'x' })).statusCode).toBe(428);
    const updated = await admin.patch(
      url,
      { weekly: { '2': nineToFive } },
      { 'if-match': String(get.headers.etag) },
    );
    expect(updated.statusCode).toBe(200);
    expect(updated.json<CalendarV2>().weekly).toMatchObject({ '1': [], '2': nineToFive });
    expect(updated.headers.etag).toBe(`"${calendar.version + 1}"`);
    const stale = await admin.patch(url, { name: 'Stale' }, { 'if-match': String(get.headers.etag) });
    expect(stale.statusCode).toBe(412);

    expect((await admin.delete(url, { 'if-match': String(get.headers.etag) })).statusCode).toBe(412);
    expect((await admin.delete(url, { 'if-match': String(updated.headers.etag) })).statusCode).toBe(204);
    expect((await admin.get(url)).statusCode).toBe(404);
  });

  it('computes Friday 16:30 + PT4H = Monday 12:30 across the DST switch, in the zone and in UTC', async () => {
    const base = `/api/v2/calendars/${office.id}`;
    const add = await viewer.get(`${base}/add?from=${q('2026-03-27T16:30:00+01:00')}&duration=PT4H`);
    expect(add.statusCode).toBe(200);
    expect(add.json()).toEqual({
      time_zone: 'Europe/Berlin',
      from: '2026-03-27T16:30:00+01:00',
      from_utc: '2026-03-27T15:30:00Z',
      duration: 'PT4H',
      duration_ms: 14_400_000,
      at: '2026-03-30T12:30:00+02:00',
      at_utc: '2026-03-30T10:30:00Z',
    });
    // Without an offset, `from` is a wall-clock time in the calendar's zone.
    const local = await viewer.get(`${base}/add?from=2026-03-27T16:30&duration=PT4H`);
    expect(local.json()).toMatchObject({ at: '2026-03-30T12:30:00+02:00' });

    const between = await agent.get(
      `${base}/between?from=${q('2026-03-27T16:30:00+01:00')}&to=${q('2026-03-30T12:30:00+02:00')}`,
    );
    expect(between.json()).toMatchObject({ duration: 'PT4H', duration_ms: 14_400_000 });
    const open = await agent.get(`${base}/is-open?at=${q('2026-03-28T10:00:00+01:00')}`);
    expect(open.json()).toEqual({
      time_zone: 'Europe/Berlin',
      at: '2026-03-28T10:00:00+01:00',
      at_utc: '2026-03-28T09:00:00Z',
      open: false,
    });
    const next = await agent.get(`${base}/next-opening?at=${q('2026-03-28T10:00:00+01:00')}`);
    expect(next.json()).toMatchObject({ at: '2026-03-30T09:00:00+02:00', at_utc: '2026-03-30T07:00:00Z' });
  });

  it('imports an iCalendar file, computes around it, and does not duplicate on re-import', async () => {
    const calendar = (
      await admin.post('/api/v2/calendars', {
        name: 'Imported',
        time_zone: 'Europe/Berlin',
        weekly: weekdays,
      })
    ).json<CalendarV2>();
    const base = `/api/v2/calendars/${calendar.id}`;
    const headers = { 'content-type': 'text/calendar; charset=utf-8' };
    const first = await admin.post(`${base}/import`, HOLIDAYS_ICS, headers);
    expect(first.statusCode).toBe(200);
    expect(first.json()).toEqual({
      calendar_id: calendar.id,
      calendar_version: calendar.version + 1,
      created: 2,
      updated: 0,
      unchanged: 0,
      holidays: 1,
      closures: 1,
      skipped: [],
    });
    // Friday 16:30: half an hour, Easter Monday closed, Tuesday 09:00-10:00 closed, then 3.5 h.
    const add = await viewer.get(`${base}/add?from=${q('2026-04-03T16:30:00+02:00')}&duration=PT4H`);
    expect(add.json()).toMatchObject({ at: '2026-04-07T13:30:00+02:00', at_utc: '2026-04-07T11:30:00Z' });

    const again = await admin.post(`${base}/import`, HOLIDAYS_ICS, headers);
    expect(again.json()).toMatchObject({
      created: 0,
      unchanged: 2,
      holidays: 0,
      calendar_version: calendar.version + 1,
    });
    const closures = (await viewer.get(`${base}/closures`)).json<{ data: ClosureV2[] }>().data;
    expect(closures).toHaveLength(2);
    expect(closures.find((row) => row.kind === 'holiday')).toMatchObject({
      date: '2026-04-06',
      source: 'ical',
    });
    expect(closures.find((row) => row.kind === 'closure')).toMatchObject({
      starts_at: '2026-04-07T09:00:00+02:00',
      starts_at_utc: '2026-04-07T07:00:00Z',
      uid: 'team-meeting-2026-04-07@example.test',
    });
    expect((await admin.get(base)).headers.etag).toBe(`"${calendar.version + 1}"`);

    const json = await admin.post(`${base}/import`, { ics: HOLIDAYS_ICS });
    expect(json.statusCode).toBe(400);
    expect(json.json<Problem>().detail).toMatch(/Content-Type: text\/calendar/);
    const garbage = await admin.post(`${base}/import`, 'not a calendar', headers);
    expect(garbage.statusCode).toBe(400);
    expect(garbage.json<Problem>().detail).toMatch(/not an iCalendar file/);
    const huge = await admin.post(`${base}/import`, `BEGIN:VCALENDAR\r\n${'X'.repeat(1_100_000)}`, headers);
    expect(huge.statusCode).toBe(413);
  });

  it('adds and removes holidays and closures by hand', async () => {
    const base = `/api/v2/calendars/${office.id}/closures`;
    const holiday = await admin.post(base, { kind: 'holiday', name: 'Labour Day', date: '2026-05-01' });
    expect(holiday.statusCode).toBe(201);
    expect(holiday.json()).toMatchObject({
      kind: 'holiday',
      date: '2026-05-01',
      starts_at: null,
      source: 'manual',
      uid: null,
    });
    const closure = await admin.post(base, {
      kind: 'closure',
      name: 'Move',
      starts_at: '2026-05-04T09:00',
      ends_at: '2026-05-04T12:00:00+02:00',
    });
    expect(closure.statusCode).toBe(201);
    expect(closure.json()).toMatchObject({
      starts_at: '2026-05-04T09:00:00+02:00',
      ends_at_utc: '2026-05-04T10:00:00Z',
    });
    const list = await viewer.get(`${base}?kind=closure`);
    expect(list.json<{ data: ClosureV2[] }>().data.map((row) => row.id)).toEqual([
      closure.json<ClosureV2>().id,
    ]);

    const add = await viewer.get(
      `/api/v2/calendars/${office.id}/add?from=${q('2026-04-30T16:00:00+02:00')}&duration=PT2H`,
    );
    expect(add.json()).toMatchObject({ at: '2026-05-04T13:00:00+02:00' });

    expect((await admin.delete(`${base}/${closure.json<ClosureV2>().id}`)).statusCode).toBe(204);
    expect((await admin.delete(`${base}/${closure.json<ClosureV2>().id}`)).statusCode).toBe(404);
    expect((await viewer.get(`/api/v2/calendars/999999/closures`)).statusCode).toBe(404);
  });

  it('lets only admins change calendars (403), while everyone reads', async () => {
    const base = `/api/v2/calendars/${office.id}`;
    const etag = String((await viewer.get(base)).headers.etag);
    for (const browser of [manager, agent, viewer]) {
      expect((await browser.post('/api/v2/calendars', { name: 'Nope', weekly: {} })).statusCode).toBe(403);
      expect((await browser.patch(base, { name: 'Nope' }, { 'if-match': etag })).statusCode).toBe(403);
      expect((await browser.delete(base, { 'if-match': etag })).statusCode).toBe(403);
      expect(
        (await browser.post(`${base}/closures`, { kind: 'holiday', date: '2026-12-24' })).statusCode,
      ).toBe(403);
      expect(
        (await browser.post(`${base}/import`, HOLIDAYS_ICS, { 'content-type': 'text/calendar' })).statusCode,
      ).toBe(403);
      expect((await browser.get(base)).statusCode).toBe(200);
    }
  });

  it('answers 400 field errors for bad zones, intervals, durations and instants', async () => {
    const bad = await admin.post('/api/v2/calendars', {
      name: 'Bad',
      time_zone: 'Mars/Olympus',
      weekly: {
        '1': [{ start: '25:00', end: '17:00' }],
        '2': [nineToFive[0], { start: '12:00', end: '13:00' }],
      },
    });
    expect(bad.statusCode).toBe(400);
    expect(fieldsOf(bad.json<Problem>())).toEqual({
      time_zone: ['"Mars/Olympus" is not a known IANA time zone (e.g. Europe/Berlin).'],
      'weekly.1.0.start': ['"25:00" is not a time; use HH:MM (00:00 to 23:59).'],
      'weekly.2.1': ['Overlaps 09:00-17:00 on the same day.'],
    });
    const weekday = await admin.post('/api/v2/calendars', { name: 'Bad', weekly: { '8': [] } });
    expect(weekday.statusCode).toBe(400);
    expect(fieldsOf(weekday.json<Problem>())).toHaveProperty(['weekly.8']);

    const base = `/api/v2/calendars/${office.id}`;
    const days = await viewer.get(`${base}/add?from=2026-03-27T16:30&duration=P1D`);
    expect(days.statusCode).toBe(400);
    expect(fieldsOf(days.json<Problem>()).duration?.[0]).toMatch(/hours, minutes and seconds/);
    const instant = await viewer.get(`${base}/is-open?at=yesterday`);
    expect(instant.statusCode).toBe(400);
    expect(fieldsOf(instant.json<Problem>())).toHaveProperty('at');
    const far = await viewer.get(`${base}/between?from=2000-01-01T00:00Z&to=2030-01-01T00:00Z`);
    expect(far.statusCode).toBe(400);
  });

  it('answers 422 instead of searching forever on a calendar that never opens', async () => {
    const never = (await admin.post('/api/v2/calendars', { name: 'Never', weekly: {} })).json<CalendarV2>();
    const add = await viewer.get(`/api/v2/calendars/${never.id}/add?from=2026-01-01T00:00Z&duration=PT1H`);
    expect(add.statusCode).toBe(422);
    expect(add.json<Problem>().code).toBe('CALENDARS_NEVER_OPENS');
    const next = await viewer.get(`/api/v2/calendars/${never.id}/next-opening?at=2026-01-01T00:00Z`);
    expect(next.json()).toMatchObject({ at: null, at_utc: null });
  });
});
