import { describe, expect, it } from 'vitest';
import {
  CalendarNeverOpensError,
  CalendarSpecError,
  checkCalendarSpec,
  createBusinessCalendar,
  type BusinessCalendarSpec,
} from './calendars.engine.ts';
import { HOUR_MS, MINUTE_MS } from './calendars.zone.ts';

const nineToFive = [{ start: '09:00', end: '17:00' }];
const weekdays = { 1: nineToFive, 2: nineToFive, 3: nineToFive, 4: nineToFive, 5: nineToFive };
const berlin = (spec: Partial<BusinessCalendarSpec> = {}) =>
  createBusinessCalendar({ timeZone: 'Europe/Berlin', weekly: weekdays, ...spec });
const at = (iso: string) => new Date(iso);
const iso = (date: Date | null) => date?.toISOString();
/** Open hours of a calendar from noon UTC the day before a date to noon UTC the day after. */
const hoursAround = (spec: BusinessCalendarSpec, day: string) => {
  const noon = at(`${day}T12:00:00Z`).getTime();
  return (
    createBusinessCalendar(spec).businessTimeBetween(
      new Date(noon - 24 * HOUR_MS),
      new Date(noon + 24 * HOUR_MS),
    ) / HOUR_MS
  );
};

describe('business calendar engine: Mon-Fri 09:00-17:00 Europe/Berlin', () => {
  it('puts Friday 16:30 + 4 business hours on Monday 12:30', () => {
    const due = berlin().addBusinessTime(at('2026-03-20T16:30:00+01:00'), 4 * HOUR_MS);
    expect(iso(due)).toBe(iso(at('2026-03-23T12:30:00+01:00')));
  });

  it('does the same across the March 2026 DST switch (Sunday 29th): Monday 12:30 CEST', () => {
    const friday = at('2026-03-27T16:30:00+01:00');
    const due = berlin().addBusinessTime(friday, 4 * HOUR_MS);
    expect(iso(due)).toBe(iso(at('2026-03-30T12:30:00+02:00')));
    expect(berlin().businessTimeBetween(friday, due)).toBe(4 * HOUR_MS);
  });

  it('skips a Monday holiday: Tuesday 12:30', () => {
    const due = berlin({ holidays: ['2026-03-30'] }).addBusinessTime(
      at('2026-03-27T16:30:00+01:00'),
      4 * HOUR_MS,
    );
    expect(iso(due)).toBe(iso(at('2026-03-31T12:30:00+02:00')));
  });

  it('skips a closure: an hour closed on Monday morning moves the due time an hour', () => {
    const calendar = berlin({
      closures: [{ start: '2026-03-23T10:00', end: at('2026-03-23T11:00:00+01:00') }],
    });
    expect(iso(calendar.addBusinessTime(at('2026-03-20T16:30:00+01:00'), 4 * HOUR_MS))).toBe(
      iso(at('2026-03-23T13:30:00+01:00')),
    );
    expect(calendar.isOpen(at('2026-03-23T10:30:00+01:00'))).toBe(false);
    expect(calendar.isOpen(at('2026-03-23T11:00:00+01:00'))).toBe(true);
  });

  it('treats intervals as half-open and ends exactly at closing time', () => {
    const calendar = berlin();
    expect(calendar.isOpen(at('2026-03-20T09:00:00+01:00'))).toBe(true);
    expect(calendar.isOpen(at('2026-03-20T16:59:59.999+01:00'))).toBe(true);
    expect(calendar.isOpen(at('2026-03-20T17:00:00+01:00'))).toBe(false);
    // The last half hour of Friday ends at Friday 17:00, not at Monday 09:00.
    const due = calendar.addBusinessTime(at('2026-03-20T16:30:00+01:00'), 30 * MINUTE_MS);
    expect(iso(due)).toBe(iso(at('2026-03-20T17:00:00+01:00')));
    // From closed time, counting starts at the next opening.
    expect(iso(calendar.addBusinessTime(at('2026-03-21T12:00:00+01:00'), 1))).toBe(
      iso(at('2026-03-23T09:00:00.001+01:00')),
    );
  });

  it('subtracts business time with a negative duration, landing on open time', () => {
    const calendar = berlin();
    expect(iso(calendar.addBusinessTime(at('2026-03-30T12:30:00+02:00'), -4 * HOUR_MS))).toBe(
      iso(at('2026-03-27T16:30:00+01:00')),
    );
    expect(iso(calendar.addBusinessTime(at('2026-03-23T09:00:00+01:00'), -8 * HOUR_MS))).toBe(
      iso(at('2026-03-20T09:00:00+01:00')),
    );
    expect(
      calendar.businessTimeBetween(at('2026-03-23T12:00:00+01:00'), at('2026-03-20T12:00:00+01:00')),
    ).toBe(-8 * HOUR_MS);
  });

  it('finds the next opening, or the instant itself when open', () => {
    const calendar = berlin({ holidays: ['2026-03-23'] });
    expect(iso(calendar.nextOpening(at('2026-03-20T17:00:00+01:00')))).toBe(
      iso(at('2026-03-24T09:00:00+01:00')),
    );
    const open = at('2026-03-20T10:00:00+01:00');
    expect(iso(calendar.nextOpening(open))).toBe(iso(open));
  });

  it('lists maximal open stretches clipped to the range', () => {
    const calendar = createBusinessCalendar({
      timeZone: 'Europe/Berlin',
      weekly: {
        1: [
          { start: '09:00', end: '12:00' },
          { start: '12:00', end: '17:00' },
        ],
      },
    });
    const stretches = calendar.openIntervals(
      at('2026-03-23T10:00:00+01:00'),
      at('2026-03-30T10:00:00+02:00'),
    );
    expect(stretches.map(({ start, end }) => [iso(start), iso(end)])).toEqual([
      [iso(at('2026-03-23T10:00:00+01:00')), iso(at('2026-03-23T17:00:00+01:00'))],
      [iso(at('2026-03-30T09:00:00+02:00')), iso(at('2026-03-30T10:00:00+02:00'))],
    ]);
  });

  it('adds a year of business time quickly (walks days, not minutes)', () => {
    const started = performance.now();
    const due = berlin().addBusinessTime(at('2026-01-01T00:00:00Z'), 2000 * HOUR_MS);
    expect(performance.now() - started).toBeLessThan(2000);
    expect(berlin().businessTimeBetween(at('2026-01-01T00:00:00Z'), due)).toBe(2000 * HOUR_MS);
  });
});

