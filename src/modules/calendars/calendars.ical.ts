import { createHash } from 'node:crypto';
import ICAL from 'ical.js';
import type { IANAZone } from 'luxon';
import { DAY_MS, formatLocalDate, localToInstant, zoneNamed } from './calendars.zone.ts';

/**
 * Reads holidays and closures out of an iCalendar (RFC 5545) file. Pure: the caller
 * passes the calendar's zone and the current time.
 * - an all-day VEVENT is a holiday on each of its days (DTEND is exclusive);
 * - a timed VEVENT is a closure [DTSTART, DTEND) (or DTSTART + DURATION);
 * - a recurring VEVENT (RRULE/RDATE, minus EXDATE, with RECURRENCE-ID overrides) is
 *   expanded to the occurrences that start within RECURRENCE_WINDOW_YEARS of `now`;
 *   importing the file again later moves the window on;
 * - times with a TZID that is an IANA zone are read in that zone from the tz database
 *   (which the file's VTIMEZONE copies); another TZID (Outlook's "W. Europe Standard
 *   Time") is read with the file's VTIMEZONE; UTC times are UTC; floating times (no
 *   TZID) are read in the calendar's own zone;
 * - cancelled events and events that are not holidays or closures (no start, no
 *   duration, an unknown zone, a recurrence too dense to expand) are skipped and
 *   reported, not fatal;
 * - an event without a UID gets one derived from its start and summary, so importing
 *   the same file twice still finds it.
 */

export interface ImportedHoliday {
  kind: 'holiday';
  uid: string;
  name: string;
  /** Local date, 'YYYY-MM-DD'. */
  date: string;
}

export interface ImportedClosure {
  kind: 'closure';
  uid: string;
  name: string;
  startsAt: Date;
  endsAt: Date;
}

export type ImportedEntry = ImportedHoliday | ImportedClosure;

export interface SkippedEvent {
  uid: string;
  summary: string;
  reason: string;
}

export interface ParsedICalendar {
  entries: ImportedEntry[];
  skipped: SkippedEvent[];
}

/** A file that cannot be read as iCalendar at all, or that expands beyond the limits. */
export class ICalendarError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ICalendarError';
  }
}

export const RECURRENCE_WINDOW_YEARS = 2;
export const MAX_IMPORT_ENTRIES = 5000;
const MAX_OCCURRENCES = 1500;
const MAX_ITERATIONS = 100_000;
const MAX_EVENT_DAYS = 366;
const NAME_MAX = 200;

type Time = ICAL.Time;

/** Skips the event it is thrown for, with a reason for the report. */
class Skip extends Error {}

/** Occurrences of an event as (item, start, end); the item is the master or an override. */
function occurrences(event: ICAL.Event, now: number): { item: ICAL.Event; start: Time; end: Time }[] {
  if (!event.isRecurring()) return [{ item: event, start: event.startDate, end: event.endDate }];
  const windowStart = now - RECURRENCE_WINDOW_YEARS * 366 * DAY_MS;
  const windowEnd = now + RECURRENCE_WINDOW_YEARS * 366 * DAY_MS;
  const found: { item: ICAL.Event; start: Time; end: Time }[] = [];
  const iterator = event.iterator();
  // Typed as always a Time, next() answers undefined once the recurrence is exhausted.
  const step: () => Time | undefined = () => iterator.next();
  for (let count = 0; ; count += 1) {
    if (count >= MAX_ITERATIONS) throw new Skip('its recurrence is too dense to expand');
    let next: Time | undefined;
    try {
      next = step();
    } catch (error) {
      throw new Skip(`its recurrence cannot be expanded (${(error as Error).message})`);
    }
    if (!next) break;
    const day = Date.UTC(next.year, next.month - 1, next.day);
    if (day > windowEnd) break;
    if (day < windowStart) continue;
    const details = event.getOccurrenceDetails(next) as { item: ICAL.Event; startDate: Time; endDate: Time };
    if (String(details.item.component.getFirstPropertyValue('status')).toUpperCase() === 'CANCELLED')
      continue;
    found.push({ item: details.item, start: details.startDate, end: details.endDate });
    if (found.length > MAX_OCCURRENCES) throw new Skip(`it recurs more than ${MAX_OCCURRENCES} times`);
  }
  return found;
}

const epochDayOfDate = (time: Time) => Date.UTC(time.year, time.month - 1, time.day) / DAY_MS;

function holidays(uid: string, name: string, start: Time, end: Time): ImportedHoliday[] {
  const first = epochDayOfDate(start);
  const last = Math.max(epochDayOfDate(end), first + 1);
  if (last - first > MAX_EVENT_DAYS) throw new Skip(`it lasts more than ${MAX_EVENT_DAYS} days`);
  const days: ImportedHoliday[] = [];
  for (let day = first; day < last; day += 1)
    days.push({ kind: 'holiday', uid, name, date: formatLocalDate(day) });
  return days;
}

