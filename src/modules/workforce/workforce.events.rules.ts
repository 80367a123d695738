import { DateTime, IANAZone } from 'luxon';
import { commonErrors, fieldError, type FieldErrors } from '../../platform/http/errors.ts';
import type { EventException, EventStatus, EventType } from './workforce.events.repository.ts';
import {
  checkSeries,
  expandOccurrences,
  normaliseRRule,
  RecurrenceError,
  type Occurrence,
  type Series,
} from './workforce.events.recurrence.ts';

/*
 * The rules of scheduled events that need no database: input checks, the series as
 * stored, the window conflicts are looked for in, and interval overlap.
 */

/** Conflicts are looked for in a recurring event's next year of occurrences (or up to its rule's end). */
export const CONFLICT_HORIZON_DAYS = 365;
export const MAX_CONFLICTS_LISTED = 200;
export const DAY_MS = 86_400_000;
export const TITLE_MAX = 300;

export interface EventInput {
  title?: string;
  description?: string;
  eventType?: EventType;
  startsAt?: Date;
  endsAt?: Date;
  /** IANA zone the recurrence keeps its wall-clock time in; default the location's, else the creator's. */
  timeZone?: string;
  /** RFC 5545 RRULE without DTSTART; null makes the event one-off. */
  rrule?: string | null;
  locationId?: number | null;
  facilityId?: number | null;
  assigneeIds?: number[];
  status?: EventStatus;
}

export interface WriteOptions {
  /** The version the caller last read (If-Match); a mismatch is VERSION_CONFLICT. */
  expectedVersion?: number;
  /** Schedule despite conflicts (managers and admins); the audit row records it and the conflicts. */
  override?: boolean;
}

/** Something a person is already booked for, in the way of a new assignment. */
export interface Conflict {
  userId: number;
  kind: 'event' | 'time_off';
  /** The other event's id, or the time-off request's. */
  id: number;
  title: string;
  startsAt: Date;
  endsAt: Date;
}

export const toSecond = (date: Date) => new Date(Math.floor(date.getTime() / 1000) * 1000);
/** The wire form of a conflict (it travels in the 409's body and in the audit row). */
export const conflictJson = (conflict: Conflict) => ({
  user_id: conflict.userId,
  kind: conflict.kind,
  id: conflict.id,
  title: conflict.title,
  starts_at: conflict.startsAt.toISOString(),
  ends_at: conflict.endsAt.toISOString(),
});

function canonicalTimeZone(zone: string): string | undefined {
  if (!IANAZone.isValidZone(zone)) return undefined;
  return new Intl.DateTimeFormat('en', { timeZone: zone }).resolvedOptions().timeZone;
}

/** Field checks shared by create and update; every problem at once, field names as v2 spells them. */
export function validated(input: EventInput, creating: boolean): EventInput {
  const fields: FieldErrors = {};
  const add = (field: string, message: string) => (fields[field] ??= []).push(message);
  const out: EventInput = { ...input };
  if (input.title !== undefined) out.title = input.title.trim();
  if (out.title === undefined) {
    if (creating) add('title', 'This field is required.');
  } else if (out.title === '') add('title', 'This field may not be blank.');
  else if (out.title.length > TITLE_MAX)
    add('title', `Ensure this field has no more than ${TITLE_MAX} characters.`);
  for (const [field, value] of [
    ['starts_at', input.startsAt],
    ['ends_at', input.endsAt],
  ] as const) {
    if (value === undefined) {
      if (creating) add(field, 'This field is required.');
    } else if (Number.isNaN(value.getTime())) add(field, 'Datetime has wrong format. Use ISO 8601.');
  }
  if (out.startsAt && !Number.isNaN(out.startsAt.getTime())) out.startsAt = toSecond(out.startsAt);
  if (out.endsAt && !Number.isNaN(out.endsAt.getTime())) out.endsAt = toSecond(out.endsAt);
  if (input.timeZone !== undefined) {
    const zone = canonicalTimeZone(input.timeZone);
    if (zone) out.timeZone = zone;
    else add('time_zone', `"${input.timeZone}" is not a known time zone.`);
  }
  if (typeof input.rrule === 'string') {
    try {
      out.rrule = normaliseRRule(input.rrule);
    } catch (error) {
      if (!(error instanceof RecurrenceError)) throw error;
      add('rrule', error.message);
    }
  }
  if (input.assigneeIds) out.assigneeIds = [...new Set(input.assigneeIds)];
  if (Object.keys(fields).length > 0) throw commonErrors.VALIDATION_FAILED({ fields });
  return out;
}

/** The series as it will be stored, checked as a whole: end after start, the start an occurrence of the rule. */
export function checkedSeries(series: Series): Series {
  if (series.endsAt.getTime() <= series.startsAt.getTime())
    throw fieldError('ends_at', 'The end must be after the start.');
  try {
    checkSeries(series);
  } catch (error) {
    if (error instanceof RecurrenceError) throw fieldError('rrule', error.message);
    throw error;
  }
  return series;
}

/** The occurrences a write is checked against: a one-off event's only one, a series' next year of them. */
export function horizonOccurrences(
  series: Series,
  exceptions: EventException[],
  now = Date.now(),
): Occurrence[] {
  const from = series.rrule === null ? series.startsAt.getTime() : Math.max(series.startsAt.getTime(), now);
  const to = series.rrule === null ? series.endsAt.getTime() : from + CONFLICT_HORIZON_DAYS * DAY_MS;
  return expandOccurrences(series, exceptions, { from: new Date(from), to: new Date(to) }).occurrences;
}

/**
 * Whether `interval` overlaps any of `sorted` (by start), whose longest lasts
 * `maxDurationMs`: a binary search, then a short scan back.
 */
export function overlapsAny(
  sorted: readonly Occurrence[],
  maxDurationMs: number,
  interval: { startsAt: Date; endsAt: Date },
): boolean {
  const start = interval.startsAt.getTime();
  const end = interval.endsAt.getTime();
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((sorted[mid] as Occurrence).startsAt.getTime() < end) lo = mid + 1;
    else hi = mid;
  }
  for (let i = lo - 1; i >= 0; i -= 1) {
    const candidate = sorted[i] as Occurrence;
    if (candidate.startsAt.getTime() + maxDurationMs <= start) break;
    if (candidate.endsAt.getTime() > start) return true;
  }
  return false;
}

/** The `userId`'s approved days off as instants: from local midnight of the first day to local midnight after the last. */
export function timeOffInterval(
  zone: string,
  startDate: string,
  endDate: string,
): { startsAt: Date; endsAt: Date } {
  const valid = IANAZone.isValidZone(zone) ? zone : 'UTC';
  return {
    startsAt: DateTime.fromISO(startDate, { zone: valid }).toJSDate(),
    endsAt: DateTime.fromISO(endDate, { zone: valid }).plus({ days: 1 }).toJSDate(),
  };
}
