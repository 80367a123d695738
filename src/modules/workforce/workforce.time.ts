import { DateTime } from 'luxon';

/** Weekly minutes above which a timesheet shows overtime, unless configured otherwise. */
export const DEFAULT_OVERTIME_THRESHOLD_MINUTES = 40 * 60;
const DAY_MS = 86_400_000;

// Pure time arithmetic of the workforce module (unit-tested in workforce.time.test.ts).

/** 'YYYY-MM-DD' plus whole days (calendar arithmetic, no zone involved). */
export const addDays = (date: string, days: number): string =>
  new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);

/** Whether the text is a real calendar date 'YYYY-MM-DD'. */
export const isDate = (text: string): boolean =>
  /^\d{4}-\d{2}-\d{2}$/.test(text) && DateTime.fromISO(text, { zone: 'utc' }).isValid;

/** The Monday of the ISO week of a date. */
export function isoWeekStart(date: string): string {
  const weekday = new Date(`${date}T00:00:00Z`).getUTCDay();
  return addDays(date, -((weekday + 6) % 7));
}

/** The local date of an instant in a zone. */
export function localDateOf(instant: Date, zone: string): string {
  const date = DateTime.fromJSDate(instant, { zone }).toISODate();
  if (date === null) throw new RangeError(`No local date for ${instant.toISOString()} in ${zone}`);
  return date;
}

/** The first instant of a local date in a zone (midnight, or the first moment after a gap). */
export function startOfLocalDay(date: string, zone: string): Date {
  return DateTime.fromISO(date, { zone }).startOf('day').toJSDate();
}

const TIME_OF_DAY = /^(\d{1,2}):(\d{2})(?::(\d{2}))?$/;

/**
 * An instant from what a client sends: a Date; ISO 8601 with an offset (the instant
 * itself); ISO 8601 without one (a wall-clock reading in `zone`); or a bare time
 * 'HH:MM[:SS]' on `baseDate` in `zone`. Undefined when it is none of these.
 */
export function parseTime(input: Date | string, zone: string, baseDate?: string): Date | undefined {
  if (input instanceof Date) return Number.isNaN(input.getTime()) ? undefined : input;
  const text = input.trim();
  const time = TIME_OF_DAY.exec(text);
  let parsed: DateTime;
  if (time) {
    if (!baseDate) return undefined;
    const [hours, minutes, seconds] = [time[1] ?? '', time[2] ?? '', time[3] ?? '00'];
    parsed = DateTime.fromISO(`${baseDate}T${hours.padStart(2, '0')}:${minutes}:${seconds}`, { zone });
  } else if (/^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}/.test(text)) {
    parsed = DateTime.fromISO(text.replace(' ', 'T'), { zone, setZone: true });
  } else return undefined;
  return parsed.isValid ? parsed.toJSDate() : undefined;
}

export const isTimeOfDay = (input: Date | string): boolean =>
  typeof input === 'string' && TIME_OF_DAY.test(input.trim());

/**
 * Worked minutes of an entry: the real time elapsed between clock-in and clock-out
 * (instants, so a night shift across a DST change counts the hours actually worked),
 * minus its breaks clipped to the entry and merged where they overlap.
 */
export function workedMinutes(
  clockIn: Date,
  clockOut: Date,
  breaks: readonly { startsAt: Date; endsAt: Date | null }[],
): number {
  const start = clockIn.getTime();
  const end = clockOut.getTime();
  const spans = breaks
    .map((item) => [Math.max(item.startsAt.getTime(), start), Math.min(item.endsAt?.getTime() ?? end, end)])
    .filter(([from = 0, to = 0]) => to > from)
    .sort((a, b) => (a[0] ?? 0) - (b[0] ?? 0));
  let breakMs = 0;
  let reached = start;
  for (const [from = 0, to = 0] of spans) {
    const clipped = Math.max(from, reached);
    if (to > clipped) breakMs += to - clipped;
    reached = Math.max(reached, to);
  }
  return Math.max(0, Math.round((end - start - breakMs) / 60_000));
}

export interface WeekSummary {
  days: { date: string; minutes: number }[];
  totalMinutes: number;
  overtimeMinutes: number;
}

/**
 * A week's minutes per day (an entry counts on the local date it started, so a night
 * shift belongs to the evening it began), total and overtime above the threshold.
 * Rejected and still-open entries count nothing.
 */
export function summariseWeek(
  weekStart: string,
  entries: readonly { date: string; workedMinutes: number | null; status: string }[],
  thresholdMinutes: number,
): WeekSummary {
  const days = Array.from({ length: 7 }, (_, index) => ({ date: addDays(weekStart, index), minutes: 0 }));
  for (const entry of entries) {
    const day = days.find((candidate) => candidate.date === entry.date);
    if (day && entry.status !== 'rejected') day.minutes += entry.workedMinutes ?? 0;
  }
  const totalMinutes = days.reduce((sum, day) => sum + day.minutes, 0);
  return { days, totalMinutes, overtimeMinutes: Math.max(0, totalMinutes - thresholdMinutes) };
}
