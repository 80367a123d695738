import { and, count, eq, sql, type SQL } from 'drizzle-orm';
import type { Executor } from '../../platform/db/client.ts';
import { defineList } from '../../platform/http/query.ts';
import {
  revalidationDeliveries,
  revalidationTargets,
  type RevalidationDelivery,
  type RevalidationTarget,
} from './revalidation.tables.ts';

export const targetList = defineList({
  id: revalidationTargets.id,
  filters: { enabled: { column: revalidationTargets.enabled, type: 'boolean' } },
  search: [revalidationTargets.url, revalidationTargets.description],
  sort: { id: { column: revalidationTargets.id } },
  defaultSort: 'id',
});

export const deliveryList = defineList({
  id: revalidationDeliveries.id,
  filters: {
    status: {
      column: revalidationDeliveries.status,
      type: 'string',
      values: ['pending', 'retrying', 'succeeded', 'dead'],
    },
  },
  search: [],
  sort: { id: { column: revalidationDeliveries.id } },
  defaultSort: '-id',
});

export const listTargets = (
  executor: Executor,
  where: SQL | undefined,
  orderBy: SQL[],
  limit: number,
  offset: number,
) =>
  executor
    .select()
    .from(revalidationTargets)
    .where(where)
    .orderBy(...orderBy)
    .limit(limit)
    .offset(offset);

export async function countTargets(executor: Executor, where: SQL | undefined): Promise<number> {
  const [row] = await executor.select({ value: count() }).from(revalidationTargets).where(where);
  return row?.value ?? 0;
}

export const listDeliveries = (
  executor: Executor,
  where: SQL | undefined,
  orderBy: SQL[],
  limit: number,
  offset: number,
) =>
  executor
    .select()
    .from(revalidationDeliveries)
    .where(where)
    .orderBy(...orderBy)
    .limit(limit)
    .offset(offset);

export async function countDeliveries(executor: Executor, where: SQL | undefined): Promise<number> {
  const [row] = await executor.select({ value: count() }).from(revalidationDeliveries).where(where);
  return row?.value ?? 0;
}

export const deliveriesOfTarget = (targetId: number): SQL => eq(revalidationDeliveries.targetId, targetId);

export async function targetById(
  executor: Executor,
  id: number,
  options: { lock?: 'update' } = {},
): Promise<RevalidationTarget | undefined> {
  const query = executor.select().from(revalidationTargets).where(eq(revalidationTargets.id, id));
  const [row] = await (options.lock ? query.for('update') : query);
  return row;
}

export async function enabledTargetIds(executor: Executor): Promise<number[]> {
  const rows = await executor
    .select({ id: revalidationTargets.id })
    .from(revalidationTargets)
    .where(eq(revalidationTargets.enabled, true));
  return rows.map((row) => row.id);
}

export async function insertTarget(
  executor: Executor,
  values: typeof revalidationTargets.$inferInsert,
): Promise<RevalidationTarget> {
  const [row] = await executor.insert(revalidationTargets).values(values).returning();
  if (!row) throw new Error('insert returned no target');
  return row;
}

/** Applies `values` when the version matches (any, without one); bumps the version. */
export async function updateTarget(
  executor: Executor,
  id: number,
  values: Partial<typeof revalidationTargets.$inferInsert>,
  expectedVersion?: number,
): Promise<RevalidationTarget | undefined> {
  const [row] = await executor
    .update(revalidationTargets)
    .set({ ...values, version: sql`${revalidationTargets.version} + 1`, updatedAt: new Date() })
    .where(
      and(
        eq(revalidationTargets.id, id),
        expectedVersion === undefined ? undefined : eq(revalidationTargets.version, expectedVersion),
      ),
    )
    .returning();
  return row;
}

export async function setCursor(executor: Executor, id: number, cursor: number): Promise<void> {
  await executor.update(revalidationTargets).set({ cursor }).where(eq(revalidationTargets.id, id));
}

export async function deleteTarget(executor: Executor, id: number): Promise<boolean> {
  const rows = await executor
    .delete(revalidationTargets)
    .where(eq(revalidationTargets.id, id))
    .returning({ id: revalidationTargets.id });
  return rows.length > 0;
}

export async function insertDelivery(
  executor: Executor,
  values: typeof revalidationDeliveries.$inferInsert,
): Promise<RevalidationDelivery> {
  const [row] = await executor.insert(revalidationDeliveries).values(values).returning();
  if (!row) throw new Error('insert returned no delivery');
  return row;
}

export async function deliveryById(
  executor: Executor,
  id: number,
): Promise<RevalidationDelivery | undefined> {
  const [row] = await executor.select().from(revalidationDeliveries).where(eq(revalidationDeliveries.id, id));
  return row;
}

export async function updateDelivery(
  executor: Executor,
  id: number,
  values: Partial<typeof revalidationDeliveries.$inferInsert>,
): Promise<void> {
  await executor
    .update(revalidationDeliveries)
    .set({ ...values, updatedAt: new Date() })
    .where(eq(revalidationDeliveries.id, id));
}

/** Deletes the log's rows older than `before`; answers how many went. */
export async function pruneDeliveries(executor: Executor, before: Date): Promise<number> {
  const result = await executor.execute(
    sql`delete from ${revalidationDeliveries} where ${revalidationDeliveries.createdAt} < ${before} and ${revalidationDeliveries.status} in ('succeeded', 'dead')`,
  );
  return result.rowCount ?? 0;
}
