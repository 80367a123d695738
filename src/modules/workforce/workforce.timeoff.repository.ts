import { and, asc, count, eq, gte, inArray, lte, sql, type SQL } from 'drizzle-orm';
import type { Executor } from '../../platform/db/client.ts';
import { defineList } from '../../platform/http/query.ts';
import {
  LEDGER_KINDS,
  TIME_OFF_STATUSES,
  timeOffLedger,
  timeOffPolicies,
  timeOffRequests,
  type TimeOffLedgerEntry,
  type TimeOffPolicy,
  type TimeOffRequest,
} from './workforce.tables.ts';
import { dateFilter } from './workforce.timeclock.repository.ts';

type NewRequest = typeof timeOffRequests.$inferInsert;
type NewPolicy = typeof timeOffPolicies.$inferInsert;
type NewLedgerEntry = typeof timeOffLedger.$inferInsert;

const versioned = (column: typeof timeOffRequests.version, expected: number | undefined) =>
  expected === undefined ? undefined : eq(column, expected);

// Requests

export const requestList = defineList({
  id: timeOffRequests.id,
  filters: {
    user: { column: timeOffRequests.userId, type: 'integer', description: 'User id of the person.' },
    status: { column: timeOffRequests.status, type: 'string', values: TIME_OFF_STATUSES },
    request_type: { column: timeOffRequests.requestType, type: 'string' },
    date_from: {
      column: timeOffRequests.endDate,
      type: 'string',
      op: 'gte',
      toColumn: dateFilter('date_from'),
      description: 'Requests ending on or after this date (YYYY-MM-DD).',
    },
    date_to: {
      column: timeOffRequests.startDate,
      type: 'string',
      op: 'lte',
      toColumn: dateFilter('date_to'),
      description: 'Requests starting on or before this date (YYYY-MM-DD).',
    },
  },
  search: [timeOffRequests.reason, timeOffRequests.requestType],
  sort: {
    id: { column: timeOffRequests.id },
    start_date: { column: timeOffRequests.startDate },
    created_at: { column: timeOffRequests.createdAt },
    updated_at: { column: timeOffRequests.updatedAt },
    status: { column: timeOffRequests.status },
  },
  defaultSort: '-start_date',
});

/** Whose requests a list shows: undefined for everyone's. */
export const requestsOfUsers = (userIds: number[] | undefined): SQL | undefined =>
  userIds && inArray(timeOffRequests.userId, userIds);

export function listRequests(
  executor: Executor,
  where: SQL | undefined,
  orderBy: SQL[],
  limit: number,
  offset: number,
): Promise<TimeOffRequest[]> {
  return executor
    .select()
    .from(timeOffRequests)
    .where(where)
    .orderBy(...orderBy)
    .limit(limit)
    .offset(offset);
}

export async function countRequests(executor: Executor, where: SQL | undefined): Promise<number> {
  const [row] = await executor.select({ value: count() }).from(timeOffRequests).where(where);
  return row?.value ?? 0;
}

export async function requestById(
  executor: Executor,
  id: number,
  scope?: SQL,
  lock = false,
): Promise<TimeOffRequest | undefined> {
  const query = executor
    .select()
    .from(timeOffRequests)
    .where(and(eq(timeOffRequests.id, id), scope));
  const [row] = await (lock ? query.for('update') : query);
  return row;
}

/** A person's requests in these statuses that touch [from, to]. */
export function requestsOfUserBetween(
  executor: Executor,
  userId: number,
  statuses: TimeOffRequest['status'][],
  from: string,
  to: string,
): Promise<TimeOffRequest[]> {
  return executor
    .select()
    .from(timeOffRequests)
    .where(
      and(
        eq(timeOffRequests.userId, userId),
        inArray(timeOffRequests.status, statuses),
        lte(timeOffRequests.startDate, to),
        gte(timeOffRequests.endDate, from),
      ),
    )
    .orderBy(asc(timeOffRequests.startDate));
}

export async function insertRequest(executor: Executor, values: NewRequest): Promise<TimeOffRequest> {
  const [row] = await executor.insert(timeOffRequests).values(values).returning();
  if (!row) throw new Error('insert returned no row');
  return row;
}

/** Updates when the version still matches (or none is expected); undefined when it does not. */
export async function updateRequest(
  executor: Executor,
  id: number,
  values: Partial<NewRequest>,
  expectedVersion?: number,
): Promise<TimeOffRequest | undefined> {
  const [row] = await executor
    .update(timeOffRequests)
    .set({ ...values, version: sql`${timeOffRequests.version} + 1`, updatedAt: new Date() })
    .where(and(eq(timeOffRequests.id, id), versioned(timeOffRequests.version, expectedVersion)))
    .returning();
  return row;
}

// Policies

export function listPolicies(executor: Executor): Promise<TimeOffPolicy[]> {
  return executor.select().from(timeOffPolicies).orderBy(asc(timeOffPolicies.requestType));
}

