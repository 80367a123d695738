import { describe, expect, it } from 'vitest';
import { parseQuietHours, quietUntil } from './rentals.quiet-hours.ts';

describe('quiet hours', () => {
  it('reads HH:MM-HH:MM or off, and refuses anything else', () => {
    expect(parseQuietHours('21:00-08:00')).toEqual({ start: 1260, end: 480 });
    expect(parseQuietHours(' 12:30 - 13:45 ')).toEqual({ start: 750, end: 825 });
    expect(parseQuietHours('OFF')).toBeNull();
    for (const bad of ['21-8', '24:00-08:00', '08:00-08:00', '08:00', '08:00-09:00-10:00'])
      expect(parseQuietHours(bad)).toBeUndefined();
  });

  it('answers when a window crossing midnight ends, in the zone given', () => {
    const night = parseQuietHours('21:00-08:00') ?? null;
    // 22:30 and 05:00 in Berlin (CEST): both end at 08:00 Berlin = 06:00Z on the 4th.
    expect(quietUntil(night, new Date('2026-08-03T20:30:00Z'), 'Europe/Berlin')).toEqual(
      new Date('2026-08-04T06:00:00Z'),
    );
    expect(quietUntil(night, new Date('2026-08-04T03:00:00Z'), 'Europe/Berlin')).toEqual(
      new Date('2026-08-04T06:00:00Z'),
    );
    expect(quietUntil(night, new Date('2026-08-04T06:00:00Z'), 'Europe/Berlin')).toBeNull();
    // 20:30Z is still 20:30 in UTC: not quiet there.
    expect(quietUntil(night, new Date('2026-08-03T20:30:00Z'), 'UTC')).toBeNull();
    expect(quietUntil(null, new Date('2026-08-03T23:00:00Z'), 'UTC')).toBeNull();
  });

  it('handles a window within one day', () => {
    const lunch = parseQuietHours('12:00-13:00') ?? null;
    expect(quietUntil(lunch, new Date('2026-08-03T12:15:00Z'), 'UTC')).toEqual(
      new Date('2026-08-03T13:00:00Z'),
    );
    expect(quietUntil(lunch, new Date('2026-08-03T13:00:00Z'), 'UTC')).toBeNull();
  });
});
