import { describe, expect, it } from 'vitest';
import {
  ICalendarError,
  parseICalendar,
  type ImportedClosure,
  type ImportedEntry,
} from './calendars.ical.ts';

const now = new Date('2026-06-01T00:00:00Z');
const wrap = (...events: string[]) =>
  ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//Opsdesk//Test//EN', ...events, 'END:VCALENDAR'].join('\r\n');
const event = (...lines: string[]) => ['BEGIN:VEVENT', ...lines, 'END:VEVENT'].join('\r\n');
const parse = (text: string, timeZone = 'Europe/Berlin') => parseICalendar(text, { timeZone, now });
const closures = (entries: ImportedEntry[]) =>
  entries
    .filter((entry): entry is ImportedClosure => entry.kind === 'closure')
    .map((entry) => [entry.uid, entry.startsAt.toISOString(), entry.endsAt.toISOString()]);
const holidays = (entries: ImportedEntry[]) =>
  entries.flatMap((entry) => (entry.kind === 'holiday' ? [[entry.uid, entry.date, entry.name]] : []));

const OUTLOOK_ZONE = [
  'BEGIN:VTIMEZONE',
  'TZID:W. Europe Standard Time',
  'BEGIN:STANDARD',
  'DTSTART:16010101T030000',
  'TZOFFSETFROM:+0200',
  'TZOFFSETTO:+0100',
  'RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10',
  'END:STANDARD',
  'BEGIN:DAYLIGHT',
  'DTSTART:16010101T020000',
  'TZOFFSETFROM:+0100',
  'TZOFFSETTO:+0200',
  'RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3',
  'END:DAYLIGHT',
  'END:VTIMEZONE',
].join('\r\n');

describe('iCalendar import parsing', () => {
  it('makes each day of an all-day event a holiday (DTEND exclusive) and a timed event a closure', () => {
    const { entries, skipped } = parse(
      wrap(
        event('UID:xmas', 'SUMMARY:Christmas', 'DTSTART;VALUE=DATE:20261225', 'DTEND;VALUE=DATE:20261227'),
        event('UID:one-day', 'SUMMARY:Day off', 'DTSTART;VALUE=DATE:20260501'),
        event(
          'UID:eve',
          'SUMMARY:Christmas Eve',
          'DTSTART;TZID=Europe/Berlin:20261224T120000',
          'DTEND;TZID=Europe/Berlin:20261224T170000',
        ),
      ),
    );
    expect(skipped).toEqual([]);
    expect(holidays(entries)).toEqual([
      ['xmas', '2026-12-25', 'Christmas'],
      ['xmas', '2026-12-26', 'Christmas'],
      ['one-day', '2026-05-01', 'Day off'],
    ]);
    expect(closures(entries)).toEqual([['eve', '2026-12-24T11:00:00.000Z', '2026-12-24T16:00:00.000Z']]);
  });

  it('reads UTC times as UTC, floating times in the calendar zone, and DURATION as the length', () => {
    const { entries } = parse(
      wrap(
        event('UID:utc', 'DTSTART:20260701T120000Z', 'DTEND:20260701T130000Z'),
        event('UID:floating', 'DTSTART:20260701T120000', 'DURATION:PT2H30M'),
      ),
      'America/New_York',
    );
    expect(closures(entries)).toEqual([
      ['utc', '2026-07-01T12:00:00.000Z', '2026-07-01T13:00:00.000Z'],
      ['floating', '2026-07-01T16:00:00.000Z', '2026-07-01T18:30:00.000Z'],
    ]);
  });

  it("reads a non-IANA TZID with the file's VTIMEZONE, and skips one the file does not define", () => {
    const { entries, skipped } = parse(
      wrap(
        OUTLOOK_ZONE,
        event('UID:outlook', 'DTSTART;TZID=W. Europe Standard Time:20260701T120000', 'DURATION:PT2H'),
        event('UID:unknown', 'SUMMARY:Lost', 'DTSTART;TZID=Middle Earth:20260701T120000', 'DURATION:PT2H'),
      ),
    );
    expect(closures(entries)).toEqual([['outlook', '2026-07-01T10:00:00.000Z', '2026-07-01T12:00:00.000Z']]);
    expect(skipped).toEqual([
      {
        uid: 'unknown',
        summary: 'Lost',
        reason:
          'Skipped because its time zone "Middle Earth" is neither an IANA zone nor defined in the file.',
      },
    ]);
  });

  it('expands a recurring holiday within two years of now, minus EXDATEs', () => {
    const { entries } = parse(
      wrap(
        event(
          'UID:new-year',
          'SUMMARY:New Year',
          'DTSTART;VALUE=DATE:20200101',
          'RRULE:FREQ=YEARLY',
          'EXDATE;VALUE=DATE:20270101',
        ),
      ),
    );
    expect(holidays(entries).map(([, date]) => date)).toEqual(['2025-01-01', '2026-01-01', '2028-01-01']);
  });

  it('expands a weekly closure in its zone across DST, honouring a moved occurrence', () => {
    const { entries } = parse(
      wrap(
        event(
          'UID:weekly',
          'DTSTART;TZID=Europe/Berlin:20261018T100000',
          'DTEND;TZID=Europe/Berlin:20261018T110000',
          'RRULE:FREQ=WEEKLY;COUNT=3',
        ),
        event(
          'UID:weekly',
          'RECURRENCE-ID;TZID=Europe/Berlin:20261101T100000',
          'DTSTART;TZID=Europe/Berlin:20261101T140000',
          'DTEND;TZID=Europe/Berlin:20261101T143000',
        ),
      ),
    );
    expect(closures(entries)).toEqual([
      ['weekly', '2026-10-18T08:00:00.000Z', '2026-10-18T09:00:00.000Z'],
      ['weekly', '2026-10-25T09:00:00.000Z', '2026-10-25T10:00:00.000Z'],
      ['weekly', '2026-11-01T13:00:00.000Z', '2026-11-01T13:30:00.000Z'],
    ]);
  });

  it('skips cancelled and zero-length events with a reason', () => {
    const { entries, skipped } = parse(
      wrap(
        event('UID:cancelled', 'STATUS:CANCELLED', 'DTSTART;VALUE=DATE:20260501'),
        event('UID:instant', 'DTSTART:20260701T120000Z'),
      ),
    );
    expect(entries).toEqual([]);
    expect(skipped.map((skip) => [skip.uid, skip.reason])).toEqual([
      ['cancelled', 'Skipped because it is cancelled.'],
      ['instant', 'Skipped because it has no duration (DTEND or DURATION).'],
    ]);
  });

  it('derives a stable UID for an event without one', () => {
    const text = wrap(event('SUMMARY:Anonymous', 'DTSTART;VALUE=DATE:20260501'));
    const [first] = parse(text).entries;
    expect(first?.uid).toMatch(/^generated-[0-9a-f]{32}$/);
    expect(parse(text).entries[0]?.uid).toBe(first?.uid);
  });

  it('refuses a file that is not iCalendar, or one that expands too far', () => {
    expect(() => parse('hello')).toThrow(ICalendarError);
    expect(() => parse('BEGIN:VCARD\r\nEND:VCARD')).toThrow(/no VCALENDAR/);
    const daily = [1, 2, 3, 4, 5].map((n) =>
      event(`UID:daily-${n}`, 'DTSTART:20250101T120000Z', 'DURATION:PT1H', 'RRULE:FREQ=DAILY'),
    );
    expect(() => parse(wrap(...daily))).toThrow(/more than 5000/);
  });
});
