import { eq, type SQL } from 'drizzle-orm';
import type { Executor } from '../../platform/db/client.ts';
import { defineList } from '../../platform/http/query.ts';
import {
  deliveryLogQueries,
  deliveryStatusFilter,
  targetListOf,
  targetQueries,
} from '../../platform/outbound/outbound.repository.ts';
import {
  revalidationDeliveries,
  revalidationTargets,
  type RevalidationDelivery,
  type RevalidationTarget,
} from './revalidation.tables.ts';

const targets = targetQueries<RevalidationTarget, typeof revalidationTargets.$inferInsert>(
  revalidationTargets,
);
const deliveries = deliveryLogQueries<RevalidationDelivery>(revalidationDeliveries);

export const targetList = targetListOf(revalidationTargets);

export const deliveryList = defineList({
  id: revalidationDeliveries.id,
  filters: { status: deliveryStatusFilter(revalidationDeliveries) },
  search: [],
  sort: { id: { column: revalidationDeliveries.id } },
  defaultSort: '-id',
});

export const listTargets = targets.list;
export const countTargets = targets.count;
export const listDeliveries = deliveries.list;
export const countDeliveries = deliveries.count;
export const targetById = targets.byId;
export const enabledTargetIds = targets.enabledIds;
export const insertTarget = targets.insert;
export const updateTarget = targets.update;
export const deleteTarget = targets.remove;
/** Deletes the log's rows older than `before`; answers how many went. */
export const pruneDeliveries = deliveries.prune;

export const deliveriesOfTarget = (targetId: number): SQL => eq(revalidationDeliveries.targetId, targetId);

export async function setCursor(executor: Executor, id: number, cursor: number): Promise<void> {
  await executor.update(revalidationTargets).set({ cursor }).where(eq(revalidationTargets.id, id));
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
