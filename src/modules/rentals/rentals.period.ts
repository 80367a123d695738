import { DateTime } from 'luxon';
import { fieldError } from '../../platform/http/errors.ts';
import type { BusinessCalendar, OpenInterval } from '../calendars/index.ts';
import type { RentalProduct } from './rentals.tables.ts';

const MINUTE_MS = 60_000;
const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

export interface RentalPeriod {
  start: Date;
  end: Date;
}

/** The closed stretches of [from, to) given its open ones (ordered, maximal). */
export function closedIntervals(open: OpenInterval[], from: Date, to: Date): OpenInterval[] {
  const closed: OpenInterval[] = [];
  let cursor = from;
  for (const interval of open) {
    if (interval.start > cursor) closed.push({ start: cursor, end: interval.start });
    if (interval.end > cursor) cursor = interval.end;
  }
  if (cursor < to) closed.push({ start: cursor, end: to });
  return closed;
}

/** The open stretches of one local date in the calendar's zone. */
function openOnDate(calendar: BusinessCalendar, date: string): OpenInterval[] {
  const day = DateTime.fromISO(date, { zone: calendar.timeZone }).startOf('day');
  return calendar.openIntervals(day.toJSDate(), day.plus({ days: 1 }).toJSDate());
}

function parseDateOnly(field: string, value: string): void {
  if (!DateTime.fromISO(value, { zone: 'UTC' }).isValid)
    throw fieldError(field, 'Date has wrong format. Use YYYY-MM-DD.');
}

/**
 * Maps the client's start and end to instants. A whole date means the day as the
 * shop keeps it: the start is that date's opening time and the end that date's
 * closing time in the calendar's zone (so "2024-08-15".."2024-08-20" is pickup at
 * opening on the 15th, return by closing on the 20th). Without a calendar, a date is
 * the UTC day: 00:00 of the start date to 24:00 of the end date. A datetime (ISO 8601
 * with an offset) is taken as it is.
 */
export function resolvePeriod(
  startText: string,
  endText: string,
  calendar: BusinessCalendar | null,
): RentalPeriod {
  const resolve = (field: 'rental_start' | 'rental_end', text: string): Date => {
    if (!DATE_ONLY.test(text)) {
      const instant = DateTime.fromISO(text, { setZone: true });
      if (!instant.isValid || !/[zZ]|[+-]\d{2}:?\d{2}$/.test(text))
        throw fieldError(field, 'Use a date (YYYY-MM-DD) or a datetime with an offset (ISO 8601).');
      return instant.toJSDate();
    }
    parseDateOnly(field, text);
    if (!calendar) {
      const day = DateTime.fromISO(text, { zone: 'UTC' });
      return (field === 'rental_start' ? day : day.plus({ days: 1 })).toJSDate();
    }
    const open = openOnDate(calendar, text);
    const edge = field === 'rental_start' ? open[0]?.start : open.at(-1)?.end;
    if (!edge) throw fieldError(field, `The shop is closed on ${text}.`);
    return edge;
  };
  const period = { start: resolve('rental_start', startText), end: resolve('rental_end', endText) };
  if (period.end <= period.start) throw fieldError('rental_end', 'The rental must end after it starts.');
  return period;
}

/**
 * The product's rules for a period: pickup and return in the open hours of its
 * calendar, at least its lead time ahead of `now`, at least its minimum duration.
 * Returns the field errors (empty when the period is fine).
 */
export function periodProblems(
  product: RentalProduct,
  calendar: BusinessCalendar | null,
  period: RentalPeriod,
  now: Date,
): Record<string, string[]> {
  const problems: Record<string, string[]> = {};
  const add = (field: string, message: string) => (problems[field] ??= []).push(message);
  if (period.start.getTime() < now.getTime() + product.leadTimeMinutes * MINUTE_MS)
    add('rental_start', `${product.name} must be booked at least ${product.leadTimeMinutes} minutes ahead.`);
  if (period.end.getTime() - period.start.getTime() < product.minDurationMinutes * MINUTE_MS)
    add('rental_end', `${product.name} is rented for at least ${product.minDurationMinutes} minutes.`);
  if (calendar) {
    if (!calendar.isOpen(period.start))
      add('rental_start', `Pickup of ${product.name} must be in opening hours; the shop is closed then.`);
    const lastMoment = new Date(period.end.getTime() - 1);
    if (!calendar.isOpen(period.end) && !calendar.isOpen(lastMoment))
      add('rental_end', `Return of ${product.name} must be in opening hours; the shop is closed then.`);
  }
  return problems;
}

/** The span a unit is held for: the rental widened by the product's buffers before and after. */
export const bookedSpan = (product: RentalProduct, period: RentalPeriod): RentalPeriod => ({
  start: new Date(period.start.getTime() - product.bufferBeforeMinutes * MINUTE_MS),
  end: new Date(period.end.getTime() + product.bufferAfterMinutes * MINUTE_MS),
});
