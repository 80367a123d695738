import { IANAZone } from 'luxon';
import rrulePackage from 'rrule';

// rrule ships CommonJS (its ESM build is not exposed to Node): its exports hang off the default import.
const { RRule } = rrulePackage;

/**
 * Expansion of a scheduled event's RFC 5545 recurrence into occurrences, pure.
 *
 * The rule is expanded in "floating" local time (the wall-clock reading in the
 * event's zone, carried as if it were UTC) and each occurrence is then placed in the
 * zone, so a weekly 09:00 meeting stays at 09:00 local across DST changes. rrule's
 * own `tzid` support depends on the host's zone; this does not. Every occurrence
 * lasts exactly as long as the first (RFC 5545 3.8.5.3, duration from DTEND).
 */

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
/** Offsets lie within -12h..+14h: a margin of two days around a window catches every candidate. */
const FLOATING_MARGIN_MS = 2 * DAY_MS;

export interface Series {
  startsAt: Date;
  endsAt: Date;
  timeZone: string;
  /** RFC 5545 RRULE without DTSTART (normalised by `normaliseRRule`), or null for a one-off event. */
  rrule: string | null;
}

/** One occurrence cancelled or changed, keyed by the start the rule gives it. */
export interface OccurrenceException {
  occurrenceStart: Date;
  cancelled: boolean;
  startsAt: Date | null;
  endsAt: Date | null;
  title: string | null;
}

export interface Occurrence {
  /** The start the rule gives this occurrence: its identity, even when it was moved. */
  occurrenceStart: Date;
  startsAt: Date;
  endsAt: Date;
  /** The occurrence's own title when it was retitled, else null (the series' title). */
  title: string | null;
  /** Moved or retitled ("this occurrence only"). */
  modified: boolean;
}

export class RecurrenceError extends Error {
  override readonly name = 'RecurrenceError';
}

const FREQUENCIES = ['DAILY', 'WEEKLY', 'MONTHLY', 'YEARLY'] as const;
const WEEKDAY = '(?:MO|TU|WE|TH|FR|SA|SU)';
const signedList = (min: number, max: number, signed: boolean) => (value: string) =>
  value.split(',').every((item) => {
    if (!/^[+-]?\d{1,3}$/.test(item)) return false;
    const n = Number(item);
    if (!signed && /^[+-]/.test(item)) return false;
    return Math.abs(n) >= min && Math.abs(n) <= max && (signed || n >= min);
  });

/** Each RRULE part this API accepts and how its value is checked (RFC 5545 3.3.10). */
const PARTS: Record<string, (value: string) => boolean> = {
  FREQ: (value) => (FREQUENCIES as readonly string[]).includes(value),
  INTERVAL: (value) => /^\d{1,4}$/.test(value) && Number(value) >= 1 && Number(value) <= 1000,
  COUNT: (value) => /^\d{1,5}$/.test(value) && Number(value) >= 1 && Number(value) <= 10_000,
  UNTIL: (value) => /^\d{8}(T\d{6}Z?)?$/.test(value),
  BYDAY: (value) =>
    new RegExp(
      `^[+-]?(?:[1-9]|[1-4]\\d|5[0-3])?${WEEKDAY}(?:,[+-]?(?:[1-9]|[1-4]\\d|5[0-3])?${WEEKDAY})*$`,
    ).test(value),
  BYMONTHDAY: signedList(1, 31, true),
  BYYEARDAY: signedList(1, 366, true),
  BYWEEKNO: signedList(1, 53, true),
  BYMONTH: signedList(1, 12, false),
  BYSETPOS: signedList(1, 366, true),
  BYHOUR: (value) => value.split(',').every((v) => /^\d{1,2}$/.test(v) && Number(v) <= 23),
  BYMINUTE: (value) => value.split(',').every((v) => /^\d{1,2}$/.test(v) && Number(v) <= 59),
  BYSECOND: (value) => value.split(',').every((v) => /^\d{1,2}$/.test(v) && Number(v) <= 59),
  WKST: (value) => new RegExp(`^${WEEKDAY}$`).test(value),
};

/**
 * Checks an RRULE strictly (rrule itself accepts nonsense such as `BYDAY=XX`) and
 * returns it in canonical form: upper case, no `RRULE:` prefix. Events repeat at most
 * daily (FREQ=DAILY..YEARLY; BYHOUR still allows several a day); COUNT and UNTIL
 * exclude each other; DTSTART is the event's start, never part of the rule.
 */
