import type { RequestContext } from '../../platform/auth/actor.ts';
import { calendarsErrors } from './calendars.errors.ts';
import { ICalendarError, parseICalendar, type ImportedEntry, type SkippedEvent } from './calendars.ical.ts';
import * as repository from './calendars.repository.ts';
import type { CalendarsInternals } from './calendars.service.ts';
import type { CalendarClosure, NewCalendarClosure } from './calendars.tables.ts';

/** What an import did, counted by iCalendar UID (one UID can be many days or occurrences). */
export interface ImportSummary {
  calendarId: number;
  /** The calendar's version after the import (unchanged when nothing changed). */
  calendarVersion: number;
  /** UIDs seen for the first time, UIDs whose rows changed, UIDs already imported as they are. */
  created: number;
  updated: number;
  unchanged: number;
  /** Rows written by this import. */
  holidays: number;
  closures: number;
  skipped: SkippedEvent[];
}

/** What makes two rows of one UID the same: re-importing an unchanged event writes nothing. */
const keyOf = (row: Pick<CalendarClosure, 'kind' | 'name' | 'date' | 'startsAt' | 'endsAt'>): string =>
  row.kind === 'holiday'
    ? `holiday|${row.date ?? ''}|${row.name}`
    : `closure|${row.startsAt?.getTime() ?? ''}|${row.endsAt?.getTime() ?? ''}|${row.name}`;

const sameKeys = (a: string[], b: string[]) =>
  a.length === b.length && [...a].sort().join('\n') === [...b].sort().join('\n');

function rowOf(calendarId: number, entry: ImportedEntry): NewCalendarClosure {
  const common = { calendarId, name: entry.name, source: 'ical' as const, uid: entry.uid };
  return entry.kind === 'holiday'
    ? { ...common, kind: 'holiday', date: entry.date }
    : { ...common, kind: 'closure', startsAt: entry.startsAt, endsAt: entry.endsAt };
}

/**
 * Imports the holidays and closures of an iCalendar file (see calendars.ical.ts for
 * how events become rows). Idempotent by UID: the rows of a UID already imported are
 * replaced only when they differ, so importing the same file twice changes nothing.
 * UIDs imported before but missing from this file stay (a file may be a partial
 * export); delete their rows by hand. Rows added by hand are never touched. Any
 * change bumps the calendar's version and is one `calendar.changed`.
 */
export async function importICalendar(
  { db, audit, now, lockCalendar, touch }: CalendarsInternals,
  ctx: RequestContext,
  calendarId: number,
  icsText: string,
): Promise<ImportSummary> {
  return db.transaction(async (tx) => {
    // The lock serializes imports into one calendar, so two never interleave their replacements.
    const calendar = await lockCalendar(tx, calendarId);
    let parsed;
    try {
      parsed = parseICalendar(icsText, { timeZone: calendar.timeZone, now: now() });
    } catch (error) {
      if (error instanceof ICalendarError)
        throw calendarsErrors.CALENDARS_ICALENDAR_INVALID({ message: error.message, cause: error });
      throw error;
    }
    const byUid = new Map<string, NewCalendarClosure[]>();
    for (const entry of parsed.entries)
      byUid.set(entry.uid, [...(byUid.get(entry.uid) ?? []), rowOf(calendarId, entry)]);

    const existing = new Map<string, string[]>();
    for (const row of await repository.importedRows(tx, calendarId, [...byUid.keys()])) {
      const uid = row.uid ?? '';
      existing.set(uid, [...(existing.get(uid) ?? []), keyOf(row)]);
    }

    const summary = { created: 0, updated: 0, unchanged: 0 };
    const replaced: string[] = [];
    const rows: NewCalendarClosure[] = [];
    for (const [uid, fresh] of byUid) {
      const before = existing.get(uid);
      const keys = fresh.map((row) =>
        keyOf({
          kind: row.kind,
          name: row.name ?? '',
          date: row.date ?? null,
          startsAt: row.startsAt ?? null,
          endsAt: row.endsAt ?? null,
        }),
      );
      if (before && sameKeys(before, keys)) {
        summary.unchanged += 1;
        continue;
      }
      summary[before ? 'updated' : 'created'] += 1;
      replaced.push(uid);
      rows.push(...fresh);
    }

    let version = calendar.version;
    if (rows.length > 0) {
      await repository.deleteImported(tx, calendarId, replaced);
      await repository.insertClosures(tx, rows);
      version = (await touch(tx, calendarId, 'imported')).version;
    }
    const result: ImportSummary = {
      calendarId,
      calendarVersion: version,
      ...summary,
      holidays: rows.filter((row) => row.kind === 'holiday').length,
      closures: rows.filter((row) => row.kind === 'closure').length,
      skipped: parsed.skipped,
    };
    await audit.record(tx, ctx, {
      action: 'calendar.imported',
      resourceType: 'calendar',
      resourceId: calendarId,
      after: result,
    });
    return result;
  });
}
