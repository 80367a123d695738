import { and, asc, count, desc, eq, gte, inArray, lte, sql, type SQL } from 'drizzle-orm';
import type { Executor } from '../../platform/db/client.ts';
import { defineList } from '../../platform/http/query.ts';
import {
  webhookAttempts,
  webhookDeliveries,
  webhookEndpoints,
  type DeliveryStatus,
  type WebhookAttempt,
  type WebhookDelivery,
  type WebhookEndpoint,
} from './webhooks.tables.ts';

export const endpointList = defineList({
  id: webhookEndpoints.id,
  filters: { enabled: { column: webhookEndpoints.enabled, type: 'boolean' } },
  search: [webhookEndpoints.url, webhookEndpoints.description],
  sort: { id: { column: webhookEndpoints.id } },
  defaultSort: 'id',
});

export const deliveryList = defineList({
  id: webhookDeliveries.id,
  filters: {
    status: {
      column: webhookDeliveries.status,
      type: 'string',
      values: ['pending', 'retrying', 'succeeded', 'dead'],
    },
    event_type: { column: webhookDeliveries.eventType, type: 'string' },
    event_id: { column: webhookDeliveries.eventId, type: 'integer' },
  },
  search: [webhookDeliveries.eventType],
  sort: { id: { column: webhookDeliveries.id } },
  defaultSort: '-id',
});

export const listEndpoints = (
  executor: Executor,
  where: SQL | undefined,
  orderBy: SQL[],
  limit: number,
  offset: number,
) =>
  executor
    .select()
    .from(webhookEndpoints)
    .where(where)
    .orderBy(...orderBy)
    .limit(limit)
    .offset(offset);

