import { describe, expect, it } from 'vitest';
import { startOfLocalDay } from './workforce.time.ts';
import {
  rollBalance,
  weekdayCalendar,
  workingDates,
  type WorkingCalendar,
} from './workforce.timeoff.rules.ts';

const BERLIN = 'Europe/Berlin';

/** Weekdays 09-17 minus some local dates: a calendar with holidays. */
const withHolidays = (zone: string, holidays: string[]): WorkingCalendar => ({
  openIntervals: (from, to) =>
    weekdayCalendar(zone)
      .openIntervals(from, to)
      .filter(({ start }) => !holidays.includes(start.toLocaleDateString('sv', { timeZone: zone }))),
});

describe('weekdayCalendar', () => {
  it('opens Monday to Friday 09:00-17:00 wall-clock time, across a DST change', () => {
    const intervals = weekdayCalendar(BERLIN).openIntervals(
      startOfLocalDay('2026-03-27', BERLIN),
      startOfLocalDay('2026-03-31', BERLIN),
    );
    expect(intervals.map(({ start, end }) => [start.toISOString(), end.toISOString()])).toEqual([
      ['2026-03-27T08:00:00.000Z', '2026-03-27T16:00:00.000Z'], // Friday, CET
      ['2026-03-30T07:00:00.000Z', '2026-03-30T15:00:00.000Z'], // Monday, CEST
    ]);
  });

  it('clips to the range asked for', () => {
    const [interval] = weekdayCalendar('UTC').openIntervals(
      new Date('2026-03-02T10:00:00Z'),
      new Date('2026-03-02T12:00:00Z'),
    );
    expect(interval).toEqual({
      start: new Date('2026-03-02T10:00:00Z'),
      end: new Date('2026-03-02T12:00:00Z'),
    });
  });
});

describe('workingDates', () => {
  it('counts the dates with open time: weekends and holidays drop out', () => {
    expect(workingDates(weekdayCalendar(BERLIN), '2026-03-26', '2026-04-01', BERLIN)).toEqual([
      '2026-03-26',
      '2026-03-27',
      '2026-03-30',
      '2026-03-31',
      '2026-04-01',
    ]);
    expect(workingDates(withHolidays(BERLIN, ['2026-03-30']), '2026-03-26', '2026-04-01', BERLIN)).toEqual([
      '2026-03-26',
      '2026-03-27',
      '2026-03-31',
      '2026-04-01',
    ]);
  });

  it('marks every date an interval touches, for calendars open around the clock', () => {
    const allDay: WorkingCalendar = {
      openIntervals: (from, to) => [{ start: from, end: to }],
    };
    expect(workingDates(allDay, '2026-10-24', '2026-10-26', BERLIN)).toEqual([
      '2026-10-24',
      '2026-10-25',
      '2026-10-26',
    ]);
  });
});

describe('rollBalance', () => {
  const map = (entries: [number, number][]) => new Map(entries);

  it('is the ledger minus days taken in a first year', () => {
    expect(rollBalance(2026, 2026, map([[2026, 25]]), map([[2026, 4]]), 5)).toEqual({
      year: 2026,
      accrued: 25,
      carriedForward: 0,
      taken: 4,
      remaining: 21,
    });
  });

  it('carries forward what the previous year left, capped by the policy', () => {
    const accrued = map([
      [2024, 25],
      [2025, 25],
      [2026, 25],
    ]);
    const taken = map([
      [2024, 22],
      [2025, 15],
    ]);
    // 2024 leaves 3 (carried), 2025 leaves 3 + 25 - 15 = 13, capped at 5.
    expect(rollBalance(2026, 2024, accrued, taken, 5)).toEqual({
      year: 2026,
      accrued: 25,
      carriedForward: 5,
      taken: 0,
      remaining: 30,
    });
  });

  it('never carries a deficit forward, and works in half days', () => {
    const balance = rollBalance(
      2026,
      2025,
      map([
        [2025, 10],
        [2026, 12.5],
      ]),
      map([[2025, 12]]),
      5,
    );
    expect(balance).toEqual({ year: 2026, accrued: 12.5, carriedForward: 0, taken: 0, remaining: 12.5 });
  });
});