export function normaliseRRule(raw: string): string {
  const text = raw
    .trim()
    .replace(/^RRULE:/i, '')
    .toUpperCase();
  if (text === '') throw new RecurrenceError('The rule is empty; give null for a one-off event.');
  const seen = new Map<string, string>();
  for (const part of text.split(';')) {
    const [name, value, ...rest] = part.split('=');
    if (!name || value === undefined || value === '' || rest.length > 0)
      throw new RecurrenceError(`"${part}" is not a NAME=VALUE rule part.`);
    if (name === 'DTSTART')
      throw new RecurrenceError("DTSTART is not part of the rule: it is the event's start time.");
    const check = PARTS[name];
    if (!check)
      throw new RecurrenceError(`Unknown rule part ${name}; allowed: ${Object.keys(PARTS).join(', ')}.`);
    if (seen.has(name)) throw new RecurrenceError(`${name} appears twice.`);
    if (!check(value)) {
      throw new RecurrenceError(
        name === 'FREQ'
          ? `FREQ=${value} is not allowed; events repeat ${FREQUENCIES.join(', ')}.`
          : `${name}=${value} is not a valid value.`,
      );
    }
    seen.set(name, value);
  }
  if (!seen.has('FREQ')) throw new RecurrenceError('FREQ is required.');
  if (seen.has('COUNT') && seen.has('UNTIL')) throw new RecurrenceError('Give COUNT or UNTIL, not both.');
  return [...seen].map(([name, value]) => `${name}=${value}`).join(';');
}

/** The zone, or a RecurrenceError when it is not a known IANA zone. */
function zoneOf(name: string): IANAZone {
  const zone = IANAZone.create(name);
  if (!zone.isValid) throw new RecurrenceError(`"${name}" is not a known time zone.`);
  return zone;
}

const offsetMs = (zone: IANAZone, instant: number) => zone.offset(instant) * MINUTE_MS;

/** The wall-clock reading of an instant in the zone, as "floating" epoch milliseconds. */
function toFloating(zone: IANAZone, instant: number): number {
  return instant + offsetMs(zone, instant);
}

/**
 * The instant of a floating wall-clock reading, as RFC 5545 3.3.5 decides it: a
 * reading that occurs twice (clocks falling back) is the first; one that never
 * occurs (clocks springing forward) is read with the offset before the gap, so 02:30
 * on 2026-03-29 in Europe/Berlin is 03:30 CEST.
 */
function fromFloating(zone: IANAZone, floating: number): number {
  const before = offsetMs(zone, floating - DAY_MS);
  const after = offsetMs(zone, floating + DAY_MS);
  const early = floating - before;
  const late = floating - after;
  const earlyValid = offsetMs(zone, early) === before;
  const lateValid = offsetMs(zone, late) === after;
  if (earlyValid && lateValid) return Math.min(early, late);
  if (lateValid && !earlyValid) return late;
  return early;
}

interface Compiled {
  zone: IANAZone;
  durationMs: number;
  rule: InstanceType<typeof RRule> | null;
  start: number;
}

function compile(series: Series): Compiled {
  const zone = zoneOf(series.timeZone);
  const start = series.startsAt.getTime();
  const durationMs = series.endsAt.getTime() - start;
  if (durationMs <= 0) throw new RecurrenceError('The end must be after the start.');
  if (series.rrule === null) return { zone, durationMs, rule: null, start };
  const text = normaliseRRule(series.rrule);
  const options = RRule.parseString(text);
  const dtstart = new Date(toFloating(zone, start));
  const untilRaw = /(?:^|;)UNTIL=([^;]+)/.exec(text)?.[1];
  if (untilRaw) {
    const [, y, m, d, hh, mm, ss, z] = /^(\d{4})(\d{2})(\d{2})(?:T(\d{2})(\d{2})(\d{2})(Z)?)?$/.exec(
      untilRaw,
    ) as unknown as [string, string, string, string, string?, string?, string?, string?];
    const utc = Date.UTC(
      Number(y),
      Number(m) - 1,
      Number(d),
      Number(hh ?? 23),
      Number(mm ?? 59),
      Number(ss ?? 59),
    );
    // A UTC UNTIL (RFC 5545's form when DTSTART has a zone) is an instant: compare it as local wall time.
    // A floating or date-only UNTIL already is local; a date means "through that day".
    options.until = new Date(z ? toFloating(zone, utc) : utc);
  }
  const rule = new RRule({ ...options, dtstart, tzid: null });
  const first = rule.after(dtstart, true);
  if (first?.getTime() !== dtstart.getTime())
    throw new RecurrenceError(
      "The event's start must be an occurrence of its rule (e.g. a Monday for BYDAY=MO).",
    );
  return { zone, durationMs, rule, start };
}

/**
 * Checks a series: a known zone, an end after the start, a valid rule whose first
 * occurrence is the start. Throws RecurrenceError with a message for the client.
 */
export function checkSeries(series: Series): void {
  compile(series);
}

/** Rule occurrences (original starts, epoch ms) whose start lies in [from, to]: at most `limit`, and whether there were more. */
function originals(
  compiled: Compiled,
  from: number,
  to: number,
  limit: number,
): { starts: number[]; overflow: boolean } {
  const { rule, zone, start } = compiled;
  if (!rule) return { starts: start >= from && start <= to ? [start] : [], overflow: false };
  const starts: number[] = [];
  let overflow = false;
  const floatingFrom = Math.max(toFloating(zone, from) - FLOATING_MARGIN_MS, toFloating(zone, start));
  const floatingTo = toFloating(zone, to) + FLOATING_MARGIN_MS;
  if (floatingTo < floatingFrom) return { starts, overflow };
  rule.between(new Date(floatingFrom), new Date(floatingTo), true, (date) => {
    const instant = fromFloating(zone, date.getTime());
    if (instant < from || instant > to) return true;
    if (starts.length >= limit) {
      overflow = true;
      return false;
    }
    starts.push(instant);
    return true;
  });
  return { starts, overflow };
}