export async function countEndpoints(executor: Executor, where: SQL | undefined): Promise<number> {
  const [row] = await executor.select({ value: count() }).from(webhookEndpoints).where(where);
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
    .from(webhookDeliveries)
    .where(where)
    .orderBy(...orderBy)
    .limit(limit)
    .offset(offset);

export async function countDeliveries(executor: Executor, where: SQL | undefined): Promise<number> {
  const [row] = await executor.select({ value: count() }).from(webhookDeliveries).where(where);
  return row?.value ?? 0;
}

export const deliveriesOfEndpoint = (endpointId: number): SQL => eq(webhookDeliveries.endpointId, endpointId);

export async function endpointById(
  executor: Executor,
  id: number,
  options: { lock?: 'update' | 'skip-locked' } = {},
): Promise<WebhookEndpoint | undefined> {
  const query = executor.select().from(webhookEndpoints).where(eq(webhookEndpoints.id, id));
  const [row] = await (options.lock === 'update'
    ? query.for('update')
    : options.lock === 'skip-locked'
      ? query.for('update', { skipLocked: true })
      : query);
  return row;
}

export async function insertEndpoint(
  executor: Executor,
  values: typeof webhookEndpoints.$inferInsert,
): Promise<WebhookEndpoint> {
  const [row] = await executor.insert(webhookEndpoints).values(values).returning();
  if (!row) throw new Error('insert returned nothing');
  return row;
}

/** Applies `values` (and bumps the version) when the version matches; undefined on a conflict. */
export async function updateEndpoint(
  executor: Executor,
  id: number,
  values: Partial<typeof webhookEndpoints.$inferInsert>,
  expectedVersion?: number,
): Promise<WebhookEndpoint | undefined> {
  const [row] = await executor
    .update(webhookEndpoints)
    .set({ ...values, version: sql`${webhookEndpoints.version} + 1`, updatedAt: new Date() })
    .where(
      and(
        eq(webhookEndpoints.id, id),
        expectedVersion === undefined ? undefined : eq(webhookEndpoints.version, expectedVersion),
      ),
    )
    .returning();
  return row;
}

/** Bookkeeping that is no edit of the endpoint (cursor, failure clock): the version stays. */
export async function setEndpointState(
  executor: Executor,
  id: number,
  values: Pick<Partial<WebhookEndpoint>, 'cursor' | 'failingSince'>,
): Promise<void> {
  await executor.update(webhookEndpoints).set(values).where(eq(webhookEndpoints.id, id));
}

/** Starts the endpoint's failure clock unless it runs already; answers since when it has been failing. */
export async function markFailing(executor: Executor, id: number, at: Date): Promise<Date> {
  const [row] = await executor
    .update(webhookEndpoints)
    .set({ failingSince: sql`coalesce(${webhookEndpoints.failingSince}, ${at})` })
    .where(eq(webhookEndpoints.id, id))
    .returning({ failingSince: webhookEndpoints.failingSince });
  return row?.failingSince ?? at;
}

export async function deleteEndpoint(
  executor: Executor,
  id: number,
  expectedVersion?: number,
): Promise<boolean> {
  const rows = await executor
    .delete(webhookEndpoints)
    .where(
      and(
        eq(webhookEndpoints.id, id),
        expectedVersion === undefined ? undefined : eq(webhookEndpoints.version, expectedVersion),
      ),
    )
    .returning({ id: webhookEndpoints.id });
  return rows.length > 0;
}

export async function enabledEndpointIds(executor: Executor): Promise<number[]> {
  const rows = await executor
    .select({ id: webhookEndpoints.id })
    .from(webhookEndpoints)
    .where(eq(webhookEndpoints.enabled, true))
    .orderBy(asc(webhookEndpoints.id));
  return rows.map((row) => row.id);
}

/** Queues deliveries; one already queued for the same endpoint and event is left alone. */
export async function insertDeliveries(
  executor: Executor,
  values: (typeof webhookDeliveries.$inferInsert)[],
): Promise<void> {
  if (values.length === 0) return;
  await executor.insert(webhookDeliveries).values(values).onConflictDoNothing();
}

/** The oldest open delivery of a lane: the only one of it that may be sent. */
export async function headOfLane(
  executor: Executor,
  endpointId: number,
  lane: string,
): Promise<WebhookDelivery | undefined> {
  const [row] = await executor
    .select()
    .from(webhookDeliveries)
    .where(
      and(
        eq(webhookDeliveries.endpointId, endpointId),
        eq(webhookDeliveries.lane, lane),
        inArray(webhookDeliveries.status, ['pending', 'retrying']),
      ),
    )
    .orderBy(asc(webhookDeliveries.eventId))
    .limit(1);
  return row;
}

/** Takes a delivery for `leaseMs` unless someone else holds it; true when taken. */
export async function leaseDelivery(executor: Executor, id: number, leaseMs: number): Promise<boolean> {
  const rows = await executor
    .update(webhookDeliveries)
    .set({ leaseUntil: sql`now() + ${`${leaseMs} milliseconds`}::interval` })
    .where(
      and(
        eq(webhookDeliveries.id, id),
        inArray(webhookDeliveries.status, ['pending', 'retrying']),
        sql`(${webhookDeliveries.leaseUntil} is null or ${webhookDeliveries.leaseUntil} < now())`,
      ),
    )
    .returning({ id: webhookDeliveries.id });
  return rows.length > 0;
}

export async function finishAttempt(
  executor: Executor,
  id: number,
  values: Pick<
    Partial<WebhookDelivery>,
    'status' | 'attempts' | 'nextAttemptAt' | 'lastStatusCode' | 'lastError' | 'deliveredAt'
  >,
  attempt: typeof webhookAttempts.$inferInsert,
): Promise<void> {
  await executor
    .update(webhookDeliveries)
    .set({ ...values, leaseUntil: null, updatedAt: new Date() })
    .where(eq(webhookDeliveries.id, id));
  await executor.insert(webhookAttempts).values(attempt);
}

/** Open lanes and when each may next be worked: its head's due time, or when its lease lapses. */
export async function openLanes(
  executor: Executor,
  endpointId?: number,
): Promise<{ endpointId: number; lane: string; runAt: Date }[]> {
  const rows = await executor
    .select({
      endpointId: webhookDeliveries.endpointId,
      lane: webhookDeliveries.lane,
      runAt: sql<string>`greatest(min(${webhookDeliveries.nextAttemptAt}), coalesce(max(${webhookDeliveries.leaseUntil}), '-infinity'))`,
    })
    .from(webhookDeliveries)
    .where(
      and(
        inArray(webhookDeliveries.status, ['pending', 'retrying']),
        endpointId === undefined ? undefined : eq(webhookDeliveries.endpointId, endpointId),
      ),
    )
    .groupBy(webhookDeliveries.endpointId, webhookDeliveries.lane);
  return rows.map((row) => ({ ...row, runAt: new Date(row.runAt) }));
}

export async function deliveryById(
  executor: Executor,
  endpointId: number,
  id: number,
): Promise<WebhookDelivery | undefined> {
  const [row] = await executor
    .select()
    .from(webhookDeliveries)
    .where(and(eq(webhookDeliveries.id, id), eq(webhookDeliveries.endpointId, endpointId)));
  return row;
}

export function attemptsOf(executor: Executor, deliveryId: number): Promise<WebhookAttempt[]> {
  return executor
    .select()
    .from(webhookAttempts)
    .where(eq(webhookAttempts.deliveryId, deliveryId))
    .orderBy(desc(webhookAttempts.id));
}

/** Puts deliveries back in the queue as new (attempt log kept); answers them. */
export async function requeue(
  executor: Executor,
  endpointId: number,
  filter: { ids?: number[]; statuses?: DeliveryStatus[]; from?: Date; to?: Date },
): Promise<{ id: number; lane: string }[]> {
  return executor
    .update(webhookDeliveries)
    .set({
      status: 'pending',
      attempts: 0,
      nextAttemptAt: new Date(),
      leaseUntil: null,
      updatedAt: new Date(),
    })
    .where(
      and(
        eq(webhookDeliveries.endpointId, endpointId),
        filter.ids ? inArray(webhookDeliveries.id, filter.ids) : undefined,
        filter.statuses ? inArray(webhookDeliveries.status, filter.statuses) : undefined,
        filter.from ? gte(webhookDeliveries.createdAt, filter.from) : undefined,
        filter.to ? lte(webhookDeliveries.createdAt, filter.to) : undefined,
      ),
    )
    .returning({ id: webhookDeliveries.id, lane: webhookDeliveries.lane });
}

/** Deletes delivery logs older than `before`, in batches. */
export async function pruneDeliveries(executor: Executor, before: Date, batchSize = 5000): Promise<number> {
  let total = 0;
  for (;;) {
    const result = await executor.execute(
      sql`delete from ${webhookDeliveries} where ${webhookDeliveries.id} in (select ${webhookDeliveries.id} from ${webhookDeliveries} where ${webhookDeliveries.createdAt} < ${before} and ${webhookDeliveries.status} in ('succeeded', 'dead') limit ${batchSize})`,
    );
    total += result.rowCount ?? 0;
    if ((result.rowCount ?? 0) < batchSize) return total;
  }
}
