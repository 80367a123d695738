import { and, asc, desc, eq, gte, inArray, lte, sql, type SQL } from 'drizzle-orm';
import type { Executor } from '../../platform/db/client.ts';
import { defineList } from '../../platform/http/query.ts';
import {
  deliveryLogQueries,
  deliveryStatusFilter,
  targetListOf,
  targetQueries,
} from '../../platform/outbound/outbound.repository.ts';
import {
  webhookAttempts,
  webhookDeliveries,
  webhookEndpoints,
  type DeliveryStatus,
  type WebhookAttempt,
  type WebhookDelivery,
  type WebhookEndpoint,
} from './webhooks.tables.ts';

const endpoints = targetQueries<WebhookEndpoint, typeof webhookEndpoints.$inferInsert>(webhookEndpoints);
const deliveries = deliveryLogQueries<WebhookDelivery>(webhookDeliveries);

export const endpointList = targetListOf(webhookEndpoints);

export const deliveryList = defineList({
  id: webhookDeliveries.id,
  filters: {
    status: deliveryStatusFilter(webhookDeliveries),
    event_type: { column: webhookDeliveries.eventType, type: 'string' },
    event_id: { column: webhookDeliveries.eventId, type: 'integer' },
  },
  search: [webhookDeliveries.eventType],
  sort: { id: { column: webhookDeliveries.id } },
  defaultSort: '-id',
});

export const listEndpoints = endpoints.list;
export const countEndpoints = endpoints.count;
export const listDeliveries = deliveries.list;
export const countDeliveries = deliveries.count;
export const endpointById = endpoints.byId;
export const insertEndpoint = endpoints.insert;
export const updateEndpoint = endpoints.update;
export const deleteEndpoint = endpoints.remove;
export const enabledEndpointIds = endpoints.enabledIds;
/** Deletes delivery logs older than `before`, in batches. */
export const pruneDeliveries = deliveries.prune;

export const deliveriesOfEndpoint = (endpointId: number): SQL => eq(webhookDeliveries.endpointId, endpointId);

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
