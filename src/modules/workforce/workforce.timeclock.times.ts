import type { Actor } from '../../platform/auth/actor.ts';
import { commonErrors, fieldError, type FieldErrors } from '../../platform/http/errors.ts';
import { workforceErrors } from './workforce.errors.ts';
import { isAdmin } from './workforce.policy.ts';
import { addDays, isTimeOfDay, localDateOf, parseTime } from './workforce.time.ts';
import type { EntryInput, ResolvedTimes, TimeInput } from './workforce.timeclock.types.ts';

// The rules about the times of a time entry, apart from storage.

/** Times this close to now count as "now": clocks of phones and servers differ a little. */
const CLOCK_SKEW_MS = 5 * 60_000;
const MAX_ENTRY_MS = 24 * 3600_000;
const BAD_TIME = 'Datetime has wrong format. Use ISO 8601 (2026-01-31T09:00:00+01:00) or HH:MM.';

const isManager = (actor: Actor) => isAdmin(actor) || actor.role === 'manager';

/** A time the caller gives for "now": near now for anyone, other times for managers only. */
export function checkAt(actor: Actor, input: TimeInput, zone: string, now: Date, field = 'at'): Date {
  const at = parseTime(input, zone, localDateOf(now, zone));
  if (!at) throw fieldError(field, BAD_TIME);
  if (at.getTime() > now.getTime() + CLOCK_SKEW_MS) throw fieldError(field, 'This time is in the future.');
  if (at.getTime() < now.getTime() - CLOCK_SKEW_MS && !isManager(actor)) {
    throw workforceErrors.WORKFORCE_FORBIDDEN({
      message: 'Only a manager can record a time in the past; ask yours to correct the entry.',
    });
  }
  return at;
}

/** Reads the times of a manual entry or a correction; bare times on `date`, overnight when needed. */
export function resolveTimes(
  input: EntryInput,
  zone: string,
  current: (ResolvedTimes & { date: string }) | undefined,
  now: Date,
): ResolvedTimes {
  const baseDate = input.date ?? current?.date ?? localDateOf(now, zone);
  const read = (value: TimeInput, field: string, notBefore?: Date): Date => {
    const parsed = parseTime(value, zone, baseDate);
    if (!parsed) throw fieldError(field, BAD_TIME);
    // '06:00' after a '22:00' clock-in is the next morning.
    if (notBefore && isTimeOfDay(value) && parsed <= notBefore)
      return parseTime(value, zone, addDays(baseDate, 1)) ?? parsed;
    return parsed;
  };
  const clockIn = input.clockIn !== undefined ? read(input.clockIn, 'clock_in') : current?.clockIn;
  if (!clockIn) throw fieldError('clock_in', 'This field is required.');
  const clockOut =
    input.clockOut === undefined
      ? (current?.clockOut ?? null)
      : input.clockOut === null
        ? null
        : read(input.clockOut, 'clock_out', clockIn);
  let breaks = current?.breaks ?? [];
  if (input.breaks !== undefined) {
    breaks = input.breaks.map((item) => {
      const startsAt = read(item.start, 'breaks', clockIn);
      return { startsAt, endsAt: item.end === null ? null : read(item.end, 'breaks', startsAt) };
    });
  } else if (input.breakStart !== undefined || input.breakEnd !== undefined) {
    const [first, ...rest] = breaks;
    if (input.breakStart === null) breaks = rest;
    else {
      const startsAt =
        input.breakStart === undefined ? first?.startsAt : read(input.breakStart, 'break_start', clockIn);
      if (!startsAt) throw fieldError('break_start', 'A break needs a start.');
      const endsAt =
        input.breakEnd === undefined
          ? (first?.endsAt ?? null)
          : input.breakEnd === null
            ? null
            : read(input.breakEnd, 'break_end', startsAt);
      breaks = [{ startsAt, endsAt }, ...rest];
    }
  }
  return {
    clockIn,
    clockOut,
    breaks: [...breaks].sort((a, b) => a.startsAt.getTime() - b.startsAt.getTime()),
  };
}

/** Every rule about an entry's times, all problems at once. */
export function validateTimes(times: ResolvedTimes, now: Date): void {
  const fields: FieldErrors = {};
  const add = (field: string, message: string) => (fields[field] ??= []).push(message);
  const { clockIn, clockOut, breaks } = times;
  const latest = now.getTime() + CLOCK_SKEW_MS;
  if (clockIn.getTime() > latest) add('clock_in', 'This time is in the future.');
  if (clockOut) {
    if (clockOut <= clockIn) add('clock_out', 'Clock-out must be after clock-in.');
    else if (clockOut.getTime() - clockIn.getTime() > MAX_ENTRY_MS)
      add('clock_out', 'An entry cannot be longer than 24 hours.');
    if (clockOut.getTime() > latest) add('clock_out', 'This time is in the future.');
  }
  const end = clockOut ?? new Date(latest);
  let previousEnd = clockIn.getTime();
  breaks.forEach((item, index) => {
    const open = item.endsAt === null;
    if (open && (clockOut || index !== breaks.length - 1))
      add('breaks', 'Only the last break of an open entry can be open.');
    if (item.endsAt && item.endsAt <= item.startsAt) add('breaks', 'A break must end after it starts.');
    if (item.startsAt.getTime() < previousEnd || (item.endsAt ?? item.startsAt) > end)
      add('breaks', 'Breaks must fall within the entry and not overlap.');
    previousEnd = item.endsAt?.getTime() ?? Number.POSITIVE_INFINITY;
  });
  if (Object.keys(fields).length > 0) throw commonErrors.VALIDATION_FAILED({ fields });
}
