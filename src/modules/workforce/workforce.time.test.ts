import { describe, expect, it } from 'vitest';
import {
  addDays,
  isDate,
  isoWeekStart,
  localDateOf,
  parseTime,
  startOfLocalDay,
  summariseWeek,
  workedMinutes,
} from './workforce.time.ts';

const at = (iso: string) => new Date(iso);
const BERLIN = 'Europe/Berlin';

describe('calendar dates', () => {
  it('adds days across months, years and leap days', () => {
    expect(addDays('2026-01-31', 1)).toBe('2026-02-01');
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01');
    expect(addDays('2028-02-28', 1)).toBe('2028-02-29');
    expect(addDays('2026-03-01', -1)).toBe('2026-02-28');
  });

  it('finds the Monday of the ISO week', () => {
    expect(isoWeekStart('2026-03-23')).toBe('2026-03-23'); // Monday
    expect(isoWeekStart('2026-03-29')).toBe('2026-03-23'); // Sunday
    expect(isoWeekStart('2027-01-01')).toBe('2026-12-28'); // Friday, week spans the new year
  });

  it('tells real dates from others', () => {
    expect(isDate('2026-02-28')).toBe(true);
    expect(isDate('2026-02-30')).toBe(false);
    expect(isDate('2026-2-3')).toBe(false);
  });

  it('reads the local date of an instant in the zone', () => {
    expect(localDateOf(at('2026-03-28T23:30:00Z'), BERLIN)).toBe('2026-03-29');
    expect(localDateOf(at('2026-03-28T23:30:00Z'), 'America/New_York')).toBe('2026-03-28');
    expect(startOfLocalDay('2026-10-25', BERLIN).toISOString()).toBe('2026-10-24T22:00:00.000Z');
  });
});

describe('parseTime', () => {
  it('takes an offset as the instant itself', () => {
    expect(parseTime('2026-03-28T22:00:00+01:00', BERLIN)?.toISOString()).toBe('2026-03-28T21:00:00.000Z');
    expect(parseTime('2026-03-28T22:00:00Z', BERLIN)?.toISOString()).toBe('2026-03-28T22:00:00.000Z');
  });

  it("reads a time without an offset as wall-clock time in the person's zone", () => {
    expect(parseTime('2026-03-28T22:00', BERLIN)?.toISOString()).toBe('2026-03-28T21:00:00.000Z'); // CET
    expect(parseTime('2026-07-01 09:00:00', BERLIN)?.toISOString()).toBe('2026-07-01T07:00:00.000Z'); // CEST
  });

  it('reads a bare time on the base date', () => {
    expect(parseTime('9:30', BERLIN, '2026-01-05')?.toISOString()).toBe('2026-01-05T08:30:00.000Z');
    expect(parseTime('09:30', BERLIN)).toBeUndefined();
  });

  it('refuses what is not a time', () => {
    expect(parseTime('yesterday', BERLIN)).toBeUndefined();
    expect(parseTime('2026-02-30T10:00', BERLIN)).toBeUndefined();
    expect(parseTime('2026-01-05', BERLIN)).toBeUndefined();
    expect(parseTime(new Date(Number.NaN), BERLIN)).toBeUndefined();
  });
});

describe('workedMinutes', () => {
  it('is the elapsed time minus breaks', () => {
    const breaks = [{ startsAt: at('2026-01-05T12:00:00Z'), endsAt: at('2026-01-05T12:30:00Z') }];
    expect(workedMinutes(at('2026-01-05T08:00:00Z'), at('2026-01-05T16:30:00Z'), breaks)).toBe(480);
  });

  it('merges overlapping breaks and clips them to the entry', () => {
    const breaks = [
      { startsAt: at('2026-01-05T07:00:00Z'), endsAt: at('2026-01-05T08:15:00Z') },
      { startsAt: at('2026-01-05T12:00:00Z'), endsAt: at('2026-01-05T12:30:00Z') },
      { startsAt: at('2026-01-05T12:15:00Z'), endsAt: at('2026-01-05T12:45:00Z') },
      { startsAt: at('2026-01-05T16:00:00Z'), endsAt: null },
    ];
    // 8 h 30 min - 15 min (clipped at clock-in) - 45 min (merged) - 30 min (open: ends at clock-out)
    expect(workedMinutes(at('2026-01-05T08:00:00Z'), at('2026-01-05T16:30:00Z'), breaks)).toBe(420);
  });

  it('counts real elapsed time across DST changes: 22:00-06:00 is 7 h in spring, 9 h in autumn', () => {
    const spring = [parseTime('2026-03-28T22:00', BERLIN), parseTime('2026-03-29T06:00', BERLIN)];
    const autumn = [parseTime('2026-10-24T22:00', BERLIN), parseTime('2026-10-25T06:00', BERLIN)];
    expect(workedMinutes(spring[0]!, spring[1]!, [])).toBe(7 * 60);
    expect(workedMinutes(autumn[0]!, autumn[1]!, [])).toBe(9 * 60);
  });
});

describe('summariseWeek', () => {
  it('sums per local start date, skips rejected and open entries, counts overtime above the threshold', () => {
    const summary = summariseWeek(
      '2026-03-23',
      [
        { date: '2026-03-23', workedMinutes: 600, status: 'approved' },
        { date: '2026-03-24', workedMinutes: 600, status: 'pending' },
        { date: '2026-03-24', workedMinutes: 120, status: 'rejected' },
        { date: '2026-03-25', workedMinutes: 600, status: 'pending' },
        { date: '2026-03-26', workedMinutes: 600, status: 'pending' },
        { date: '2026-03-28', workedMinutes: 420, status: 'pending' },
        { date: '2026-03-29', workedMinutes: null, status: 'pending' },
        { date: '2026-03-30', workedMinutes: 600, status: 'pending' },
      ],
      2400,
    );
    expect(summary.days.map((day) => day.date)).toEqual([
      '2026-03-23',
      '2026-03-24',
      '2026-03-25',
      '2026-03-26',
      '2026-03-27',
      '2026-03-28',
      '2026-03-29',
    ]);
    expect(summary.days.map((day) => day.minutes)).toEqual([600, 600, 600, 600, 0, 420, 0]);
    expect(summary.totalMinutes).toBe(2820);
    expect(summary.overtimeMinutes).toBe(420);
    expect(summariseWeek('2026-03-23', [], 2400).overtimeMinutes).toBe(0);
  });
});
