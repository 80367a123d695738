import { IANAZone } from 'luxon';
import { merge, subtract, type Span } from './calendars.spans.ts';
import {
  checkWeekly,
  type MinuteInterval,
  type SpecProblem,
  type WeeklySchedule,
} from './calendars.weekly.ts';
import {
  DAY_MS,
  epochDayOf,
  instantToLocal,
  isoWeekdayOf,
  localToInstant,
  MINUTE_MS,
  parseInstant,
  parseLocalDate,
  zoneNamed,
} from './calendars.zone.ts';

/**
 * The business-calendar engine: pure (no I/O, no clock), exact to the millisecond.
 *
 * Open time is the union of the weekly intervals of every local date that is not a
 * holiday, converted to instants in the calendar's zone, minus the closures. Rules:
 * - intervals are half-open [start, end); touching intervals form one open stretch;
 * - an interval whose end is at or before its start runs overnight into the next day
 *   and belongs to the weekday (and date) it starts on;
 * - a holiday closes the intervals that START on that local date: a night shift that
 *   starts the evening before a holiday still runs into it, one starting on the
 *   holiday evening does not run at all;
 * - wall-clock times become instants as `localToInstant` says: a repeated (fall-back)
 *   reading is its first occurrence, a skipped (spring-forward) reading moves forward
 *   by the gap; an interval that comes out empty or reversed that way is closed;
 * - closures are absolute instant ranges [start, end) and win over everything.
 * Searches look at most `SEARCH_HORIZON_DAYS` ahead of the last open time seen.
 */

export interface BusinessCalendarSpec {
  /** IANA zone the weekly hours and holidays are read in. */
  timeZone: string;
  weekly: WeeklySchedule;
  /** Absolute closed ranges, [start, end); text without an offset is read in `timeZone`. */
  closures?: readonly { start: Date | string; end: Date | string }[];
  /** Local dates ('YYYY-MM-DD') whose intervals do not open. */
  holidays?: readonly string[];
}

export interface OpenInterval {
  start: Date;
  end: Date;
}

export interface BusinessCalendar {
  readonly timeZone: string;
  /** Whether `t` lies in open time (an interval's start is open, its end is not). */
  isOpen(t: Date): boolean;
  /**
   * For `ms` > 0 the earliest instant r >= t with businessTimeBetween(t, r) === ms: it
   * is open, or the end of an open stretch (r itself closed, the millisecond before it
   * open). For `ms` < 0 the latest r <= t with businessTimeBetween(r, t) === -ms,
   * always open. `ms` = 0 gives `t`. Throws CalendarNeverOpensError when the time
   * cannot be found (no open time for SEARCH_HORIZON_DAYS).
   */
  addBusinessTime(t: Date, ms: number): Date;
  /** Open milliseconds in [a, b); negative (minus those in [b, a)) when b < a. */
  businessTimeBetween(a: Date, b: Date): number;
  /** The earliest open instant >= t (t itself when open); null when none within SEARCH_HORIZON_DAYS. */
  nextOpening(t: Date): Date | null;
  /** The open stretches within [from, to), clipped to it, in order, maximal (never touching). */
  openIntervals(from: Date, to: Date): OpenInterval[];
}

/** How far searches go through closed time before they give up: three years. */
export const SEARCH_HORIZON_DAYS = 1096;
const HORIZON_MS = SEARCH_HORIZON_DAYS * DAY_MS;
const CHUNK_MS = 14 * DAY_MS;
const MAX_CACHED_DAYS = 20_000;
const UTC = IANAZone.create('UTC');

/** A definition the engine cannot run: every problem, each naming its field. */
export class CalendarSpecError extends Error {
  constructor(readonly problems: SpecProblem[]) {
    super(`Invalid business calendar: ${problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`);
    this.name = 'CalendarSpecError';
  }
}

/** Raised instead of searching forever when a calendar has no open time to spend. */
export class CalendarNeverOpensError extends Error {
  readonly code = 'CALENDAR_NEVER_OPENS';
  constructor(message: string) {
    super(message);
    this.name = 'CalendarNeverOpensError';
  }
}

interface Compiled {
  zone: IANAZone | undefined;
  weekly: MinuteInterval[][];
  holidays: Set<number>;
  closures: Span[];
}

/** Checks a definition without building it: [] when `createBusinessCalendar` would accept it. */
export function checkCalendarSpec(spec: BusinessCalendarSpec): SpecProblem[] {
  return compile(spec).problems;
}

function compile(spec: BusinessCalendarSpec): Compiled & { problems: SpecProblem[] } {
  const problems: SpecProblem[] = [];
  const zone = zoneNamed(spec.timeZone);
  if (!zone)
    problems.push({ path: 'time_zone', message: `"${spec.timeZone}" is not a known IANA time zone.` });
  const week = checkWeekly(spec.weekly);
  problems.push(...week.problems);
  const holidays = new Set<number>();
  (spec.holidays ?? []).forEach((text, index) => {
    const day = parseLocalDate(text);
    if (day === undefined)
      problems.push({ path: `holidays.${index}`, message: `"${text}" is not a date (YYYY-MM-DD).` });
    else holidays.add(day);
  });
  const closures: Span[] = [];
  (spec.closures ?? []).forEach((closure, index) => {
    const instant = (value: Date | string, field: string) => {
      // With an unknown zone (reported above) text is still checked, read in UTC.
      const ms = value instanceof Date ? value.getTime() : parseInstant(value, zone ?? UTC);
      if (ms === undefined || Number.isNaN(ms))
        problems.push({ path: `closures.${index}.${field}`, message: 'Not an ISO 8601 date-time.' });
      return ms ?? Number.NaN;
    };
    const start = instant(closure.start, 'start');
    const end = instant(closure.end, 'end');
    if (end <= start)
      problems.push({ path: `closures.${index}.end`, message: 'A closure must end after it starts.' });
    else if (end > start) closures.push([start, end]);
  });
  return { zone, weekly: week.minutes, holidays, closures: merge(closures), problems };
}