describe('DST, overnight and holiday rules', () => {
  const sunday = (start: string, end: string): BusinessCalendarSpec => ({
    timeZone: 'Europe/Berlin',
    weekly: { 7: [{ start, end }] },
  });
  const saturdayNight: BusinessCalendarSpec = {
    timeZone: 'Europe/Berlin',
    weekly: { 6: [{ start: '22:00', end: '06:00' }] },
  };
  const span = (spec: BusinessCalendarSpec, from: string, to: string) =>
    createBusinessCalendar(spec).businessTimeBetween(at(from), at(to)) / HOUR_MS;

  it('counts a night shift 22:00-06:00 as 9 h across fall-back and 7 h across spring-forward', () => {
    expect(span(saturdayNight, '2026-10-24T12:00:00Z', '2026-10-25T12:00:00Z')).toBe(9);
    expect(span(saturdayNight, '2026-03-28T12:00:00Z', '2026-03-29T12:00:00Z')).toBe(7);
    expect(span(saturdayNight, '2026-06-06T12:00:00Z', '2026-06-07T12:00:00Z')).toBe(8);
  });

  it('keeps 09:00-17:00 at 8 h on both switch days; 01:00-05:00 is 3 h in spring and 5 h in autumn', () => {
    expect(hoursAround(sunday('09:00', '17:00'), '2026-03-29')).toBe(8);
    expect(hoursAround(sunday('09:00', '17:00'), '2026-10-25')).toBe(8);
    expect(hoursAround(sunday('01:00', '05:00'), '2026-03-29')).toBe(3);
    expect(hoursAround(sunday('01:00', '05:00'), '2026-10-25')).toBe(5);
  });

  it('moves a skipped start forward by the gap and reads a repeated time as its first occurrence', () => {
    // 02:30 does not exist on 2026-03-29: it opens 03:30 CEST.
    const spring = createBusinessCalendar(sunday('02:30', '04:00'));
    expect(iso(spring.nextOpening(at('2026-03-28T12:00:00Z')))).toBe(iso(at('2026-03-29T03:30:00+02:00')));
    expect(hoursAround(sunday('02:30', '04:00'), '2026-03-29')).toBe(0.5);
    // A skipped hour as a whole is no open time.
    expect(hoursAround(sunday('02:00', '03:00'), '2026-03-29')).toBe(0);
    // 02:30 happens twice on 2026-10-25: the first time (CEST) counts.
    const autumn = createBusinessCalendar(sunday('02:30', '05:00'));
    expect(iso(autumn.nextOpening(at('2026-10-24T12:00:00Z')))).toBe(iso(at('2026-10-25T02:30:00+02:00')));
    expect(hoursAround(sunday('02:30', '05:00'), '2026-10-25')).toBe(3.5);
  });

  it('closes, on a holiday, the intervals that start that day and not the night shift running into it', () => {
    const spec: BusinessCalendarSpec = {
      timeZone: 'Europe/Berlin',
      weekly: { 7: [{ start: '22:00', end: '06:00' }], 1: [{ start: '22:00', end: '06:00' }] },
      holidays: ['2026-06-08'],
    };
    const calendar = createBusinessCalendar(spec);
    expect(calendar.isOpen(at('2026-06-08T02:00:00+02:00'))).toBe(true);
    expect(calendar.isOpen(at('2026-06-08T23:00:00+02:00'))).toBe(false);
    expect(calendar.isOpen(at('2026-06-09T02:00:00+02:00'))).toBe(false);
  });

  it('joins a night shift and the next morning into one stretch', () => {
    const calendar = createBusinessCalendar({
      timeZone: 'UTC',
      weekly: { 1: [{ start: '22:00', end: '06:00' }], 2: [{ start: '05:00', end: '09:00' }] },
    });
    const stretches = calendar.openIntervals(at('2026-06-01T00:00:00Z'), at('2026-06-03T00:00:00Z'));
    expect(stretches.map(({ start, end }) => [iso(start), iso(end)])).toEqual([
      ['2026-06-01T22:00:00.000Z', '2026-06-02T09:00:00.000Z'],
    ]);
  });

  it('counts 00:00-00:00 as a whole day: 24 h, or 23 h and 25 h on switch days', () => {
    const sundays: BusinessCalendarSpec = {
      timeZone: 'America/New_York',
      weekly: { 7: [{ start: '00:00', end: '00:00' }] },
    };
    expect(span(sundays, '2026-03-08T00:00:00-05:00', '2026-03-09T12:00:00Z')).toBe(23);
    expect(span(sundays, '2026-11-01T00:00:00-04:00', '2026-11-02T12:00:00Z')).toBe(25);
    expect(span(sundays, '2026-12-26T00:00:00Z', '2026-12-31T00:00:00Z')).toBe(24);
  });
});

