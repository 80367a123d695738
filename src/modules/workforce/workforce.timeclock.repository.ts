import {
  and,
  asc,
  count,
  eq,
  getTableColumns,
  gt,
  gte,
  inArray,
  isNull,
  lt,
  lte,
  ne,
  or,
  sql,
  type SQL,
} from 'drizzle-orm';
import type { Executor } from '../../platform/db/client.ts';
import { fieldError } from '../../platform/http/errors.ts';
import { defineList } from '../../platform/http/query.ts';
import {
  APPROVAL_STATUSES,
  timeEntries,
  timeEntryBreaks,
  timesheetWeeks,
  type TimeEntry,
  type TimeEntryBreak,
} from './workforce.tables.ts';

export type NewTimeEntry = typeof timeEntries.$inferInsert;

/** A time entry as read, with whether its week is approved (then it is locked). */
export type TimeEntryRow = TimeEntry & { locked: boolean };

const DATE = /^\d{4}-\d{2}-\d{2}$/;
/** A `YYYY-MM-DD` filter value, checked before it reaches SQL. */
export const dateFilter = (name: string) => (value: string) => {
  if (!DATE.test(value) || Number.isNaN(Date.parse(`${value}T00:00:00Z`)))
    throw fieldError(name, `"${value}" is not a valid date; use YYYY-MM-DD.`);
  return value;
};

const entryFields = {
  ...getTableColumns(timeEntries),
  // The ISO week of `date` starts on date_trunc('week', date): a Monday, as timesheet weeks do.
  locked:
    sql<boolean>`exists (select 1 from ${timesheetWeeks} where ${timesheetWeeks.userId} = ${timeEntries.userId} and ${timesheetWeeks.weekStart} = date_trunc('week', ${timeEntries.date})::date)`.as(
      'locked',
    ),
};

/** Whose entries a read covers: undefined for everyone's. */
export const entriesOfUsers = (userIds: number[] | undefined): SQL | undefined =>
  userIds && inArray(timeEntries.userId, userIds);

const entryQuery = (executor: Executor) => executor.select(entryFields).from(timeEntries);

export const timeEntryList = defineList({
  id: timeEntries.id,
  filters: {
    user: { column: timeEntries.userId, type: 'integer', description: 'User id of the person.' },
    status: { column: timeEntries.status, type: 'string', values: APPROVAL_STATUSES },
    location: { column: timeEntries.locationId, type: 'integer' },
    shift: { column: timeEntries.shiftId, type: 'integer' },
    date_from: {
      column: timeEntries.date,
      type: 'string',
      op: 'gte',
      toColumn: dateFilter('date_from'),
      description: 'Local date of the clock-in on or after (YYYY-MM-DD).',
    },
    date_to: {
      column: timeEntries.date,
      type: 'string',
      op: 'lte',
      toColumn: dateFilter('date_to'),
      description: 'Local date of the clock-in on or before (YYYY-MM-DD).',
    },
  },
  search: [timeEntries.notes],
  sort: {
    id: { column: timeEntries.id },
    date: { column: timeEntries.date },
    clock_in: { column: timeEntries.clockIn },
    created_at: { column: timeEntries.createdAt },
    updated_at: { column: timeEntries.updatedAt },
    status: { column: timeEntries.status },
  },
  defaultSort: '-clock_in',
});

export function listEntries(
  executor: Executor,
  where: SQL | undefined,
  orderBy: SQL[],
  limit: number,
  offset: number,
): Promise<TimeEntryRow[]> {
  return entryQuery(executor)
    .where(where)
    .orderBy(...orderBy)
    .limit(limit)
    .offset(offset);
}

export async function countEntries(executor: Executor, where: SQL | undefined): Promise<number> {
  const [row] = await executor.select({ value: count() }).from(timeEntries).where(where);
  return row?.value ?? 0;
}

/** One entry within `scope`; `lock` holds its row for the rest of the transaction. */
export async function entryById(
  executor: Executor,
  id: number,
  scope?: SQL,
  lock = false,
): Promise<TimeEntryRow | undefined> {
  const query = entryQuery(executor).where(and(eq(timeEntries.id, id), scope));
  const [row] = await (lock ? query.for('update', { of: timeEntries }) : query);
  return row;
}

/** The user's open entry (clocked in, not out); `lock` holds it for the transaction. */
export async function openEntryOf(
  executor: Executor,
  userId: number,
  lock = false,
): Promise<TimeEntryRow | undefined> {
  const query = entryQuery(executor).where(and(eq(timeEntries.userId, userId), isNull(timeEntries.clockOut)));
  const [row] = await (lock ? query.for('update', { of: timeEntries }) : query);
  return row;
}

/** A user's entries whose local date is in [from, to], in clock-in order. */
export function entriesBetween(
  executor: Executor,
  userId: number,
  from: string,
  to: string,
): Promise<TimeEntryRow[]> {
  return entryQuery(executor)
    .where(and(eq(timeEntries.userId, userId), gte(timeEntries.date, from), lte(timeEntries.date, to)))
    .orderBy(asc(timeEntries.clockIn), asc(timeEntries.id));
}

