import type { Static } from '@sinclair/typebox';
import type { AddAnswer, BetweenAnswer, NextOpeningAnswer, OpenAnswer } from './calendars.compute.ts';
import type { ImportSummary } from './calendars.import.ts';
import type { Closure } from './calendars.repository.ts';
import type {
  AddV2,
  BetweenV2,
  CalendarV2,
  ClosureV2,
  ImportResultV2,
  IsOpenV2,
  NextOpeningV2,
} from './calendars.schemas.ts';
import type { BusinessCalendarRow } from './calendars.tables.ts';
import { formatInstant, formatInstantUtc, HOUR_MS, MINUTE_MS } from './calendars.zone.ts';

export const presentCalendarV2 = (calendar: BusinessCalendarRow): Static<typeof CalendarV2> => ({
  id: calendar.id,
  name: calendar.name,
  description: calendar.description,
  time_zone: calendar.timeZone,
  weekly: calendar.weekly,
  version: calendar.version,
  created_at: calendar.createdAt.toISOString(),
  updated_at: calendar.updatedAt.toISOString(),
});

const zoned = (instant: Date | number | null, timeZone: string) =>
  instant === null
    ? null
    : formatInstant(typeof instant === 'number' ? instant : instant.getTime(), timeZone);
const utc = (instant: Date | number | null) =>
  instant === null ? null : formatInstantUtc(typeof instant === 'number' ? instant : instant.getTime());

export const presentClosureV2 = (closure: Closure): Static<typeof ClosureV2> => ({
  id: closure.id,
  calendar_id: closure.calendarId,
  kind: closure.kind,
  name: closure.name,
  date: closure.date,
  starts_at: zoned(closure.startsAt, closure.timeZone),
  starts_at_utc: utc(closure.startsAt),
  ends_at: zoned(closure.endsAt, closure.timeZone),
  ends_at_utc: utc(closure.endsAt),
  source: closure.source,
  uid: closure.uid,
  created_at: closure.createdAt.toISOString(),
});

export const presentImportV2 = (summary: ImportSummary): Static<typeof ImportResultV2> => ({
  calendar_id: summary.calendarId,
  calendar_version: summary.calendarVersion,
  created: summary.created,
  updated: summary.updated,
  unchanged: summary.unchanged,
  holidays: summary.holidays,
  closures: summary.closures,
  skipped: summary.skipped,
});

/** Milliseconds as an ISO 8601 duration of hours, minutes and seconds: 'PT4H30M', '-PT15M', 'PT0S'. */
export function formatBusinessDuration(ms: number): string {
  const sign = ms < 0 ? '-' : '';
  let rest = Math.abs(ms);
  const hours = Math.floor(rest / HOUR_MS);
  rest -= hours * HOUR_MS;
  const minutes = Math.floor(rest / MINUTE_MS);
  rest -= minutes * MINUTE_MS;
  const seconds = rest / 1000;
  const parts = `${hours ? `${hours}H` : ''}${minutes ? `${minutes}M` : ''}${seconds ? `${seconds}S` : ''}`;
  return `${sign}PT${parts || '0S'}`;
}

export const presentIsOpenV2 = (answer: OpenAnswer): Static<typeof IsOpenV2> => ({
  time_zone: answer.timeZone,
  at: formatInstant(answer.at, answer.timeZone),
  at_utc: formatInstantUtc(answer.at),
  open: answer.open,
});

export const presentNextOpeningV2 = (answer: NextOpeningAnswer): Static<typeof NextOpeningV2> => ({
  time_zone: answer.timeZone,
  from: formatInstant(answer.from, answer.timeZone),
  from_utc: formatInstantUtc(answer.from),
  at: zoned(answer.at, answer.timeZone),
  at_utc: utc(answer.at),
});

export const presentAddV2 = (answer: AddAnswer): Static<typeof AddV2> => ({
  time_zone: answer.timeZone,
  from: formatInstant(answer.from, answer.timeZone),
  from_utc: formatInstantUtc(answer.from),
  duration: formatBusinessDuration(answer.durationMs),
  duration_ms: answer.durationMs,
  at: formatInstant(answer.at, answer.timeZone),
  at_utc: formatInstantUtc(answer.at),
});

export const presentBetweenV2 = (answer: BetweenAnswer): Static<typeof BetweenV2> => ({
  time_zone: answer.timeZone,
  from: formatInstant(answer.from, answer.timeZone),
  from_utc: formatInstantUtc(answer.from),
  to: formatInstant(answer.to, answer.timeZone),
  to_utc: formatInstantUtc(answer.to),
  duration: formatBusinessDuration(answer.durationMs),
  duration_ms: answer.durationMs,
});
