import { fieldError } from '../../platform/http/errors.ts';
import { definedOnly } from '../../platform/http/schemas.ts';
import type { EventFilters } from './workforce.events.repository.ts';
import { EVENT_STATUS_LABELS, EVENT_TYPE_LABELS } from './workforce.events.presenters.ts';
import type { OccurrenceView } from './workforce.events.ts';
import { EVENT_STATUSES, EVENT_TYPES } from './workforce.tables.ts';

/** Query parsing the v1 and v2 event routes share: labels and codes, windows, filters, v1 ordering. */

const DAY_MS = 86_400_000;
/** An explicit ?from=&to= window spans at most this many days. */
export const MAX_WINDOW_DAYS = 400;
/** v1 occurrences without from/to: 90 days back to a year ahead. */
const V1_DEFAULT_PAST_DAYS = 90;
const V1_DEFAULT_FUTURE_DAYS = 365;

/** Reads a label ("In Progress") or code ("in_progress"), any case, into the stored code. */
export function fromLabel<T extends string>(
  field: string,
  raw: string,
  codes: readonly T[],
  labels: Record<T, string>,
): T {
  const wanted = raw.trim().toLowerCase();
  const normalised = wanted.replace(/[\s-]+/g, '_');
  const code = codes.find(
    (candidate) => candidate === normalised || labels[candidate].toLowerCase() === wanted,
  );
  if (!code)
    throw fieldError(
      field,
      `"${raw}" is not a valid choice; expected one of: ${codes.map((c) => labels[c]).join(', ')}.`,
    );
  return code;
}

/** v2 speaks the stored codes only, exactly. */
export function fromCode<T extends string>(field: string, raw: string, codes: readonly T[]): T {
  const code = codes.find((candidate) => candidate === raw);
  if (!code) throw fieldError(field, `"${raw}" is not a valid choice; expected one of: ${codes.join(', ')}.`);
  return code;
}

export const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/i;

/** A window edge: an ISO instant with its offset, or a date (the UTC day; as `to`, the day is included). */
export function instant(field: string, raw: string, edge: 'from' | 'to'): Date {
  if (/^\d{4}-\d{2}-\d{2}$/.test(raw)) {
    const day = new Date(`${raw}T00:00:00Z`);
    if (!Number.isNaN(day.getTime())) return edge === 'to' ? new Date(day.getTime() + DAY_MS) : day;
  } else if (ISO_INSTANT.test(raw)) {
    const value = new Date(raw);
    if (!Number.isNaN(value.getTime())) return value;
  }
  throw fieldError(field, `"${raw}" is not a date (YYYY-MM-DD) or an ISO 8601 date-time with an offset.`);
}

export function checkedWindow(from: Date, to: Date): { from: Date; to: Date } {
  if (to.getTime() <= from.getTime()) throw fieldError('to', 'Must be after from.');
  if (to.getTime() - from.getTime() > MAX_WINDOW_DAYS * DAY_MS)
    throw fieldError('to', `The window spans at most ${MAX_WINDOW_DAYS} days.`);
  return { from, to };
}

/** v1: from/to optional; one alone spans a year from (or to) it; neither is the BMS default window. */
export function v1Window(query: { from?: string; to?: string }): { from: Date; to: Date } {
  const from = query.from === undefined ? undefined : instant('from', query.from, 'from');
  const to = query.to === undefined ? undefined : instant('to', query.to, 'to');
  if (from && to) return checkedWindow(from, to);
  if (from) return { from, to: new Date(from.getTime() + 365 * DAY_MS) };
  if (to) return { from: new Date(to.getTime() - 365 * DAY_MS), to };
  const now = Date.now();
  return {
    from: new Date(now - V1_DEFAULT_PAST_DAYS * DAY_MS),
    to: new Date(now + V1_DEFAULT_FUTURE_DAYS * DAY_MS),
  };
}

export function filtersOf(query: Record<string, unknown>, labels: boolean): EventFilters {
  const list = (name: string) =>
    typeof query[name] === 'string' && query[name] !== ''
      ? query[name].split(',').map((part) => part.trim())
      : undefined;
  const ids = (name: string) =>
    list(name)?.map((raw) => {
      const value = Number(raw);
      if (!Number.isSafeInteger(value) || value < 1)
        throw fieldError(name, `"${raw}" is not a valid integer.`);
      return value;
    });
  return definedOnly<EventFilters>({
    userIds: ids('user'),
    locationIds: ids('location'),
    facilityIds: ids('facility'),
    eventTypes: list('event_type')?.map((raw) =>
      labels
        ? fromLabel('event_type', raw, EVENT_TYPES, EVENT_TYPE_LABELS)
        : fromCode('event_type', raw, EVENT_TYPES),
    ),
    statuses: list('status')?.map((raw) =>
      labels
        ? fromLabel('status', raw, EVENT_STATUSES, EVENT_STATUS_LABELS)
        : fromCode('status', raw, EVENT_STATUSES),
    ),
    search: typeof query.search === 'string' && query.search.trim() ? query.search.trim() : undefined,
  });
}

const V1_ORDERING: Record<string, (o: OccurrenceView) => number | string> = {
  start_time: (o) => o.startsAt.getTime(),
  end_time: (o) => o.endsAt.getTime(),
  title: (o) => (o.title ?? o.event.title).toLowerCase(),
  // An occurrence's id is its event's id and original start: compared as that pair, not as text.
  id: (o) =>
    `${String(o.event.id).padStart(10, '0')}:${String(o.occurrenceStart.getTime()).padStart(16, '0')}`,
  event_id: (o) => o.event.id,
};

/** Occurrences in the order `?ordering=` asks (default: by start, then event, then original start). */
export function v1Ordered(occurrences: OccurrenceView[], raw: string | undefined): OccurrenceView[] {
  if (!raw) return occurrences;
  const keys = raw
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean)
    .map((part) => {
      const descending = part.startsWith('-');
      const read = V1_ORDERING[descending ? part.slice(1) : part];
      if (!read)
        throw fieldError(
          'ordering',
          `Cannot order by "${part}"; choose from: ${Object.keys(V1_ORDERING).join(', ')}.`,
        );
      return { read, sign: descending ? -1 : 1 };
    });
  // Array.sort is stable: ties keep the default order (start, event, occurrence).
  return [...occurrences].sort((a, b) => {
    for (const { read, sign } of keys) {
      const x = read(a);
      const y = read(b);
      if (x < y) return -sign;
      if (x > y) return sign;
    }
    return 0;
  });
}

/** Occurrences as one list for `sendList`: computed once, whichever of page/all the format asks for. */
export function occurrencePages(load: () => Promise<OccurrenceView[]>) {
  let cached: Promise<OccurrenceView[]> | undefined;
  const occurrences = () => (cached ??= load());
  return {
    occurrences,
    all: () =>
      (async function* () {
        yield* await occurrences();
      })(),
  };
}
