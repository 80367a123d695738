import type { BusinessCalendar } from '../calendars/index.ts';

/**
 * SLA clock arithmetic, pure: business time counted from a start on a calendar (or
 * around the clock when there is none), minus pauses. Everything a ticket's clocks
 * show is derived from these two functions, so a changed calendar or policy only
 * needs them run again.
 */

export interface Pause {
  from: Date;
  /** Null: still paused. */
  to: Date | null;
  reason: string;
}

/** Around the clock: every millisecond counts. */
export const ALWAYS_OPEN: Pick<
  BusinessCalendar,
  'addBusinessTime' | 'businessTimeBetween' | 'openIntervals'
> = {
  addBusinessTime: (t, ms) => new Date(t.getTime() + ms),
  businessTimeBetween: (a, b) => b.getTime() - a.getTime(),
  openIntervals: (from, to) => (to > from ? [{ start: from, end: to }] : []),
};

export type ClockCalendar = Pick<
  BusinessCalendar,
  'addBusinessTime' | 'businessTimeBetween' | 'openIntervals'
>;

/** The stretches the clock runs in: [start, first pause), [its end, next pause), ...; the last may be open-ended (end null). */
export function runningSegments(start: Date, pauses: readonly Pause[]): { start: Date; end: Date | null }[] {
  const sorted = [...pauses].sort((a, b) => a.from.getTime() - b.from.getTime());
  const segments: { start: Date; end: Date | null }[] = [];
  let cursor = start;
  for (const pause of sorted) {
    const pauseEnd = pause.to ?? null;
    if (pauseEnd !== null && pauseEnd <= cursor) continue;
    if (pause.from > cursor) segments.push({ start: cursor, end: pause.from });
    if (pauseEnd === null) return segments;
    cursor = pauseEnd;
  }
  segments.push({ start: cursor, end: null });
  return segments;
}

/** Business milliseconds the clock has run from `start` until `at`. */
export function elapsedAt(calendar: ClockCalendar, start: Date, pauses: readonly Pause[], at: Date): number {
  let total = 0;
  for (const segment of runningSegments(start, pauses)) {
    if (segment.start >= at) break;
    const end = segment.end === null || segment.end > at ? at : segment.end;
    total += calendar.businessTimeBetween(segment.start, end);
  }
  return total;
}

/**
 * The instant the clock reaches `ms` of business time, or null when it cannot be known
 * yet (the clock is paused before reaching it). May throw the calendar's
 * CalendarNeverOpensError.
 */
export function instantAt(
  calendar: ClockCalendar,
  start: Date,
  pauses: readonly Pause[],
  ms: number,
): Date | null {
  let remaining = ms;
  for (const segment of runningSegments(start, pauses)) {
    if (segment.end === null) return calendar.addBusinessTime(segment.start, remaining);
    const available = calendar.businessTimeBetween(segment.start, segment.end);
    if (remaining <= available) return calendar.addBusinessTime(segment.start, remaining);
    remaining -= available;
  }
  return null;
}

/** The open stretches counted between `start` and `until`, pauses cut out: what an explanation lists. */
export function countedIntervals(
  calendar: ClockCalendar,
  start: Date,
  pauses: readonly Pause[],
  until: Date,
): { start: Date; end: Date }[] {
  return runningSegments(start, pauses).flatMap((segment) => {
    const end = segment.end === null || segment.end > until ? until : segment.end;
    return segment.start < end ? calendar.openIntervals(segment.start, end) : [];
  });
}

/** Merges possibly overlapping pauses (a waiting step and a resolution may overlap) into disjoint ones. */
export function mergePauses(pauses: readonly Pause[]): Pause[] {
  const sorted = [...pauses].sort((a, b) => a.from.getTime() - b.from.getTime());
  const merged: Pause[] = [];
  for (const pause of sorted) {
    const last = merged[merged.length - 1];
    if (last && (last.to === null || pause.from <= last.to)) {
      if (last.to !== null && (pause.to === null || pause.to > last.to)) last.to = pause.to;
      if (!last.reason.includes(pause.reason)) last.reason = `${last.reason}; ${pause.reason}`;
    } else merged.push({ ...pause });
  }
  return merged;
}