/** The policy of a request type, matched regardless of case ("vacation" finds "Vacation"). */
export async function policyByType(
  executor: Executor,
  requestType: string,
): Promise<TimeOffPolicy | undefined> {
  const rows = await executor
    .select()
    .from(timeOffPolicies)
    .where(sql`lower(${timeOffPolicies.requestType}) = lower(${requestType.trim()})`);
  return rows.find((row) => row.requestType === requestType) ?? rows[0];
}

export async function policyById(
  executor: Executor,
  id: number,
  lock = false,
): Promise<TimeOffPolicy | undefined> {
  const query = executor.select().from(timeOffPolicies).where(eq(timeOffPolicies.id, id));
  const [row] = await (lock ? query.for('update') : query);
  return row;
}

export async function insertPolicy(executor: Executor, values: NewPolicy): Promise<TimeOffPolicy> {
  const [row] = await executor.insert(timeOffPolicies).values(values).returning();
  if (!row) throw new Error('insert returned no row');
  return row;
}

export async function updatePolicy(
  executor: Executor,
  id: number,
  values: Partial<NewPolicy>,
  expectedVersion?: number,
): Promise<TimeOffPolicy | undefined> {
  const [row] = await executor
    .update(timeOffPolicies)
    .set({ ...values, version: sql`${timeOffPolicies.version} + 1`, updatedAt: new Date() })
    .where(
      and(
        eq(timeOffPolicies.id, id),
        expectedVersion === undefined ? undefined : eq(timeOffPolicies.version, expectedVersion),
      ),
    )
    .returning();
  return row;
}

export async function deletePolicy(executor: Executor, id: number): Promise<void> {
  await executor.delete(timeOffPolicies).where(eq(timeOffPolicies.id, id));
}

/** Whether requests or ledger rows name this type (then its policy cannot go). */
export async function typeInUse(executor: Executor, requestType: string): Promise<boolean> {
  const [row] = await executor
    .execute<{ used: boolean }>(
      sql`select exists (select 1 from ${timeOffRequests} where ${timeOffRequests.requestType} = ${requestType})
        or exists (select 1 from ${timeOffLedger} where ${timeOffLedger.requestType} = ${requestType}) as used`,
    )
    .then((result) => result.rows);
  return row?.used ?? false;
}

/** Renames a type everywhere it is named, with its policy. */
export async function renameType(executor: Executor, from: string, to: string): Promise<void> {
  await executor
    .update(timeOffRequests)
    .set({ requestType: to })
    .where(eq(timeOffRequests.requestType, from));
  await executor.update(timeOffLedger).set({ requestType: to }).where(eq(timeOffLedger.requestType, from));
}

// Ledger

export const ledgerList = defineList({
  id: timeOffLedger.id,
  filters: {
    user: { column: timeOffLedger.userId, type: 'integer', description: 'User id of the person.' },
    request_type: { column: timeOffLedger.requestType, type: 'string' },
    year: { column: timeOffLedger.year, type: 'integer' },
    kind: { column: timeOffLedger.kind, type: 'string', values: LEDGER_KINDS },
  },
  search: [timeOffLedger.note],
  sort: {
    id: { column: timeOffLedger.id },
    year: { column: timeOffLedger.year },
    created_at: { column: timeOffLedger.createdAt },
  },
  defaultSort: '-created_at',
});

export const ledgerOfUsers = (userIds: number[] | undefined): SQL | undefined =>
  userIds && inArray(timeOffLedger.userId, userIds);

export function listLedger(
  executor: Executor,
  where: SQL | undefined,
  orderBy: SQL[],
  limit: number,
  offset: number,
): Promise<TimeOffLedgerEntry[]> {
  return executor
    .select()
    .from(timeOffLedger)
    .where(where)
    .orderBy(...orderBy)
    .limit(limit)
    .offset(offset);
}

export async function countLedger(executor: Executor, where: SQL | undefined): Promise<number> {
  const [row] = await executor.select({ value: count() }).from(timeOffLedger).where(where);
  return row?.value ?? 0;
}

export async function insertLedgerEntry(
  executor: Executor,
  values: NewLedgerEntry,
): Promise<TimeOffLedgerEntry> {
  const [row] = await executor.insert(timeOffLedger).values(values).returning();
  if (!row) throw new Error('insert returned no row');
  return row;
}

/** Days granted to a person per type and year, for the years in [fromYear, toYear]. */
export function ledgerSums(
  executor: Executor,
  userId: number,
  fromYear: number,
  toYear: number,
): Promise<{ requestType: string; year: number; days: number }[]> {
  return executor
    .select({
      requestType: timeOffLedger.requestType,
      year: timeOffLedger.year,
      days: sql<number>`coalesce(sum(${timeOffLedger.days}), 0)::float8`.mapWith(Number),
    })
    .from(timeOffLedger)
    .where(
      and(
        eq(timeOffLedger.userId, userId),
        gte(timeOffLedger.year, fromYear),
        lte(timeOffLedger.year, toYear),
      ),
    )
    .groupBy(timeOffLedger.requestType, timeOffLedger.year);
}
