import { and, asc, count, desc, eq, getTableColumns, gt, ne, sql, type SQL } from 'drizzle-orm';
import type { Executor } from '../../platform/db/client.ts';
import { defineList } from '../../platform/http/query.ts';
import { nameCondition } from './customers.search.ts';
import {
  CUSTOMER_KINDS,
  CUSTOMER_STATUSES,
  customerKeyRotations,
  customers,
  type CustomerKeyRotation,
  type CustomerRow,
  type NewCustomerRow,
} from './customers.tables.ts';

const { search: _search, ...rowColumns } = getTableColumns(customers);

/**
 * The customer list. Tag, e-mail and phone filters and the search itself are turned
 * into conditions by the service (tags by array overlap, e-mail and phone through
 * their blind indexes, names in customers.search.ts); `searchCondition` is what an
 * explicit sort or an export of a search uses.
 */
export const customerList = defineList({
  id: customers.id,
  filters: {
    kind: { column: customers.kind, type: 'string', values: CUSTOMER_KINDS },
    status: { column: customers.status, type: 'string', values: CUSTOMER_STATUSES },
    owner: { column: customers.ownerId, type: 'integer', description: 'User id of the owner.' },
    organisation: {
      column: customers.organisationId,
      type: 'integer',
      description: 'Id of the organisation whose contacts to list.',
    },
    created_after: {
      column: customers.createdAt,
      type: 'datetime',
      op: 'gte',
      description: 'Created at or after (ISO 8601 or YYYY-MM-DD).',
    },
    created_before: {
      column: customers.createdAt,
      type: 'datetime',
      op: 'lte',
      description: 'Created at or before.',
    },
  },
  search: [customers.lastName],
  searchCondition: nameCondition,
  rank: () => sql`0`,
  sort: {
    id: { column: customers.id },
    created_at: { column: customers.createdAt },
    updated_at: { column: customers.updatedAt },
    last_name: { column: customers.lastName },
    first_name: { column: customers.firstName },
    company: { column: customers.company },
    status: { column: customers.status },
  },
  defaultSort: '-created_at',
});

export function listCustomers(
  executor: Executor,
  where: SQL | undefined,
  orderBy: SQL[],
  limit: number,
  offset: number,
): Promise<CustomerRow[]> {
  return executor
    .select(rowColumns)
    .from(customers)
    .where(where)
    .orderBy(...orderBy)
    .limit(limit)
    .offset(offset);
}

export async function countCustomers(executor: Executor, where: SQL | undefined): Promise<number> {
  const [row] = await executor.select({ value: count() }).from(customers).where(where);
  return row?.value ?? 0;
}

/** The customers a ranking statement lists (match_id, match_rank, match_created_at), best first. */
export function rankedCustomers(executor: Executor, ranking: SQL): Promise<CustomerRow[]> {
  const ranked = executor
    .$with('ranked', {
      id: sql<number>`match_id`.as('match_id'),
      rank: sql<number>`match_rank`.as('match_rank'),
      createdAt: sql<Date>`match_created_at`.as('match_created_at'),
    })
    .as(ranking);
  return executor
    .with(ranked)
    .select(rowColumns)
    .from(customers)
    .innerJoin(ranked, eq(ranked.id, customers.id))
    .orderBy(desc(ranked.rank), desc(ranked.createdAt), desc(ranked.id));
}

export async function scalarInt(executor: Executor, statement: SQL): Promise<number> {
  const { rows } = await executor.execute<{ count: number }>(statement);
  return rows[0]?.count ?? 0;
}

export async function searchPlan(
  executor: Executor,
  statement: SQL,
): Promise<{ typed: number; corrected: number; term: string | null } | undefined> {
  const { rows } = await executor.execute<{ typed: number; corrected: number; term: string | null }>(
    statement,
  );
  return rows[0];
}

/** One customer; `lock` takes a row lock for the rest of the transaction (read-before-write). */
export async function customerById(
  executor: Executor,
  id: number,
  options: { lock?: boolean } = {},
): Promise<CustomerRow | undefined> {
  const query = executor.select(rowColumns).from(customers).where(eq(customers.id, id));
  const [row] = options.lock ? await query.for('update') : await query;
  return row;
}

export function customersByIds(executor: Executor, ids: number[]): Promise<CustomerRow[]> {
  if (ids.length === 0) return Promise.resolve([]);
  return executor
    .select(rowColumns)
    .from(customers)
    .where(sql`${customers.id} = any(${sql.param(ids)})`);
}

export async function existingIds(executor: Executor, ids: number[]): Promise<number[]> {
  if (ids.length === 0) return [];
  const rows = await executor
    .select({ id: customers.id })
    .from(customers)
    .where(sql`${customers.id} = any(${sql.param(ids)})`);
  return rows.map((row) => row.id);
}

