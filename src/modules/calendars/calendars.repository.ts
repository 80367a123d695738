import { and, asc, count, eq, getTableColumns, inArray, sql, type SQL } from 'drizzle-orm';
import type { Executor } from '../../platform/db/client.ts';
import { defineList } from '../../platform/http/query.ts';
import {
  businessCalendars,
  calendarClosures,
  type BusinessCalendarRow,
  type CalendarClosure,
  type NewBusinessCalendar,
  type NewCalendarClosure,
} from './calendars.tables.ts';

/** The optimistic-locking condition: none when the caller expects no particular version. */
const versioned = (expectedVersion: number | undefined) =>
  expectedVersion === undefined ? undefined : eq(businessCalendars.version, expectedVersion);

// Calendars

export const calendarList = defineList({
  id: businessCalendars.id,
  filters: {},
  search: [businessCalendars.name, businessCalendars.description],
  sort: {
    id: { column: businessCalendars.id },
    name: { column: businessCalendars.name },
    created_at: { column: businessCalendars.createdAt },
  },
  defaultSort: 'id',
});

export function listCalendars(
  executor: Executor,
  where: SQL | undefined,
  orderBy: SQL[],
  limit: number,
  offset: number,
): Promise<BusinessCalendarRow[]> {
  return executor
    .select()
    .from(businessCalendars)
    .where(where)
    .orderBy(...orderBy)
    .limit(limit)
    .offset(offset);
}

export async function countCalendars(executor: Executor, where: SQL | undefined): Promise<number> {
  const [row] = await executor.select({ value: count() }).from(businessCalendars).where(where);
  return row?.value ?? 0;
}

/** One calendar; `lock` takes a row lock for the rest of the transaction (serializes writes to it). */
export async function calendarById(
  executor: Executor,
  id: number,
  options: { lock?: boolean } = {},
): Promise<BusinessCalendarRow | undefined> {
  const query = executor.select().from(businessCalendars).where(eq(businessCalendars.id, id));
  const [row] = options.lock ? await query.for('update') : await query;
  return row;
}

export async function calendarNameTaken(
  executor: Executor,
  name: string,
  exceptId?: number,
): Promise<boolean> {
  const [row] = await executor
    .select({ id: businessCalendars.id })
    .from(businessCalendars)
    .where(
      and(
        sql`lower(${businessCalendars.name}) = lower(${name})`,
        exceptId ? sql`${businessCalendars.id} <> ${exceptId}` : undefined,
      ),
    );
  return row !== undefined;
}

export async function insertCalendar(
  executor: Executor,
  values: NewBusinessCalendar,
): Promise<BusinessCalendarRow> {
  const [row] = await executor.insert(businessCalendars).values(values).returning();
  if (!row) throw new Error('insert returned no row');
  return row;
}

/** Updates a calendar (and bumps its version) if the version still matches; undefined when it does not. */
export async function updateCalendar(
  executor: Executor,
  id: number,
  values: Partial<NewBusinessCalendar>,
  expectedVersion?: number,
): Promise<BusinessCalendarRow | undefined> {
  const [row] = await executor
    .update(businessCalendars)
    .set({ ...values, version: sql`${businessCalendars.version} + 1`, updatedAt: new Date() })
    .where(and(eq(businessCalendars.id, id), versioned(expectedVersion)))
    .returning();
  return row;
}

export async function deleteCalendar(
  executor: Executor,
  id: number,
  expectedVersion?: number,
): Promise<BusinessCalendarRow | undefined> {
  const [row] = await executor
    .delete(businessCalendars)
    .where(and(eq(businessCalendars.id, id), versioned(expectedVersion)))
    .returning();
  return row;
}

// Holidays and closures

export const closureList = defineList({
  id: calendarClosures.id,
  filters: {
    kind: { column: calendarClosures.kind, type: 'string', values: ['holiday', 'closure'] },
    source: { column: calendarClosures.source, type: 'string', values: ['manual', 'ical'] },
    uid: { column: calendarClosures.uid, type: 'string', description: 'iCalendar UID of imported rows.' },
  },
  search: [calendarClosures.name],
  sort: {
    id: { column: calendarClosures.id },
    date: { column: calendarClosures.date, nullable: true },
    starts_at: { column: calendarClosures.startsAt, nullable: true },
    created_at: { column: calendarClosures.createdAt },
  },
  defaultSort: 'id',
});