export function parseICalendar(text: string, options: { timeZone: string; now: Date }): ParsedICalendar {
  const calendarZone = zoneNamed(options.timeZone);
  if (!calendarZone) throw new ICalendarError(`Unknown time zone ${options.timeZone}.`);
  let root: ICAL.Component;
  try {
    const parsed: unknown = ICAL.parse(text);
    root = new ICAL.Component(parsed as unknown[]);
  } catch (error) {
    throw new ICalendarError(`This is not an iCalendar file: ${(error as Error).message}`);
  }
  if (root.name !== 'vcalendar')
    throw new ICalendarError('This is not an iCalendar file: it has no VCALENDAR.');

  /** The instant of a DATE-TIME value of `property` ('dtstart', 'dtend') of a component. */
  const instantOf = (component: ICAL.Component, property: string, time: Time): number => {
    const tzid = component.getFirstProperty(property)?.getParameter('tzid');
    const local = Date.UTC(time.year, time.month - 1, time.day, time.hour, time.minute, time.second);
    if (time.zone.tzid === 'UTC') return local;
    const tzidText = typeof tzid === 'string' ? tzid : undefined;
    if (tzidText === undefined) return localToInstant(calendarZone, local);
    const zone: IANAZone | undefined = zoneNamed(tzidText);
    if (zone) return localToInstant(zone, local);
    const defined = root.getTimeZoneByID(tzidText) as ICAL.Timezone | null;
    if (!defined)
      throw new Skip(`its time zone "${tzidText}" is neither an IANA zone nor defined in the file`);
    const { year, month, day, hour, minute, second } = time;
    return (
      ICAL.Time.fromData({ year, month, day, hour, minute, second, isDate: false }, defined).toUnixTime() *
      1000
    );
  };

  const byUid = new Map<string, ICAL.Component[]>();
  for (const component of root.getAllSubcomponents('vevent')) {
    const given = component.getFirstPropertyValue('uid');
    const uid =
      typeof given === 'string' && given.trim() !== ''
        ? given.trim()
        : `generated-${createHash('sha256')
            .update(
              `${component.getFirstProperty('dtstart')?.toICALString() ?? ''}\n${String(component.getFirstPropertyValue('summary'))}`,
            )
            .digest('hex')
            .slice(0, 32)}`;
    byUid.set(uid, [...(byUid.get(uid) ?? []), component]);
  }

  const entries: ImportedEntry[] = [];
  const skipped: SkippedEvent[] = [];
  for (const [uid, components] of byUid) {
    const master = components.find((component) => !component.hasProperty('recurrence-id')) ?? components[0];
    if (!master) continue;
    const summary = String(master.getFirstPropertyValue('summary') ?? '').slice(0, NAME_MAX);
    try {
      if (String(master.getFirstPropertyValue('status')).toUpperCase() === 'CANCELLED')
        throw new Skip('it is cancelled');
      if (!master.hasProperty('dtstart')) throw new Skip('it has no DTSTART');
      const exceptions = components.filter(
        (component) => component !== master && component.hasProperty('recurrence-id'),
      );
      const event = new ICAL.Event(master, { exceptions });
      const found: ImportedEntry[] = [];
      const seen = new Set<string>();
      for (const { item, start, end } of occurrences(event, options.now.getTime())) {
        // The override's own summary, if it has one.
        const name = String(item.component.getFirstPropertyValue('summary') ?? summary).slice(0, NAME_MAX);
        if (start.isDate) {
          for (const holiday of holidays(uid, name, start, end)) {
            if (!seen.has(holiday.date)) found.push(holiday);
            seen.add(holiday.date);
          }
          continue;
        }
        const from = instantOf(item.component, 'dtstart', start);
        // A recurring occurrence keeps its event's length; a single event ends at its own DTEND.
        const length = item.component.hasProperty('dtend')
          ? instantOf(item.component, 'dtend', item.endDate) -
            instantOf(item.component, 'dtstart', item.startDate)
          : item.duration.toSeconds() * 1000;
        if (!(length > 0)) throw new Skip('it has no duration (DTEND or DURATION)');
        const key = String(from);
        if (!seen.has(key))
          found.push({
            kind: 'closure',
            uid,
            name,
            startsAt: new Date(from),
            endsAt: new Date(from + length),
          });
        seen.add(key);
      }
      entries.push(...found);
    } catch (error) {
      if (!(error instanceof Skip)) throw error;
      skipped.push({ uid, summary, reason: `Skipped because ${error.message}.` });
    }
    if (entries.length > MAX_IMPORT_ENTRIES)
      throw new ICalendarError(
        `The file expands to more than ${MAX_IMPORT_ENTRIES} holidays and closures; split it.`,
      );
  }
  return { entries, skipped };
}