/** The candidates of a blind-index bucket (they include other values by design; the caller decrypts to check). */
export function customersInBucket(
  executor: Executor,
  column: 'emailIndex' | 'phoneIndex',
  bucket: number,
): Promise<CustomerRow[]> {
  return executor.select(rowColumns).from(customers).where(eq(customers[column], bucket));
}

export async function insertCustomer(executor: Executor, values: NewCustomerRow): Promise<CustomerRow> {
  const [row] = await executor.insert(customers).values(values).returning(rowColumns);
  if (!row) throw new Error('insert returned no row');
  return row;
}

/** Updates a customer if its version still matches; undefined when it does not. */
export async function updateCustomer(
  executor: Executor,
  id: number,
  values: Partial<NewCustomerRow>,
  expectedVersion?: number,
): Promise<CustomerRow | undefined> {
  const [row] = await executor
    .update(customers)
    .set({ ...values, version: sql`${customers.version} + 1`, updatedAt: new Date() })
    .where(
      and(
        eq(customers.id, id),
        expectedVersion === undefined ? undefined : eq(customers.version, expectedVersion),
      ),
    )
    .returning(rowColumns);
  return row;
}

export async function deleteCustomer(
  executor: Executor,
  id: number,
  expectedVersion?: number,
): Promise<CustomerRow | undefined> {
  const [row] = await executor
    .delete(customers)
    .where(
      and(
        eq(customers.id, id),
        expectedVersion === undefined ? undefined : eq(customers.version, expectedVersion),
      ),
    )
    .returning(rowColumns);
  return row;
}

/** Unlinks an organisation's contacts (before it is deleted); answers their ids. */
export async function unlinkContacts(executor: Executor, organisationId: number): Promise<number[]> {
  const rows = await executor
    .update(customers)
    .set({ organisationId: null, version: sql`${customers.version} + 1`, updatedAt: new Date() })
    .where(eq(customers.organisationId, organisationId))
    .returning({ id: customers.id });
  return rows.map((row) => row.id);
}

// Key rotation

export async function countWrappedByOther(executor: Executor, kekId: string, afterId = 0): Promise<number> {
  const [row] = await executor
    .select({ value: count() })
    .from(customers)
    .where(and(ne(customers.dataKeyKek, kekId), gt(customers.id, afterId)));
  return row?.value ?? 0;
}

/** The next batch of customers whose data key another KEK wraps, row-locked (a concurrent erasure waits). */
export function nextToRewrap(
  executor: Executor,
  kekId: string,
  afterId: number,
  limit: number,
): Promise<{ id: number; dataKey: Buffer | null }[]> {
  return executor
    .select({ id: customers.id, dataKey: customers.dataKey })
    .from(customers)
    .where(and(gt(customers.id, afterId), ne(customers.dataKeyKek, kekId)))
    .orderBy(asc(customers.id))
    .limit(limit)
    .for('update');
}

/** Stores a rewrapped data key; the row's version stays: its content did not change. */
export async function storeDataKey(
  executor: Executor,
  id: number,
  values: Pick<NewCustomerRow, 'dataKey' | 'dataKeyKek'>,
): Promise<void> {
  await executor.update(customers).set(values).where(eq(customers.id, id));
}

export async function openRotation(
  executor: Executor,
  kekId: string,
): Promise<CustomerKeyRotation | undefined> {
  const [row] = await executor
    .select()
    .from(customerKeyRotations)
    .where(and(eq(customerKeyRotations.kekId, kekId), sql`${customerKeyRotations.finishedAt} is null`))
    .orderBy(desc(customerKeyRotations.id))
    .limit(1)
    .for('update');
  return row;
}

export async function startRotation(
  executor: Executor,
  kekId: string,
  total: number,
): Promise<CustomerKeyRotation> {
  const [row] = await executor.insert(customerKeyRotations).values({ kekId, total }).returning();
  if (!row) throw new Error('insert returned no row');
  return row;
}

export async function advanceRotation(
  executor: Executor,
  id: number,
  values: { lastCustomerId: number; rewrapped: number; finished?: boolean },
): Promise<void> {
  await executor
    .update(customerKeyRotations)
    .set({
      lastCustomerId: values.lastCustomerId,
      rewrapped: values.rewrapped,
      updatedAt: new Date(),
      finishedAt: values.finished ? new Date() : undefined,
    })
    .where(eq(customerKeyRotations.id, id));
}

/** Customers per KEK, for `opsdesk keys status`: which old keys still hold data. */
export function customersPerKek(executor: Executor): Promise<{ kekId: string | null; customers: number }[]> {
  return executor
    .select({ kekId: customers.dataKeyKek, customers: count() })
    .from(customers)
    .groupBy(customers.dataKeyKek)
    .orderBy(customers.dataKeyKek);
}