describe('degenerate and invalid calendars', () => {
  it('has no next opening and refuses to add time when never open, instead of looping', () => {
    const never = createBusinessCalendar({ timeZone: 'UTC', weekly: {} });
    expect(never.nextOpening(at('2026-01-01T00:00:00Z'))).toBeNull();
    expect(() => never.addBusinessTime(at('2026-01-01T00:00:00Z'), HOUR_MS)).toThrow(CalendarNeverOpensError);
    expect(never.businessTimeBetween(at('2026-01-01T00:00:00Z'), at('2027-01-01T00:00:00Z'))).toBe(0);
    expect(iso(never.addBusinessTime(at('2026-01-01T00:00:00Z'), 0))).toBe('2026-01-01T00:00:00.000Z');
  });

  it('gives up after three years of closure', () => {
    const closed = berlin({ closures: [{ start: '2026-01-01T00:00:00Z', end: '2031-01-01T00:00:00Z' }] });
    expect(closed.nextOpening(at('2026-06-01T00:00:00Z'))).toBeNull();
    expect(() => closed.addBusinessTime(at('2026-06-01T00:00:00Z'), HOUR_MS)).toThrow(/no open time within/);
    expect(() => closed.addBusinessTime(at('2030-12-01T00:00:00Z'), -HOUR_MS)).toThrow(
      CalendarNeverOpensError,
    );
    // Within the horizon it still finds the reopening.
    expect(iso(closed.nextOpening(at('2029-01-01T00:00:00Z')))).toBe(iso(at('2031-01-01T09:00:00+01:00')));
  });

  it('names every problem of an invalid definition', () => {
    const spec = {
      timeZone: 'Mars/Olympus',
      weekly: {
        1: [{ start: '9:00', end: '17:00' }],
        2: [
          { start: '22:00', end: '06:00' },
          { start: '23:00', end: '23:30' },
        ],
        8: [],
      },
      holidays: ['2026-02-30'],
      closures: [{ start: '2026-01-02T00:00:00Z', end: '2026-01-01T00:00:00Z' }],
    } as unknown as BusinessCalendarSpec;
    expect(checkCalendarSpec(spec).map((problem) => problem.path)).toEqual([
      'time_zone',
      'weekly.1.0.start',
      'weekly.2.1',
      'weekly.8',
      'holidays.0',
      'closures.0.end',
    ]);
    expect(() => createBusinessCalendar(spec)).toThrow(CalendarSpecError);
  });

  it('refuses invalid arguments', () => {
    expect(() => berlin().isOpen(new Date('nope'))).toThrow(RangeError);
    expect(() => berlin().addBusinessTime(new Date(), 1.5)).toThrow(RangeError);
  });
});
