import { DateTime, IANAZone } from 'luxon';

/**
 * Wall-clock arithmetic in IANA zones, pure and exact to the millisecond. Local
 * wall-clock times are carried as "local milliseconds": the epoch milliseconds the
 * same wall-clock reading would have in UTC (2026-03-29T02:30 local is
 * Date.UTC(2026, 2, 29, 2, 30) whatever the zone), so date arithmetic on them never
 * meets a DST change; only `localToInstant` crosses into real instants.
 */

export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

/** A zone's offset function; undefined when `name` is not an IANA zone this runtime knows. */
export function zoneNamed(name: string): IANAZone | undefined {
  // IANAZone.create never throws; it marks an unknown name invalid instead.
  const zone = IANAZone.create(name);
  return zone.isValid ? zone : undefined;
}

/**
 * The spelling to store for an IANA zone, undefined when unknown: the runtime's
 * spelling when only the case differs ("europe/berlin" -> "Europe/Berlin"), else the
 * name as given. V8 resolves zones to CLDR's legacy ids (Node 20 turns "Asia/Kolkata"
 * into "Asia/Calcutta" and "Europe/Kyiv" into "Europe/Kiev"), which a user who typed
 * the current name should not get back; a lowercase alias still takes the runtime's.
 */
export function canonicalTimeZone(name: string): string | undefined {
  const trimmed = name.trim();
  if (!zoneNamed(trimmed)) return undefined;
  let resolved: string;
  try {
    resolved = new Intl.DateTimeFormat('en', { timeZone: trimmed }).resolvedOptions().timeZone;
  } catch {
    return undefined;
  }
  if (resolved.toLowerCase() === trimmed.toLowerCase()) return resolved;
  return trimmed === trimmed.toLowerCase() ? resolved : trimmed;
}

const offsetMs = (zone: IANAZone, instant: number) => zone.offset(instant) * MINUTE_MS;

/**
 * The instant of a local wall-clock reading, decided the way RFC 5545 (3.3.5) and
 * Temporal's `disambiguation: 'compatible'` decide it:
 * - a reading that occurs twice (the repeated hour when clocks fall back) is its
 *   first occurrence, i.e. with the offset in force before the change;
 * - a reading that never occurs (skipped when clocks spring forward) is read with the
 *   offset before the gap, which moves it forward by the gap's length: 02:30 on
 *   2026-03-29 in Europe/Berlin is 03:30 CEST.
 * Luxon's own `DateTime.fromObject` guesses the offset from the current date, so its
 * answer for a repeated hour depends on when the code runs; this function does not.
 * It assumes at most one offset change within a day either side of `local`, true of
 * every zone in the tz database since 1970.
 */
export function localToInstant(zone: IANAZone, local: number): number {
  const before = offsetMs(zone, local - DAY_MS);
  const after = offsetMs(zone, local + DAY_MS);
  const early = local - before;
  const late = local - after;
  const earlyValid = offsetMs(zone, early) === before;
  const lateValid = offsetMs(zone, late) === after;
  if (earlyValid && lateValid) return Math.min(early, late);
  if (earlyValid) return early;
  if (lateValid) return late;
  return early;
}

/** The local wall-clock reading (local milliseconds) of an instant. */
export const instantToLocal = (zone: IANAZone, instant: number): number => instant + offsetMs(zone, instant);

/** Days since 1970-01-01 of a local reading: the key of a local date. */
export const epochDayOf = (local: number): number => Math.floor(local / DAY_MS);

/** ISO weekday (1 = Monday ... 7 = Sunday) of an epoch day; 1970-01-01 was a Thursday. */
export const isoWeekdayOf = (epochDay: number): number => ((((epochDay + 3) % 7) + 7) % 7) + 1;

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** The epoch day of a 'YYYY-MM-DD' date, undefined when it is no real date (2026-02-30). */
export function parseLocalDate(text: string): number | undefined {
  const match = DATE.exec(text);
  if (!match) return undefined;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const local = Date.UTC(year, month - 1, day);
  const check = new Date(local);
  if (check.getUTCFullYear() !== year || check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day)
    return undefined;
  return epochDayOf(local);
}

/** 'YYYY-MM-DD' of an epoch day. */
export const formatLocalDate = (epochDay: number): string =>
  new Date(epochDay * DAY_MS).toISOString().slice(0, 10);

const OFFSET = /(Z|[+-]\d{2}(:?\d{2})?)$/i;
const LOCAL_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?$/;

/**
 * An instant from ISO 8601 text. With an offset ('Z', '+02:00') the text names the
 * instant itself; without one it is a wall-clock reading in `zone`, resolved as
 * `localToInstant` does. Undefined when the text is neither.
 */
export function parseInstant(text: string, zone: IANAZone): number | undefined {
  const trimmed = text.trim();
  if (OFFSET.test(trimmed) && trimmed.includes('T')) {
    const parsed = DateTime.fromISO(trimmed, { setZone: true });
    return parsed.isValid ? parsed.toMillis() : undefined;
  }
  if (!LOCAL_DATE_TIME.test(trimmed)) return undefined;
  const reading = DateTime.fromISO(trimmed, { zone: 'utc' });
  return reading.isValid ? localToInstant(zone, reading.toMillis()) : undefined;
}

/** ISO 8601 with the zone's offset and no zero milliseconds: '2026-03-30T12:30:00+02:00'. */
export function formatInstant(instant: number, zoneName: string): string {
  const text = DateTime.fromMillis(instant, { zone: zoneName }).toISO({ suppressMilliseconds: true });
  if (text === null) throw new RangeError(`Cannot format ${instant} in ${zoneName}`);
  return text;
}

/** ISO 8601 in UTC: '2026-03-30T10:30:00Z'. */
export const formatInstantUtc = (instant: number): string => formatInstant(instant, 'UTC');
