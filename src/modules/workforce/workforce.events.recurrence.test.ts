import { describe, expect, it } from 'vitest';
import {
  checkSeries,
  expandOccurrences,
  isOccurrence,
  normaliseRRule,
  occurrenceAt,
  occurrenceId,
  RecurrenceError,
  type OccurrenceException,
  type Series,
} from './workforce.events.recurrence.ts';

const at = (iso: string) => new Date(iso);
const isoStarts = (series: Series, from: string, to: string, exceptions: OccurrenceException[] = []) =>
  expandOccurrences(series, exceptions, { from: at(from), to: at(to) }).occurrences.map((o) =>
    o.startsAt.toISOString(),
  );

/** Monday 2026-03-16 09:00 Berlin (CET, +01:00), one hour, weekly. */
const weeklyBerlin: Series = {
  startsAt: at('2026-03-16T08:00:00Z'),
  endsAt: at('2026-03-16T09:00:00Z'),
  timeZone: 'Europe/Berlin',
  rrule: 'FREQ=WEEKLY;BYDAY=MO',
};

describe('expandOccurrences', () => {
  it('keeps a weekly 09:00 meeting at 09:00 local across the spring DST change (Europe/Berlin, 2026-03-29)', () => {
    const result = expandOccurrences(weeklyBerlin, [], {
      from: at('2026-03-01T00:00:00Z'),
      to: at('2026-04-10T00:00:00Z'),
    });
    expect(result.truncated).toBe(false);
    expect(result.occurrences.map((o) => [o.startsAt.toISOString(), o.endsAt.toISOString()])).toEqual([
      ['2026-03-16T08:00:00.000Z', '2026-03-16T09:00:00.000Z'],
      ['2026-03-23T08:00:00.000Z', '2026-03-23T09:00:00.000Z'],
      // CEST (+02:00) from 2026-03-29: still 09:00 local
      ['2026-03-30T07:00:00.000Z', '2026-03-30T08:00:00.000Z'],
      ['2026-04-06T07:00:00.000Z', '2026-04-06T08:00:00.000Z'],
    ]);
  });

  it('and back at the autumn change (2026-10-25)', () => {
    expect(isoStarts(weeklyBerlin, '2026-10-15T00:00:00Z', '2026-11-03T00:00:00Z')).toEqual([
      '2026-10-19T07:00:00.000Z',
      '2026-10-26T08:00:00.000Z',
      '2026-11-02T08:00:00.000Z',
    ]);
  });

  it('places a wall-clock time that happens twice at its first instant, and one that never happens after the gap', () => {
    const daily: Series = {
      startsAt: at('2026-03-27T01:30:00Z'), // 02:30 CET
      endsAt: at('2026-03-27T02:00:00Z'),
      timeZone: 'Europe/Berlin',
      rrule: 'FREQ=DAILY',
    };
    expect(isoStarts(daily, '2026-03-27T00:00:00Z', '2026-03-31T00:00:00Z')).toEqual([
      '2026-03-27T01:30:00.000Z',
      '2026-03-28T01:30:00.000Z',
      '2026-03-29T01:30:00.000Z', // 02:30 does not exist on the 29th: 03:30 CEST
      '2026-03-30T00:30:00.000Z',
    ]);
    const autumn: Series = {
      ...daily,
      startsAt: at('2026-10-24T00:30:00Z'),
      endsAt: at('2026-10-24T01:00:00Z'),
    };
    expect(isoStarts(autumn, '2026-10-24T00:00:00Z', '2026-10-26T12:00:00Z')).toEqual([
      '2026-10-24T00:30:00.000Z',
      '2026-10-25T00:30:00.000Z', // 02:30 happens twice on the 25th: the first, CEST
      '2026-10-26T01:30:00.000Z',
    ]);
  });

  it('stops after COUNT occurrences', () => {
    const series = { ...weeklyBerlin, rrule: 'FREQ=WEEKLY;BYDAY=MO;COUNT=3' };
    expect(isoStarts(series, '2026-01-01T00:00:00Z', '2027-01-01T00:00:00Z')).toEqual([
      '2026-03-16T08:00:00.000Z',
      '2026-03-23T08:00:00.000Z',
      '2026-03-30T07:00:00.000Z',
    ]);
  });

  it('stops at UNTIL: a UTC instant, a floating local time, or a whole local date', () => {
    const until = (rule: string) =>
      isoStarts({ ...weeklyBerlin, rrule: rule }, '2026-01-01T00:00:00Z', '2027-01-01T00:00:00Z').at(-1);
    expect(until('FREQ=WEEKLY;UNTIL=20260406T070000Z')).toBe('2026-04-06T07:00:00.000Z');
    expect(until('FREQ=WEEKLY;UNTIL=20260406T065959Z')).toBe('2026-03-30T07:00:00.000Z');
    expect(until('FREQ=WEEKLY;UNTIL=20260406T090000')).toBe('2026-04-06T07:00:00.000Z');
    expect(until('FREQ=WEEKLY;UNTIL=20260406T085959')).toBe('2026-03-30T07:00:00.000Z');
    expect(until('FREQ=WEEKLY;UNTIL=20260406')).toBe('2026-04-06T07:00:00.000Z');
  });

  it('bounds expansion by the window: only occurrences overlapping [from, to), half-open', () => {
    // The 2026-03-23 occurrence is 08:00-09:00Z.
    expect(isoStarts(weeklyBerlin, '2026-03-23T09:00:00Z', '2026-03-30T07:00:00Z')).toEqual([]);
    expect(isoStarts(weeklyBerlin, '2026-03-23T08:59:59Z', '2026-03-30T07:00:01Z')).toEqual([
      '2026-03-23T08:00:00.000Z',
      '2026-03-30T07:00:00.000Z',
    ]);
    // Nothing before the series starts, whatever the window.
    expect(isoStarts(weeklyBerlin, '2025-01-01T00:00:00Z', '2026-03-16T08:00:00Z')).toEqual([]);
    // A forever-repeating rule is cut by the window and by the limit.
    const daily = { ...weeklyBerlin, rrule: 'FREQ=DAILY' };
    const window = { from: at('2026-04-01T00:00:00Z'), to: at('2027-04-01T00:00:00Z') };
    expect(expandOccurrences(daily, [], window).occurrences).toHaveLength(365);
    const limited = expandOccurrences(daily, [], window, 10);
    expect(limited.occurrences).toHaveLength(10);
    expect(limited.truncated).toBe(true);
  });

  it('applies exceptions: cancelled, moved (found at the new time only) and retitled occurrences', () => {
    const exceptions: OccurrenceException[] = [
      {
        occurrenceStart: at('2026-03-23T08:00:00Z'),
        cancelled: true,
        startsAt: null,
        endsAt: null,
        title: null,
      },
      {
        occurrenceStart: at('2026-03-30T07:00:00Z'),
        cancelled: false,
        startsAt: at('2026-04-01T12:00:00Z'),
        endsAt: at('2026-04-01T14:00:00Z'),
        title: null,
      },
      {
        occurrenceStart: at('2026-04-06T07:00:00Z'),
        cancelled: false,
        startsAt: null,
        endsAt: null,
        title: 'Retro',
      },
      // Left behind by a rule change: not an occurrence, ignored.
      {
        occurrenceStart: at('2026-04-07T07:00:00Z'),
        cancelled: false,
        startsAt: at('2026-04-08T07:00:00Z'),
        endsAt: null,
        title: null,
      },
    ];
    const { occurrences } = expandOccurrences(weeklyBerlin, exceptions, {
      from: at('2026-03-16T00:00:00Z'),
      to: at('2026-04-10T00:00:00Z'),
    });
    expect(
      occurrences.map((o) => ({
        key: o.occurrenceStart.toISOString(),
        start: o.startsAt.toISOString(),
        end: o.endsAt.toISOString(),
        title: o.title,
        modified: o.modified,
      })),
    ).toEqual([
      {
        key: '2026-03-16T08:00:00.000Z',
        start: '2026-03-16T08:00:00.000Z',
        end: '2026-03-16T09:00:00.000Z',
        title: null,
        modified: false,
      },
      {
        key: '2026-03-30T07:00:00.000Z',
        start: '2026-04-01T12:00:00.000Z',
        end: '2026-04-01T14:00:00.000Z',
        title: null,
        modified: true,
      },
      {
        key: '2026-04-06T07:00:00.000Z',
        start: '2026-04-06T07:00:00.000Z',
        end: '2026-04-06T08:00:00.000Z',
        title: 'Retro',
        modified: true,
      },
    ]);
    // The moved occurrence is not at its old time any more, and is at its new one.
    expect(isoStarts(weeklyBerlin, '2026-03-30T00:00:00Z', '2026-03-31T00:00:00Z', exceptions)).toEqual([]);
    expect(isoStarts(weeklyBerlin, '2026-04-01T13:00:00Z', '2026-04-01T13:30:00Z', exceptions)).toEqual([
      '2026-04-01T12:00:00.000Z',
    ]);
  });

  it('gives a one-off event its single occurrence and ignores exceptions', () => {
    const once: Series = { ...weeklyBerlin, rrule: null };
    const cancel = [
      { occurrenceStart: once.startsAt, cancelled: true, startsAt: null, endsAt: null, title: null },
    ];
    expect(isoStarts(once, '2026-01-01T00:00:00Z', '2027-01-01T00:00:00Z', cancel)).toEqual([
      '2026-03-16T08:00:00.000Z',
    ]);
    expect(isoStarts(once, '2026-03-16T09:00:00Z', '2027-01-01T00:00:00Z')).toEqual([]);
  });
});

