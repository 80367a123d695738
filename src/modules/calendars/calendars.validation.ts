import type { IANAZone } from 'luxon';
import { commonErrors, type FieldErrors } from '../../platform/http/errors.ts';
import type { ClosureKind } from './calendars.tables.ts';
import { checkWeekly, type WeeklyHours, type WeeklySchedule } from './calendars.weekly.ts';
import { canonicalTimeZone, formatLocalDate, parseInstant, parseLocalDate } from './calendars.zone.ts';

/** A calendar's fields as a client gives them; a PATCH gives some. */
export interface CalendarInput {
  name?: string;
  description?: string;
  /** IANA zone, e.g. Europe/Berlin; stored in its canonical spelling. */
  timeZone?: string;
  /** Replaces the whole week: weekdays left out are closed. */
  weekly?: WeeklySchedule;
}

/** A holiday (`date`) or a closure (`startsAt`-`endsAt`, ISO 8601; without an offset, in the calendar's zone). */
export interface ClosureInput {
  kind: ClosureKind;
  name?: string;
  date?: string;
  startsAt?: string | Date;
  endsAt?: string | Date;
}

export interface CheckedCalendar {
  name?: string;
  description?: string;
  timeZone?: string;
  weekly?: WeeklyHours;
}

export type CheckedClosure =
  | { kind: 'holiday'; name: string; date: string }
  | { kind: 'closure'; name: string; startsAt: Date; endsAt: Date };

const NAME_MAX = 200;

function collector() {
  const fields: FieldErrors = {};
  return {
    add: (field: string, message: string) => (fields[field] ??= []).push(message),
    done: () => {
      if (Object.keys(fields).length > 0) throw commonErrors.VALIDATION_FAILED({ fields });
    },
  };
}

/** Checks a calendar's fields, collecting every problem; answers them normalized (trimmed name, canonical zone). */
export function checkedCalendar(input: CalendarInput, creating: boolean): CheckedCalendar {
  const { add, done } = collector();
  const name = input.name?.trim();
  if (name === undefined) {
    if (creating) add('name', 'This field is required.');
  } else if (name === '') add('name', 'This field may not be blank.');
  else if (name.length > NAME_MAX) add('name', `Ensure this field has no more than ${NAME_MAX} characters.`);
  let timeZone: string | undefined;
  if (input.timeZone !== undefined) {
    timeZone = canonicalTimeZone(input.timeZone);
    if (!timeZone)
      add('time_zone', `"${input.timeZone}" is not a known IANA time zone (e.g. Europe/Berlin).`);
  }
  let weekly: WeeklyHours | undefined;
  if (input.weekly === undefined) {
    if (creating) add('weekly', 'This field is required.');
  } else {
    const checked = checkWeekly(input.weekly);
    for (const problem of checked.problems) add(problem.path, problem.message);
    weekly = checked.hours;
  }
  done();
  return { name, description: input.description, timeZone, weekly };
}

/** Checks a holiday or closure against its calendar's zone. */
export function checkedClosure(input: ClosureInput, zone: IANAZone): CheckedClosure {
  const { add, done } = collector();
  const name = (input.name ?? '').trim();
  if (name.length > NAME_MAX) add('name', `Ensure this field has no more than ${NAME_MAX} characters.`);
  const instant = (field: string, value: string | Date | undefined): Date | undefined => {
    if (value === undefined) {
      add(field, 'This field is required for a closure.');
      return undefined;
    }
    const ms = value instanceof Date ? value.getTime() : parseInstant(value, zone);
    if (ms === undefined || Number.isNaN(ms)) {
      add(
        field,
        `Use ISO 8601, e.g. 2026-12-24T12:00:00+01:00; without an offset it is read in ${zone.name}.`,
      );
      return undefined;
    }
    return new Date(ms);
  };
  if (input.kind === 'holiday') {
    const day = input.date === undefined ? undefined : parseLocalDate(input.date);
    if (input.date === undefined) add('date', 'This field is required for a holiday.');
    else if (day === undefined) add('date', 'Date has wrong format. Use YYYY-MM-DD.');
    for (const [field, value] of [
      ['starts_at', input.startsAt],
      ['ends_at', input.endsAt],
    ] as const) {
      if (value !== undefined) add(field, 'A holiday is a whole local date; give only "date".');
    }
    done();
    return { kind: 'holiday', name, date: formatLocalDate(day ?? 0) };
  }
  if (input.date !== undefined)
    add('date', 'A closure is a range of instants; give "starts_at" and "ends_at".');
  const startsAt = instant('starts_at', input.startsAt);
  const endsAt = instant('ends_at', input.endsAt);
  if (startsAt && endsAt && endsAt <= startsAt) add('ends_at', 'A closure must end after it starts.');
  done();
  return { kind: 'closure', name, startsAt: startsAt ?? new Date(0), endsAt: endsAt ?? new Date(0) };
}
