import { describe, expect, it } from 'vitest';
import {
  canonicalTimeZone,
  formatInstant,
  formatInstantUtc,
  localToInstant,
  parseInstant,
  parseLocalDate,
  zoneNamed,
} from './calendars.zone.ts';

const berlin = zoneNamed('Europe/Berlin')!;
const local = (iso: string) => Date.parse(`${iso}Z`);

describe('zone helpers', () => {
  it('reads a repeated wall-clock time as its first occurrence and a skipped one forward by the gap', () => {
    expect(new Date(localToInstant(berlin, local('2026-10-25T02:30:00'))).toISOString()).toBe(
      '2026-10-25T00:30:00.000Z',
    );
    expect(new Date(localToInstant(berlin, local('2026-03-29T02:30:00'))).toISOString()).toBe(
      '2026-03-29T01:30:00.000Z',
    );
    expect(new Date(localToInstant(berlin, local('2026-03-29T03:00:00'))).toISOString()).toBe(
      '2026-03-29T01:00:00.000Z',
    );
    const sydney = zoneNamed('Australia/Sydney')!;
    // Sydney falls back on 2026-04-05 at 03:00 AEDT: 02:30 happens first at +11:00.
    expect(new Date(localToInstant(sydney, local('2026-04-05T02:30:00'))).toISOString()).toBe(
      '2026-04-04T15:30:00.000Z',
    );
  });

  it('parses instants with an offset as given and without one in the zone', () => {
    expect(parseInstant('2026-03-27T16:30:00+01:00', berlin)).toBe(Date.parse('2026-03-27T15:30:00Z'));
    expect(parseInstant('2026-03-27T16:30', berlin)).toBe(Date.parse('2026-03-27T15:30:00Z'));
    expect(parseInstant('2026-07-01T12:00:00.250Z', berlin)).toBe(Date.parse('2026-07-01T12:00:00.250Z'));
    for (const bad of ['yesterday', '2026-03-27', '2026-02-30T10:00', '2026-03-27T25:00+01:00'])
      expect(parseInstant(bad, berlin)).toBeUndefined();
  });

  it('formats with the zone offset and in UTC without zero milliseconds', () => {
    expect(formatInstant(Date.parse('2026-03-30T10:30:00Z'), 'Europe/Berlin')).toBe(
      '2026-03-30T12:30:00+02:00',
    );
    expect(formatInstantUtc(Date.parse('2026-03-30T10:30:00Z'))).toBe('2026-03-30T10:30:00Z');
    expect(formatInstant(Date.parse('2026-03-30T10:30:00.5Z'), 'Asia/Kolkata')).toBe(
      '2026-03-30T16:00:00.500+05:30',
    );
  });

  it('fixes the case of a zone name but keeps a current name the runtime calls by an old one', () => {
    expect(canonicalTimeZone('europe/berlin')).toBe('Europe/Berlin');
    expect(canonicalTimeZone('Asia/Kolkata')).toBe('Asia/Kolkata');
    expect(canonicalTimeZone('utc')).toBe('UTC');
    expect(canonicalTimeZone('Mars/Olympus')).toBeUndefined();
    expect(canonicalTimeZone('')).toBeUndefined();
  });

  it('accepts only real dates', () => {
    expect(parseLocalDate('2028-02-29')).toBeDefined();
    expect(parseLocalDate('2026-02-29')).toBeUndefined();
    expect(parseLocalDate('2026-1-01')).toBeUndefined();
  });
});