describe('normaliseRRule', () => {
  it('canonicalises case and drops an RRULE: prefix', () => {
    expect(normaliseRRule(' rrule:freq=weekly;byday=mo,we;count=10 ')).toBe(
      'FREQ=WEEKLY;BYDAY=MO,WE;COUNT=10',
    );
    expect(normaliseRRule('FREQ=MONTHLY;BYDAY=-1FR')).toBe('FREQ=MONTHLY;BYDAY=-1FR');
  });

  it.each([
    ['FREQ=WEEKLY;BYDAY=XX', 'BYDAY=XX is not a valid value.'],
    ['FREQ=DAILY;FOO=1', 'Unknown rule part FOO'],
    ['FREQ=HOURLY', 'FREQ=HOURLY is not allowed'],
    ['FREQ=MINUTELY', 'FREQ=MINUTELY is not allowed'],
    ['FREQ=DAILY;COUNT=3;UNTIL=20270101', 'Give COUNT or UNTIL, not both.'],
    ['FREQ=DAILY;DTSTART=20260101T000000Z', 'DTSTART is not part of the rule'],
    ['BYDAY=MO', 'FREQ is required.'],
    ['FREQ=DAILY;INTERVAL=0', 'INTERVAL=0 is not a valid value.'],
    ['FREQ=DAILY;COUNT=-1', 'COUNT=-1 is not a valid value.'],
    ['FREQ=DAILY;FREQ=WEEKLY', 'FREQ appears twice.'],
    ['FREQ=DAILY;;', 'is not a NAME=VALUE rule part'],
    ['', 'The rule is empty'],
  ])('rejects %s', (rule, message) => {
    expect(() => normaliseRRule(rule)).toThrow(RecurrenceError);
    expect(() => normaliseRRule(rule)).toThrow(message);
  });
});