/** Whether `start` is an occurrence the rule produces (before exceptions): a valid occurrence key. */
export function isOccurrence(series: Series, start: Date): boolean {
  const instant = start.getTime();
  if (Number.isNaN(instant)) return false;
  return originals(compile(series), instant, instant, 1).starts[0] === instant;
}

/**
 * The occurrences overlapping [from, to) (start < to and end > from), exceptions
 * applied, sorted by start: cancelled ones are left out, moved ones appear at their
 * new time (and are found by it), retitled ones carry their title. Exceptions whose
 * key is not an occurrence of the rule (left behind by a rule change) are ignored.
 * At most `limit` occurrences; `truncated` says there were more.
 */
export function expandOccurrences(
  series: Series,
  exceptions: readonly OccurrenceException[],
  window: { from: Date; to: Date },
  limit = 10_000,
): { occurrences: Occurrence[]; truncated: boolean } {
  const compiled = compile(series);
  const from = window.from.getTime();
  const to = window.to.getTime();
  const recurring = compiled.rule !== null;
  const byKey = new Map(recurring ? exceptions.map((e) => [e.occurrenceStart.getTime(), e]) : []);
  const occurrences: Occurrence[] = [];
  // An occurrence starting in (from - duration, to) overlaps the window.
  const { starts, overflow } = originals(compiled, from - compiled.durationMs + 1, to - 1, limit);
  let truncated = overflow;
  for (const start of starts) {
    const exception = byKey.get(start);
    if (exception && (exception.cancelled || exception.startsAt || exception.endsAt)) continue;
    occurrences.push({
      occurrenceStart: new Date(start),
      startsAt: new Date(start),
      endsAt: new Date(start + compiled.durationMs),
      title: exception?.title ?? null,
      modified: exception !== undefined && exception.title !== null,
    });
  }
  for (const exception of byKey.values()) {
    if (exception.cancelled || (!exception.startsAt && !exception.endsAt)) continue;
    const key = exception.occurrenceStart.getTime();
    const startsAt = exception.startsAt?.getTime() ?? key;
    const endsAt = exception.endsAt?.getTime() ?? startsAt + compiled.durationMs;
    if (startsAt >= to || endsAt <= from) continue;
    if (originals(compiled, key, key, 1).starts[0] !== key) continue;
    occurrences.push({
      occurrenceStart: new Date(key),
      startsAt: new Date(startsAt),
      endsAt: new Date(endsAt),
      title: exception.title,
      modified: true,
    });
  }
  occurrences.sort(
    (a, b) =>
      a.startsAt.getTime() - b.startsAt.getTime() ||
      a.occurrenceStart.getTime() - b.occurrenceStart.getTime(),
  );
  if (occurrences.length > limit) {
    occurrences.length = limit;
    truncated = true;
  }
  return { occurrences, truncated };
}

/**
 * The occurrence whose rule-given start is `key`, exceptions applied; undefined when
 * `key` is not an occurrence of the rule or that occurrence was cancelled.
 */
export function occurrenceAt(
  series: Series,
  exceptions: readonly OccurrenceException[],
  key: Date,
): Occurrence | undefined {
  const compiled = compile(series);
  const instant = key.getTime();
  if (Number.isNaN(instant) || originals(compiled, instant, instant, 1).starts[0] !== instant)
    return undefined;
  const exception = compiled.rule
    ? exceptions.find((e) => e.occurrenceStart.getTime() === instant)
    : undefined;
  if (exception?.cancelled) return undefined;
  const startsAt = exception?.startsAt?.getTime() ?? instant;
  const endsAt = exception?.endsAt?.getTime() ?? startsAt + compiled.durationMs;
  return {
    occurrenceStart: new Date(instant),
    startsAt: new Date(startsAt),
    endsAt: new Date(endsAt),
    title: exception?.title ?? null,
    modified:
      exception !== undefined &&
      (exception.startsAt !== null || exception.endsAt !== null || exception.title !== null),
  };
}

/** `"<eventId>:<ISO original start>"`: the v2 id of one occurrence. */
export const occurrenceId = (eventId: number, occurrenceStart: Date): string =>
  `${eventId}:${occurrenceStart.toISOString()}`;

/** Half-open interval overlap: [a, b) and [c, d). */
export const overlaps = (a: { startsAt: Date; endsAt: Date }, b: { startsAt: Date; endsAt: Date }): boolean =>
  a.startsAt.getTime() < b.endsAt.getTime() && b.startsAt.getTime() < a.endsAt.getTime();