/** The user's entries sharing time with [start, end) (end null: still open), other than `exceptId`. */
export function overlappingEntries(
  executor: Executor,
  userId: number,
  start: Date,
  end: Date | null,
  exceptId?: number,
): Promise<{ id: number }[]> {
  return executor
    .select({ id: timeEntries.id })
    .from(timeEntries)
    .where(
      and(
        eq(timeEntries.userId, userId),
        exceptId === undefined ? undefined : ne(timeEntries.id, exceptId),
        end === null ? undefined : lt(timeEntries.clockIn, end),
        or(isNull(timeEntries.clockOut), gt(timeEntries.clockOut, start)),
      ),
    )
    .limit(1);
}

export async function insertEntry(executor: Executor, values: NewTimeEntry): Promise<number> {
  const [row] = await executor.insert(timeEntries).values(values).returning({ id: timeEntries.id });
  if (!row) throw new Error('insert returned no row');
  return row.id;
}

/** Updates when the version still matches (or none is expected); false when it does not. */
export async function updateEntry(
  executor: Executor,
  id: number,
  values: Partial<NewTimeEntry>,
  expectedVersion?: number,
): Promise<boolean> {
  const rows = await executor
    .update(timeEntries)
    .set({ ...values, version: sql`${timeEntries.version} + 1`, updatedAt: new Date() })
    .where(
      and(
        eq(timeEntries.id, id),
        expectedVersion === undefined ? undefined : eq(timeEntries.version, expectedVersion),
      ),
    )
    .returning({ id: timeEntries.id });
  return rows.length > 0;
}

export async function deleteEntry(executor: Executor, id: number): Promise<void> {
  await executor.delete(timeEntries).where(eq(timeEntries.id, id));
}

/** The breaks of some entries, in time order: one query for a page. */
export function breaksOf(executor: Executor, entryIds: number[]): Promise<TimeEntryBreak[]> {
  if (entryIds.length === 0) return Promise.resolve([]);
  return executor
    .select()
    .from(timeEntryBreaks)
    .where(inArray(timeEntryBreaks.entryId, entryIds))
    .orderBy(asc(timeEntryBreaks.startsAt), asc(timeEntryBreaks.id));
}

export async function insertBreak(executor: Executor, entryId: number, startsAt: Date): Promise<void> {
  await executor.insert(timeEntryBreaks).values({ entryId, startsAt });
}

/** Ends the entry's open break at `at`; undefined when none is open. */
export async function closeOpenBreak(
  executor: Executor,
  entryId: number,
  at: Date,
): Promise<TimeEntryBreak | undefined> {
  const [row] = await executor
    .update(timeEntryBreaks)
    .set({ endsAt: at })
    .where(and(eq(timeEntryBreaks.entryId, entryId), isNull(timeEntryBreaks.endsAt)))
    .returning();
  return row;
}

export async function replaceBreaks(
  executor: Executor,
  entryId: number,
  breaks: { startsAt: Date; endsAt: Date | null }[],
): Promise<void> {
  await executor.delete(timeEntryBreaks).where(eq(timeEntryBreaks.entryId, entryId));
  if (breaks.length > 0)
    await executor.insert(timeEntryBreaks).values(breaks.map((item) => ({ entryId, ...item })));
}

/**
 * Serialises every write to one user's week with its approval, for the rest of the
 * transaction: an entry cannot change while its week is being approved, so a locked
 * week stays exactly as approved.
 */
export async function lockWeek(executor: Executor, userId: number, weekStart: string): Promise<void> {
  await executor.execute(
    sql`select pg_advisory_xact_lock(hashtextextended(${`timesheet:${userId}:${weekStart}`}, 0))`,
  );
}

export async function weekApprovalOf(
  executor: Executor,
  userId: number,
  weekStart: string,
): Promise<typeof timesheetWeeks.$inferSelect | undefined> {
  const [row] = await executor
    .select()
    .from(timesheetWeeks)
    .where(and(eq(timesheetWeeks.userId, userId), eq(timesheetWeeks.weekStart, weekStart)));
  return row;
}

export async function insertWeekApproval(
  executor: Executor,
  values: { userId: number; weekStart: string; approvedBy: number; approvedAt: Date },
): Promise<void> {
  await executor.insert(timesheetWeeks).values(values);
}

/** Approves the week's pending closed entries along with the week; answers their ids. */
export async function approvePendingBetween(
  executor: Executor,
  userId: number,
  from: string,
  to: string,
  approvedBy: number,
  approvedAt: Date,
): Promise<number[]> {
  const rows = await executor
    .update(timeEntries)
    .set({
      status: 'approved',
      approvedBy,
      approvedAt,
      version: sql`${timeEntries.version} + 1`,
      updatedAt: approvedAt,
    })
    .where(
      and(
        eq(timeEntries.userId, userId),
        gte(timeEntries.date, from),
        lte(timeEntries.date, to),
        eq(timeEntries.status, 'pending'),
      ),
    )
    .returning({ id: timeEntries.id });
  return rows.map((row) => row.id);
}

/** Which of these people are clocked in (an open entry) right now. */
export async function clockedInUserIds(executor: Executor, userIds: number[]): Promise<number[]> {
  if (userIds.length === 0) return [];
  const rows = await executor
    .select({ userId: timeEntries.userId })
    .from(timeEntries)
    .where(and(inArray(timeEntries.userId, userIds), isNull(timeEntries.clockOut)));
  return rows.map((row) => row.userId);
}