/** A holiday or closure with its calendar's zone, which its times are presented in. */
export type Closure = CalendarClosure & { timeZone: string };

const closureColumns = { ...getTableColumns(calendarClosures), timeZone: businessCalendars.timeZone };

/** The list scope of one calendar's rows. */
export const closuresOf = (calendarId: number): SQL => eq(calendarClosures.calendarId, calendarId);

export function listClosures(
  executor: Executor,
  where: SQL | undefined,
  orderBy: SQL[],
  limit: number,
  offset: number,
): Promise<Closure[]> {
  return executor
    .select(closureColumns)
    .from(calendarClosures)
    .innerJoin(businessCalendars, eq(businessCalendars.id, calendarClosures.calendarId))
    .where(where)
    .orderBy(...orderBy)
    .limit(limit)
    .offset(offset);
}

export async function countClosures(executor: Executor, where: SQL | undefined): Promise<number> {
  const [row] = await executor.select({ value: count() }).from(calendarClosures).where(where);
  return row?.value ?? 0;
}

/** Every holiday and closure of a calendar, for building its engine. */
export function allClosuresOf(executor: Executor, calendarId: number): Promise<CalendarClosure[]> {
  return executor
    .select()
    .from(calendarClosures)
    .where(closuresOf(calendarId))
    .orderBy(asc(calendarClosures.id));
}

export async function closureById(
  executor: Executor,
  calendarId: number,
  id: number,
): Promise<CalendarClosure | undefined> {
  const [row] = await executor
    .select()
    .from(calendarClosures)
    .where(and(closuresOf(calendarId), eq(calendarClosures.id, id)));
  return row;
}

export async function manualHolidayOn(
  executor: Executor,
  calendarId: number,
  date: string,
): Promise<boolean> {
  const [row] = await executor
    .select({ id: calendarClosures.id })
    .from(calendarClosures)
    .where(
      and(
        closuresOf(calendarId),
        eq(calendarClosures.kind, 'holiday'),
        eq(calendarClosures.source, 'manual'),
        eq(calendarClosures.date, date),
      ),
    );
  return row !== undefined;
}

/** The imported rows of a calendar that came from any of `uids`. */
export function importedRows(
  executor: Executor,
  calendarId: number,
  uids: string[],
): Promise<CalendarClosure[]> {
  if (uids.length === 0) return Promise.resolve([]);
  return executor
    .select()
    .from(calendarClosures)
    .where(
      and(closuresOf(calendarId), eq(calendarClosures.source, 'ical'), inArray(calendarClosures.uid, uids)),
    );
}

/** Inserts rows in batches (an import can bring thousands; PostgreSQL takes at most 65535 parameters). */
export async function insertClosures(
  executor: Executor,
  values: NewCalendarClosure[],
): Promise<CalendarClosure[]> {
  const inserted: CalendarClosure[] = [];
  for (let i = 0; i < values.length; i += 1000) {
    inserted.push(
      ...(await executor
        .insert(calendarClosures)
        .values(values.slice(i, i + 1000))
        .returning()),
    );
  }
  return inserted;
}

export async function deleteClosure(
  executor: Executor,
  calendarId: number,
  id: number,
): Promise<CalendarClosure | undefined> {
  const [row] = await executor
    .delete(calendarClosures)
    .where(and(closuresOf(calendarId), eq(calendarClosures.id, id)))
    .returning();
  return row;
}

/** Removes the imported rows of `uids` (a re-import replaces them); returns how many went. */
export async function deleteImported(
  executor: Executor,
  calendarId: number,
  uids: string[],
): Promise<number> {
  if (uids.length === 0) return 0;
  const rows = await executor
    .delete(calendarClosures)
    .where(
      and(closuresOf(calendarId), eq(calendarClosures.source, 'ical'), inArray(calendarClosures.uid, uids)),
    )
    .returning({ id: calendarClosures.id });
  return rows.length;
}
