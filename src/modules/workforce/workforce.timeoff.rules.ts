import { DateTime } from 'luxon';
import { addDays, localDateOf, startOfLocalDay } from './workforce.time.ts';

/** Balances look back at most this many years for carry-forward. */
export const MAX_HISTORY_YEARS = 10;

export interface OpenInterval {
  start: Date;
  end: Date;
}

/** What time off needs of a business calendar (the calendars module's engine is one). */
export interface WorkingCalendar {
  /** The open stretches within [from, to), in order. */
  openIntervals(from: Date, to: Date): OpenInterval[];
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

/** Days per year of a person and type: granted (`accrued`), approved (`taken`) and asked for (`pending`). */
export interface Usage {
  accrued: ReadonlyMap<number, number>;
  taken: ReadonlyMap<number, number>;
  pending: ReadonlyMap<number, number>;
}

/** Where a request does not fit: the year, what was left there and how much it asked for. */
export interface Shortfall {
  year: number;
  /** What is left for new requests: the balance minus the days pending requests hold. */
  available: number;
  /** The balance after the approved days only. */
  remaining: number;
  requested: number;
}

const plus = (days: ReadonlyMap<number, number>, more: ReadonlyMap<number, number>) => {
  const total = new Map(days);
  for (const [year, count] of more) total.set(year, (total.get(year) ?? 0) + count);
  return total;
};

/**
 * Whether a request of `requested` working days per year fits: year by year, in order,
 * the balance rolled forward with the approved and the pending days taken, and the
 * request's own earlier years too, must cover its days. The first year it does not
 * fit in, or undefined.
 */
export function shortfall(
  requested: ReadonlyMap<number, number>,
  usage: Usage,
  carryForwardMax: number,
): Shortfall | undefined {
  let taken = new Map(usage.taken);
  let held = plus(taken, usage.pending);
  for (const year of [...requested.keys()].sort((a, b) => a - b)) {
    const firstYear = Math.min(year, ...usage.accrued.keys(), ...held.keys());
    const wanted = requested.get(year) ?? 0;
    const available = rollBalance(year, firstYear, usage.accrued, held, carryForwardMax).remaining;
    if (wanted > available) {
      const remaining = rollBalance(year, firstYear, usage.accrued, taken, carryForwardMax).remaining;
      return { year, available, remaining, requested: wanted };
    }
    const mine = new Map([[year, wanted]]);
    taken = plus(taken, mine);
    held = plus(held, mine);
  }
  return undefined;
}