const instantOf = (value: Date, name: string): number => {
  const ms = value instanceof Date ? value.getTime() : Number.NaN;
  if (Number.isNaN(ms)) throw new RangeError(`${name} must be a valid Date`);
  return ms;
};

/** Builds the engine; throws CalendarSpecError listing every problem of an invalid definition. */
export function createBusinessCalendar(spec: BusinessCalendarSpec): BusinessCalendar {
  const compiled = compile(spec);
  if (compiled.problems.length > 0 || !compiled.zone) throw new CalendarSpecError(compiled.problems);
  const zone: IANAZone = compiled.zone;
  const { weekly, holidays, closures } = compiled;
  const hasHours = weekly.some((day) => day.length > 0);
  // Per-date intervals are pure functions of the date: cache them, bounded.
  const dayCache = new Map<number, Span[]>();

  /** The instants of the intervals that start on a local date. */
  function daySpans(epochDay: number): Span[] {
    const cached = dayCache.get(epochDay);
    if (cached) return cached;
    const spans: Span[] = [];
    if (!holidays.has(epochDay)) {
      const midnight = epochDay * DAY_MS;
      for (const interval of weekly[isoWeekdayOf(epochDay)] ?? []) {
        const start = localToInstant(zone, midnight + interval.start * MINUTE_MS);
        const end = localToInstant(zone, midnight + interval.end * MINUTE_MS);
        if (end > start) spans.push([start, end]);
      }
    }
    if (dayCache.size >= MAX_CACHED_DAYS) dayCache.clear();
    dayCache.set(epochDay, spans);
    return spans;
  }

  function open(from: number, to: number): Span[] {
    if (!(to > from) || !hasHours) return [];
    // An interval starting two local dates back can still reach `from` (overnight, 25-hour day).
    const first = epochDayOf(instantToLocal(zone, from)) - 2;
    const last = epochDayOf(instantToLocal(zone, to)) + 1;
    const spans: Span[] = [];
    for (let day = first; day <= last; day += 1) {
      for (const [start, end] of daySpans(day)) {
        const clippedStart = Math.max(start, from);
        const clippedEnd = Math.min(end, to);
        if (clippedStart < clippedEnd) spans.push([clippedStart, clippedEnd]);
      }
    }
    return subtract(merge(spans), closures);
  }

  const neverOpens = () =>
    new CalendarNeverOpensError(
      `The calendar has no open time within ${SEARCH_HORIZON_DAYS} days; business time cannot be added.`,
    );

  function addForward(t: number, ms: number): number {
    let remaining = ms;
    let cursor = t;
    let lastOpen = t;
    while (hasHours && cursor - lastOpen < HORIZON_MS) {
      for (const [start, end] of open(cursor, cursor + CHUNK_MS)) {
        if (remaining <= end - start) return start + remaining;
        remaining -= end - start;
        lastOpen = end;
      }
      cursor += CHUNK_MS;
    }
    throw neverOpens();
  }

  function addBackward(t: number, ms: number): number {
    let remaining = ms;
    let cursor = t;
    let lastOpen = t;
    while (hasHours && lastOpen - cursor < HORIZON_MS) {
      for (const [start, end] of open(cursor - CHUNK_MS, cursor).reverse()) {
        if (remaining <= end - start) return end - remaining;
        remaining -= end - start;
        lastOpen = start;
      }
      cursor -= CHUNK_MS;
    }
    throw neverOpens();
  }

  function between(a: number, b: number): number {
    if (b < a) return -between(b, a);
    let total = 0;
    for (let cursor = a; cursor < b; cursor += CHUNK_MS) {
      for (const [start, end] of open(cursor, Math.min(cursor + CHUNK_MS, b))) total += end - start;
    }
    return total;
  }

  return {
    timeZone: spec.timeZone,
    isOpen(t) {
      const at = instantOf(t, 't');
      return open(at, at + 1).length > 0;
    },
    addBusinessTime(t, ms) {
      const at = instantOf(t, 't');
      if (!Number.isSafeInteger(ms)) throw new RangeError('ms must be a whole number of milliseconds');
      if (ms === 0) return new Date(at);
      return new Date(ms > 0 ? addForward(at, ms) : addBackward(at, -ms));
    },
    businessTimeBetween(a, b) {
      return between(instantOf(a, 'a'), instantOf(b, 'b'));
    },
    nextOpening(t) {
      const at = instantOf(t, 't');
      for (let cursor = at; hasHours && cursor < at + HORIZON_MS; cursor += CHUNK_MS) {
        const [first] = open(cursor, cursor + CHUNK_MS);
        if (first) return new Date(first[0]);
      }
      return null;
    },
    openIntervals(from, to) {
      return open(instantOf(from, 'from'), instantOf(to, 'to')).map(([start, end]) => ({
        start: new Date(start),
        end: new Date(end),
      }));
    },
  };
}
