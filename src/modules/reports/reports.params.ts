import { DateTime } from 'luxon';
import { commonErrors, type FieldErrors } from '../../platform/http/errors.ts';
import { canonicalTimeZone } from '../calendars/index.ts';

/** The longest range a report covers. */
export const MAX_RANGE_DAYS = 366;
/** The range without `from`: this many days, ending with today (in the report's zone). */
export const DEFAULT_RANGE_DAYS = 30;

/** A report's range: [from, to), and the zone its dates and periods are read in. */
export interface ReportRange {
  from: Date;
  to: Date;
  timeZone: string;
}

export interface RangeInput {
  from?: string;
  to?: string;
  timeZone?: string;
}

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

/** An ISO date (local midnight in `zone`) or date-time (without an offset: local in `zone`). */
function parseBound(raw: string, zone: string): DateTime | undefined {
  const parsed = DATE_ONLY.test(raw)
    ? DateTime.fromISO(raw, { zone }).startOf('day')
    : DateTime.fromISO(raw, { zone, setZone: false });
  return parsed.isValid ? parsed.setZone(zone) : undefined;
}

/**
 * Reads a report's range: `from` and `to` are ISO dates or date-times, read in
 * `timeZone` (default UTC) when they carry no offset; a date means its midnight, and
 * the range is half-open, so `from=2026-03-01&to=2026-04-01` is March. Without `to`
 * the range ends with today; without `from` it starts 30 days before `to`. It must
 * be non-empty and span at most 366 days. Every problem is reported at once.
 */
export function readRange(input: RangeInput, now: Date): ReportRange {
  const fields: FieldErrors = {};
  const add = (field: string, message: string) => (fields[field] ??= []).push(message);
  const timeZone = canonicalTimeZone(input.timeZone?.trim() || 'UTC');
  if (!timeZone) {
    add('time_zone', `"${input.timeZone ?? ''}" is not an IANA time zone (e.g. Europe/Berlin).`);
    throw commonErrors.VALIDATION_FAILED({ fields });
  }
  const bound = (field: 'from' | 'to', raw: string | undefined) => {
    if (raw === undefined || raw === '') return undefined;
    const parsed = parseBound(raw.trim(), timeZone);
    if (!parsed)
      add(field, `"${raw}" is not an ISO 8601 date (2026-03-01) or date-time (2026-03-01T08:00:00Z).`);
    return parsed ?? null;
  };
  const givenFrom = bound('from', input.from);
  const givenTo = bound('to', input.to);
  if (givenFrom === null || givenTo === null) throw commonErrors.VALIDATION_FAILED({ fields });
  const to = givenTo ?? DateTime.fromJSDate(now, { zone: timeZone }).startOf('day').plus({ days: 1 });
  const from = givenFrom ?? to.minus({ days: DEFAULT_RANGE_DAYS });
  if (from >= to) add('to', 'The end of the range must come after its start (`from`).');
  else if (to.diff(from, 'days').days > MAX_RANGE_DAYS)
    add('to', `A report covers at most ${MAX_RANGE_DAYS} days; narrow the range.`);
  if (Object.keys(fields).length > 0) throw commonErrors.VALIDATION_FAILED({ fields });
  return { from: from.toJSDate(), to: to.toJSDate(), timeZone };
}

/** `now` to the start of its minute: answers that depend on the clock are computed (and cached) per minute. */
export const minuteOf = (now: Date): Date => new Date(Math.floor(now.getTime() / 60_000) * 60_000);
