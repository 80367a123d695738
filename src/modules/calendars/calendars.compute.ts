import { Duration } from 'luxon';
import { fieldError } from '../../platform/http/errors.ts';
import { CalendarNeverOpensError, type BusinessCalendar } from './calendars.engine.ts';
import { calendarsErrors } from './calendars.errors.ts';
import type { CalendarsInternals } from './calendars.service.ts';
import { DAY_MS, HOUR_MS, parseInstant, zoneNamed } from './calendars.zone.ts';

/** Longest business duration the API adds: a year of round-the-clock hours. */
export const MAX_DURATION_HOURS = 8784;
/** Longest span the API measures. */
export const MAX_SPAN_DAYS = 3660;

// Answers carry instants as epoch milliseconds and the zone to present them in.

export interface OpenAnswer {
  timeZone: string;
  at: number;
  open: boolean;
}

export interface NextOpeningAnswer {
  timeZone: string;
  from: number;
  /** Null when the calendar does not open within three years. */
  at: number | null;
}

export interface AddAnswer {
  timeZone: string;
  from: number;
  durationMs: number;
  at: number;
}

export interface BetweenAnswer {
  timeZone: string;
  from: number;
  to: number;
  durationMs: number;
}

/**
 * Business milliseconds from an ISO 8601 duration of hours, minutes and seconds
 * ('PT4H', 'PT1H30M', '-PT15M'). Days, weeks, months and years are refused: a "day"
 * of business time has no fixed length (8 hours? 24?), so the client must say hours.
 */
export function parseBusinessDuration(text: string, field = 'duration'): number {
  const duration = Duration.fromISO(text.trim());
  const { years, quarters, months, weeks, days } = duration.isValid ? duration.toObject() : {};
  if (!duration.isValid)
    throw fieldError(field, 'Use an ISO 8601 duration of hours, minutes and seconds, e.g. PT4H or PT1H30M.');
  if ([years, quarters, months, weeks, days].some((value) => value !== undefined && value !== 0))
    throw fieldError(
      field,
      'Give the duration in hours, minutes and seconds (PT8H, not P1D): a business day has no fixed length.',
    );
  const ms = duration.as('milliseconds');
  if (!Number.isSafeInteger(ms)) throw fieldError(field, 'Give the duration in whole milliseconds at most.');
  if (Math.abs(ms) > MAX_DURATION_HOURS * HOUR_MS)
    throw fieldError(field, `At most ${MAX_DURATION_HOURS} hours (PT${MAX_DURATION_HOURS}H).`);
  return ms;
}

/** The computations the API offers on a stored calendar; instants given as ISO 8601 text. */
export function createComputeVerbs({ engineFor, now }: Pick<CalendarsInternals, 'engineFor' | 'now'>) {
  /** An instant from a query parameter; without an offset it is read in the calendar's zone. */
  const instant = (engine: BusinessCalendar, field: string, text: string | undefined): number => {
    if (text === undefined) return now().getTime();
    const zone = zoneNamed(engine.timeZone);
    const ms = zone ? parseInstant(text, zone) : undefined;
    if (ms === undefined)
      throw fieldError(
        field,
        `Use ISO 8601, e.g. 2026-03-27T16:30:00+01:00; without an offset the time is read in ${engine.timeZone}.`,
      );
    return ms;
  };

  return {
    /** Whether the calendar is open at `at` (default now). */
    async isOpen(calendarId: number, at?: string): Promise<OpenAnswer> {
      const engine = await engineFor(calendarId);
      const t = instant(engine, 'at', at);
      return { timeZone: engine.timeZone, at: t, open: engine.isOpen(new Date(t)) };
    },

    /** The first open instant at or after `at` (default now); null when none within three years. */
    async nextOpening(calendarId: number, at?: string): Promise<NextOpeningAnswer> {
      const engine = await engineFor(calendarId);
      const from = instant(engine, 'at', at);
      return { timeZone: engine.timeZone, from, at: engine.nextOpening(new Date(from))?.getTime() ?? null };
    },

    /** `from` (default now) plus an ISO 8601 business duration; CALENDARS_NEVER_OPENS when it never elapses. */
    async addBusinessTime(
      calendarId: number,
      from: string | undefined,
      duration: string,
    ): Promise<AddAnswer> {
      const durationMs = parseBusinessDuration(duration);
      const engine = await engineFor(calendarId);
      const start = instant(engine, 'from', from);
      try {
        const at = engine.addBusinessTime(new Date(start), durationMs).getTime();
        return { timeZone: engine.timeZone, from: start, durationMs, at };
      } catch (error) {
        if (error instanceof CalendarNeverOpensError)
          throw calendarsErrors.CALENDARS_NEVER_OPENS({ cause: error });
        throw error;
      }
    },

    /** Business time in [from, to) (negative when `to` is earlier), at most MAX_SPAN_DAYS apart. */
    async businessTimeBetween(calendarId: number, from: string, to: string): Promise<BetweenAnswer> {
      const engine = await engineFor(calendarId);
      const [start, end] = [instant(engine, 'from', from), instant(engine, 'to', to)];
      if (Math.abs(end - start) > MAX_SPAN_DAYS * DAY_MS)
        throw fieldError('to', `At most ${MAX_SPAN_DAYS} days after (or before) "from".`);
      return {
        timeZone: engine.timeZone,
        from: start,
        to: end,
        durationMs: engine.businessTimeBetween(new Date(start), new Date(end)),
      };
    },
  };
}
