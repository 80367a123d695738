import fc from 'fast-check';
import { DateTime, IANAZone } from 'luxon';
import { describe, expect, it } from 'vitest';
import { createBusinessCalendar, type BusinessCalendarSpec } from './calendars.engine.ts';
import type { WorkInterval } from './calendars.weekly.ts';
import { DAY_MS, HOUR_MS } from './calendars.zone.ts';

const ZONES = ['Europe/Berlin', 'America/New_York', 'Australia/Sydney', 'Asia/Kolkata', 'UTC'] as const;

/** The instants in 2026 at which a zone's offset changes (none for Kolkata and UTC). */
function transitions(zoneName: string): number[] {
  const zone = IANAZone.create(zoneName);
  const found: number[] = [];
  for (let t = Date.UTC(2026, 0, 1); t < Date.UTC(2027, 0, 1); t += HOUR_MS / 4) {
    if (zone.offset(t) !== zone.offset(t + HOUR_MS / 4)) found.push(t + HOUR_MS / 4);
  }
  return found.length > 0 ? found : [Date.UTC(2026, 5, 1)];
}
const SWITCHES = Object.fromEntries(ZONES.map((zone) => [zone, transitions(zone)]));

const hhmm = (minutes: number) =>
  `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;

/** Minutes of the day, biased to the small hours where DST switches happen. */
const minuteOfDay = fc.oneof(
  fc.integer({ min: 0, max: 1439 }),
  fc.integer({ min: 0, max: 16 }).map((q) => q * 15),
);

/**
 * One day's intervals, valid by construction: sorted distinct points paired up; an odd
 * point left over starts an overnight interval ending at or before its start.
 */
const dayIntervals = fc
  .tuple(fc.uniqueArray(minuteOfDay, { maxLength: 5 }), minuteOfDay)
  .map(([points, overnightEnd]): WorkInterval[] => {
    const sorted = [...points].sort((a, b) => a - b);
    const intervals: WorkInterval[] = [];
    for (let i = 0; i + 1 < sorted.length; i += 2)
      intervals.push({ start: hhmm(sorted[i] as number), end: hhmm(sorted[i + 1] as number) });
    const last = sorted.length % 2 === 1 ? sorted.at(-1) : undefined;
    if (last !== undefined) intervals.push({ start: hhmm(last), end: hhmm(Math.min(overnightEnd, last)) });
    return intervals;
  });

const weekly = fc
  .tuple(dayIntervals, dayIntervals, dayIntervals, dayIntervals, dayIntervals, dayIntervals, dayIntervals)
  .map((days) => Object.fromEntries(days.map((intervals, index) => [String(index + 1), intervals])));

/** A calendar and an instant near one of its zone's DST switches. */
const scenario = fc
  .record({
    timeZone: fc.constantFrom(...ZONES),
    weekly,
    switchIndex: fc.nat(),
    shift: fc.integer({ min: -10 * DAY_MS, max: 10 * DAY_MS }),
    holidayOffsets: fc.array(fc.integer({ min: -3, max: 20 }), { maxLength: 4 }),
    closures: fc.array(
      fc.tuple(fc.integer({ min: -2 * DAY_MS, max: 15 * DAY_MS }), fc.integer({ min: 1, max: 3 * DAY_MS })),
      { maxLength: 3 },
    ),
  })
  .map(({ timeZone, weekly: week, switchIndex, shift, holidayOffsets, closures }) => {
    const switches = SWITCHES[timeZone] ?? [];
    const t = (switches[switchIndex % switches.length] as number) + shift;
    const spec: BusinessCalendarSpec = {
      timeZone,
      weekly: week,
      holidays: holidayOffsets.map((offset) => new Date(t + offset * DAY_MS).toISOString().slice(0, 10)),
      closures: closures.map(([start, length]) => ({
        start: new Date(t + start),
        end: new Date(t + start + length),
      })),
    };
    return { spec, t: new Date(t) };
  });

/** Any number of milliseconds, or whole quarter hours, which often end exactly at a closing time. */
const duration = fc.oneof(
  fc.integer({ min: 1, max: 400 * HOUR_MS }),
  fc.integer({ min: 1, max: 1600 }).map((quarters) => quarters * 15 * 60_000),
);
const params = { numRuns: 300 };

describe('business calendar engine properties', () => {
  it('round-trips: businessTimeBetween(t, addBusinessTime(t, d)) === d, forwards and backwards', () => {
    fc.assert(
      fc.property(scenario, duration, fc.boolean(), ({ spec, t }, d, backwards) => {
        const calendar = createBusinessCalendar(spec);
        if (calendar.nextOpening(t) === null) return;
        const signed = backwards ? -d : d;
        expect(calendar.businessTimeBetween(t, calendar.addBusinessTime(t, signed))).toBe(signed);
      }),
      params,
    );
  });

  it('is monotonic: d1 < d2 gives an earlier or equal result', () => {
    fc.assert(
      fc.property(scenario, duration, duration, ({ spec, t }, a, b) => {
        const calendar = createBusinessCalendar(spec);
        if (calendar.nextOpening(t) === null) return;
        const [d1, d2] = a <= b ? [a, b] : [b, a];
        expect(calendar.addBusinessTime(t, d1).getTime()).toBeLessThanOrEqual(
          calendar.addBusinessTime(t, d2).getTime(),
        );
      }),
      params,
    );
  });

  it('never lands in closed time: forwards the millisecond before the result is open, backwards the result is', () => {
    fc.assert(
      fc.property(scenario, duration, ({ spec, t }, d) => {
        const calendar = createBusinessCalendar(spec);
        if (calendar.nextOpening(t) === null) return;
        const forward = calendar.addBusinessTime(t, d);
        expect(calendar.isOpen(new Date(forward.getTime() - 1))).toBe(true);
        // Earliest such instant: nothing of the last millisecond is left over.
        expect(calendar.businessTimeBetween(t, new Date(forward.getTime() - 1))).toBe(d - 1);
        expect(calendar.isOpen(calendar.addBusinessTime(t, -d))).toBe(true);
      }),
      params,
    );
  });

  it('lands exactly on the end of a stretch when the time runs out there', () => {
    fc.assert(
      fc.property(scenario, ({ spec, t }) => {
        const calendar = createBusinessCalendar(spec);
        for (const { end } of calendar.openIntervals(t, new Date(t.getTime() + 10 * DAY_MS))) {
          const d = calendar.businessTimeBetween(t, end);
          expect(calendar.addBusinessTime(t, d).toISOString()).toBe(end.toISOString());
        }
      }),
      params,
    );
  });

  it('opens at nextOpening(t), with no open time between t and it', () => {
    fc.assert(
      fc.property(scenario, ({ spec, t }) => {
        const calendar = createBusinessCalendar(spec);
        const next = calendar.nextOpening(t);
        if (next === null) return;
        expect(next.getTime()).toBeGreaterThanOrEqual(t.getTime());
        expect(calendar.isOpen(next)).toBe(true);
        expect(calendar.businessTimeBetween(t, next)).toBe(0);
      }),
      params,
    );
  });

  it('adds up: between(a, b) + between(b, c) === between(a, c), and openIntervals agree', () => {
    fc.assert(
      fc.property(
        scenario,
        fc.integer({ min: 0, max: 9 * DAY_MS }),
        fc.integer({ min: 0, max: 9 * DAY_MS }),
        ({ spec, t }, x, y) => {
          const calendar = createBusinessCalendar(spec);
          const [a, b, c] = [t, new Date(t.getTime() + x), new Date(t.getTime() + x + y)];
          expect(calendar.businessTimeBetween(a, b) + calendar.businessTimeBetween(b, c)).toBe(
            calendar.businessTimeBetween(a, c),
          );
          const stretches = calendar.openIntervals(a, c);
          const total = stretches.reduce((sum, { start, end }) => sum + end.getTime() - start.getTime(), 0);
          expect(total).toBe(calendar.businessTimeBetween(a, c));
          for (const { start, end } of stretches) {
            expect(calendar.isOpen(start)).toBe(true);
            if (end < c) expect(calendar.isOpen(end)).toBe(false);
          }
        },
      ),
      params,
    );
  });

  it('agrees with a plain wall-clock reading of the week away from DST switches', () => {
    const openByWallClock = (spec: BusinessCalendarSpec, instant: number): boolean => {
      if (
        spec.closures?.some(
          ({ start, end }) => instant >= new Date(start).getTime() && instant < new Date(end).getTime(),
        )
      )
        return false;
      const local = DateTime.fromMillis(instant, { zone: spec.timeZone });
      const minute = local.hour * 60 + local.minute;
      const opensOn = (day: DateTime, from: number, shift: number) => {
        if (spec.holidays?.includes(day.toISODate() ?? '')) return false;
        const intervals = (spec.weekly as Record<string, WorkInterval[]>)[String(day.weekday)] ?? [];
        return intervals.some(({ start, end }) => {
          const [s, e] = [start, end].map((text) => Number(text.slice(0, 2)) * 60 + Number(text.slice(3)));
          const stop = (e as number) <= (s as number) ? (e as number) + 1440 : (e as number);
          return from + shift >= (s as number) && from + shift < stop;
        });
      };
      return opensOn(local, minute, 0) || opensOn(local.minus({ days: 1 }), minute, 1440);
    };
    fc.assert(
      fc.property(scenario, fc.integer({ min: 0, max: 7 * DAY_MS }), ({ spec, t }, offset) => {
        const instant = t.getTime() + offset;
        const near = (SWITCHES[spec.timeZone] ?? []).some(
          (switchAt) => Math.abs(switchAt - instant) < 2 * DAY_MS,
        );
        if (near) return;
        expect(createBusinessCalendar(spec).isOpen(new Date(instant))).toBe(openByWallClock(spec, instant));
      }),
      { numRuns: 1000 },
    );
  });
});
