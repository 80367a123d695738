import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/helpers/app.ts';
import { systemContext } from '../../platform/auth/actor.ts';
import { AppError } from '../../platform/http/errors.ts';
import type { CalendarChangedEvent } from './calendars.events.ts';
import { createCalendarsService, type CalendarsService } from './calendars.service.ts';

const nineToFive = [{ start: '09:00', end: '17:00' }];
const weekdays = { 1: nineToFive, 2: nineToFive, 3: nineToFive, 4: nineToFive, 5: nineToFive };
const ctx = systemContext('calendars-test');
const friday = new Date('2026-03-27T16:30:00+01:00');
const HOUR = 3_600_000;

const ics = (...events: string[]) =>
  ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//Opsdesk//Test//EN', ...events, 'END:VCALENDAR'].join('\r\n');

/** The field errors of a rejected call. */
async function fieldsOf(call: Promise<unknown>): Promise<Record<string, string[]>> {
  const error = await call.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  if (!(error instanceof AppError)) throw new Error(`expected an AppError, got ${String(error)}`);
  return error.fields ?? {};
}

describe('calendars service', () => {
  let t: TestApp;
  let calendars: CalendarsService;
  const events: CalendarChangedEvent[] = [];
  let failHook = false;

  beforeAll(async () => {
    t = await createTestApp();
    calendars = createCalendarsService({
      db: t.database.db,
      audit: t.services.audit,
      now: () => new Date('2026-06-01T00:00:00Z'),
      onChanged: (_tx, event) => {
        if (failHook) throw new Error('hook failed');
        events.push(event);
        return Promise.resolve();
      },
    });
  });
  afterAll(async () => {
    await t.close();
  });

  it('builds the engine from what is stored: Friday 16:30 + 4 h is Monday 12:30, or Tuesday after a holiday', async () => {
    const calendar = await calendars.createCalendar(ctx, {
      name: 'Office',
      timeZone: 'europe/berlin',
      weekly: weekdays,
    });
    expect(calendar.timeZone).toBe('Europe/Berlin');
    expect(calendar.weekly['6']).toEqual([]);
    const engine = await calendars.engineFor(calendar.id);
    expect(engine.addBusinessTime(friday, 4 * HOUR).toISOString()).toBe('2026-03-30T10:30:00.000Z');

    await calendars.addClosure(ctx, calendar.id, {
      kind: 'holiday',
      name: 'Easter Monday',
      date: '2026-03-30',
    });
    const after = await calendars.engineFor(calendar.id);
    expect(after.addBusinessTime(friday, 4 * HOUR).toISOString()).toBe('2026-03-31T10:30:00.000Z');
    expect((await calendars.getCalendar(calendar.id)).version).toBe(calendar.version + 1);
  });

  it('announces calendar.changed for changes that move times, in the same transaction', async () => {
    events.length = 0;
    const calendar = await calendars.createCalendar(ctx, {
      name: 'Hooked',
      timeZone: 'Europe/Berlin',
      weekly: weekdays,
    });
    const renamed = await calendars.updateCalendar(ctx, calendar.id, { name: 'Hooked 2' }, calendar.version);
    expect(events).toEqual([]);
    const rehoured = await calendars.updateCalendar(ctx, calendar.id, { weekly: { 1: nineToFive } });
    const closure = await calendars.addClosure(ctx, calendar.id, {
      kind: 'closure',
      startsAt: '2026-04-01T10:00',
      endsAt: '2026-04-01T12:00:00+02:00',
    });
    expect(closure.startsAt?.toISOString()).toBe('2026-04-01T08:00:00.000Z');
    await calendars.removeClosure(ctx, calendar.id, closure.id);
    expect(events).toEqual([
      { calendarId: calendar.id, version: rehoured.version, reason: 'updated' },
      { calendarId: calendar.id, version: rehoured.version + 1, reason: 'closures' },
      { calendarId: calendar.id, version: rehoured.version + 2, reason: 'closures' },
    ]);
    expect(renamed.version).toBe(calendar.version + 1);

    // A failing handler rolls the change back with it.
    failHook = true;
    await expect(
      calendars.addClosure(ctx, calendar.id, { kind: 'holiday', date: '2026-05-01' }),
    ).rejects.toThrow('hook failed');
    failHook = false;
    const page = await calendars.listClosures(calendar.id, {
      filters: {},
      search: undefined,
      sort: [{ name: 'id', descending: false }],
      relevance: false,
      pagination: { kind: 'cursor', limit: 10, after: undefined },
    });
    expect(page.rows).toEqual([]);

    await calendars.deleteCalendar(ctx, calendar.id);
    expect(events.at(-1)).toEqual({ calendarId: calendar.id, version: null, reason: 'deleted' });
  });

  it('imports an iCalendar file idempotently and replaces an event whose dates changed', async () => {
    const calendar = await calendars.createCalendar(ctx, {
      name: 'Imported',
      timeZone: 'Europe/Berlin',
      weekly: weekdays,
    });
    const file = (christmasEnd: string) =>
      ics(
        [
          'BEGIN:VEVENT',
          'UID:xmas',
          'SUMMARY:Christmas',
          'DTSTART;VALUE=DATE:20261225',
          `DTEND;VALUE=DATE:${christmasEnd}`,
          'END:VEVENT',
        ].join('\r\n'),
        [
          'BEGIN:VEVENT',
          'UID:ny',
          'SUMMARY:New Year',
          'DTSTART;VALUE=DATE:20250101',
          'RRULE:FREQ=YEARLY',
          'END:VEVENT',
        ].join('\r\n'),
      );
    events.length = 0;
    const first = await calendars.importICalendar(ctx, calendar.id, file('20261227'));
    // New Year within two years of 2026-06-01: 2025 to 2028.
    expect(first).toMatchObject({
      created: 2,
      updated: 0,
      unchanged: 0,
      holidays: 6,
      closures: 0,
      skipped: [],
    });
    expect(first.calendarVersion).toBe(calendar.version + 1);
    const again = await calendars.importICalendar(ctx, calendar.id, file('20261227'));
    expect(again).toMatchObject({
      created: 0,
      updated: 0,
      unchanged: 2,
      holidays: 0,
      calendarVersion: first.calendarVersion,
    });
    const moved = await calendars.importICalendar(ctx, calendar.id, file('20261226'));
    expect(moved).toMatchObject({ created: 0, updated: 1, unchanged: 1, holidays: 1 });
    expect(events.map((event) => event.reason)).toEqual(['imported', 'imported']);

    const engine = await calendars.engineFor(calendar.id);
    expect(engine.isOpen(new Date('2026-12-25T10:00:00+01:00'))).toBe(false);
    expect(engine.isOpen(new Date('2026-12-28T10:00:00+01:00'))).toBe(true);
    expect(engine.isOpen(new Date('2027-01-01T10:00:00+01:00'))).toBe(false);
  });

  it('answers field errors for a bad zone, bad times, overlaps, and bad holidays and closures', async () => {
    expect(
      await fieldsOf(
        calendars.createCalendar(ctx, {
          name: ' ',
          timeZone: 'Mars/Olympus',
          weekly: {
            1: [{ start: '9:00', end: '17:00' }],
            2: [nineToFive[0]!, { start: '16:00', end: '18:00' }],
          },
        }),
      ),
    ).toEqual({
      name: ['This field may not be blank.'],
      time_zone: ['"Mars/Olympus" is not a known IANA time zone (e.g. Europe/Berlin).'],
      'weekly.1.0.start': ['"9:00" is not a time; use HH:MM (00:00 to 23:59).'],
      'weekly.2.1': ['Overlaps 09:00-17:00 on the same day.'],
    });
    const calendar = await calendars.createCalendar(ctx, { name: 'Strict', weekly: weekdays });
    expect(await fieldsOf(calendars.createCalendar(ctx, { name: 'strict', weekly: {} }))).toEqual({
      name: ['A calendar with this name already exists.'],
    });
    expect(
      await fieldsOf(calendars.addClosure(ctx, calendar.id, { kind: 'holiday', date: '2026-02-30' })),
    ).toEqual({
      date: ['Date has wrong format. Use YYYY-MM-DD.'],
    });
    await calendars.addClosure(ctx, calendar.id, { kind: 'holiday', date: '2026-05-01' });
    expect(
      await fieldsOf(calendars.addClosure(ctx, calendar.id, { kind: 'holiday', date: '2026-05-01' })),
    ).toEqual({
      date: ['This date is already a holiday of this calendar.'],
    });
    expect(
      await fieldsOf(
        calendars.addClosure(ctx, calendar.id, {
          kind: 'closure',
          startsAt: '2026-05-02T10:00Z',
          endsAt: '2026-05-02T09:00Z',
        }),
      ),
    ).toEqual({ ends_at: ['A closure must end after it starts.'] });
  });
});
