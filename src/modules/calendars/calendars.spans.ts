/**
 * Arithmetic on sets of instants kept as sorted, disjoint half-open spans
 * [start, end) of epoch milliseconds. Pure.
 */
export type Span = [number, number];

/** Sorts and joins overlapping or touching spans. */
export function merge(spans: Span[]): Span[] {
  const sorted = [...spans].sort((a, b) => a[0] - b[0]);
  const merged: Span[] = [];
  for (const [start, end] of sorted) {
    const last = merged.at(-1);
    if (last && start <= last[1]) last[1] = Math.max(last[1], end);
    else merged.push([start, end]);
  }
  return merged;
}

/** `spans` (sorted, disjoint) minus `closures` (sorted, disjoint). */
export function subtract(spans: Span[], closures: Span[]): Span[] {
  if (closures.length === 0) return spans;
  const result: Span[] = [];
  for (const [spanStart, end] of spans) {
    let start = spanStart;
    // First closure ending after the span starts (binary search: imports can bring thousands).
    let low = 0;
    let high = closures.length;
    while (low < high) {
      const mid = (low + high) >> 1;
      if ((closures[mid] as Span)[1] <= start) low = mid + 1;
      else high = mid;
    }
    for (let i = low; i < closures.length && start < end; i += 1) {
      const [closedFrom, closedTo] = closures[i] as Span;
      if (closedFrom >= end) break;
      if (closedFrom > start) result.push([start, closedFrom]);
      start = Math.max(start, closedTo);
    }
    if (start < end) result.push([start, end]);
  }
  return result;
}