describe('checkSeries and isOccurrence', () => {
  it("requires the start to be the rule's first occurrence, a known zone and an end after the start", () => {
    const check = (series: Series) => () => {
      checkSeries(series);
    };
    expect(check(weeklyBerlin)).not.toThrow();
    expect(check({ ...weeklyBerlin, rrule: 'FREQ=WEEKLY;BYDAY=TU' })).toThrow(
      "The event's start must be an occurrence of its rule",
    );
    expect(check({ ...weeklyBerlin, timeZone: 'Mars/Olympus' })).toThrow('not a known time zone');
    expect(check({ ...weeklyBerlin, endsAt: weeklyBerlin.startsAt })).toThrow(
      'The end must be after the start.',
    );
  });

  it('tells occurrence keys from other instants', () => {
    expect(isOccurrence(weeklyBerlin, at('2026-03-30T07:00:00Z'))).toBe(true);
    expect(isOccurrence(weeklyBerlin, at('2026-03-30T08:00:00Z'))).toBe(false);
    expect(isOccurrence(weeklyBerlin, at('2026-03-09T08:00:00Z'))).toBe(false);
    expect(isOccurrence(weeklyBerlin, at('not a date'))).toBe(false);
    expect(occurrenceId(7, at('2026-03-30T07:00:00Z'))).toBe('7:2026-03-30T07:00:00.000Z');
  });

  it('finds one occurrence by its key, as its exception leaves it', () => {
    const moved: OccurrenceException = {
      occurrenceStart: at('2026-03-23T08:00:00Z'),
      cancelled: false,
      startsAt: at('2026-03-24T10:00:00Z'),
      endsAt: null,
      title: 'Moved',
    };
    const cancelled: OccurrenceException = {
      occurrenceStart: at('2026-03-30T07:00:00Z'),
      cancelled: true,
      startsAt: null,
      endsAt: null,
      title: null,
    };
    const found = occurrenceAt(weeklyBerlin, [moved, cancelled], at('2026-03-23T08:00:00Z'));
    expect(found).toEqual({
      occurrenceStart: at('2026-03-23T08:00:00Z'),
      startsAt: at('2026-03-24T10:00:00Z'),
      endsAt: at('2026-03-24T11:00:00Z'),
      title: 'Moved',
      modified: true,
    });
    expect(occurrenceAt(weeklyBerlin, [moved, cancelled], at('2026-03-30T07:00:00Z'))).toBeUndefined();
    expect(occurrenceAt(weeklyBerlin, [moved, cancelled], at('2026-03-24T10:00:00Z'))).toBeUndefined();
    expect(occurrenceAt(weeklyBerlin, [], at('2026-04-06T07:00:00Z'))?.modified).toBe(false);
  });
});
