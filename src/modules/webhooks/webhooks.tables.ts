import { sql } from 'drizzle-orm';
import {
  bigint,
  bigserial,
  boolean,
  index,
  integer,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core';
import {
  deliveryColumns,
  deliveryStatusCheck,
  targetBookkeepingColumns,
  targetColumns,
  type DeliveryStatus,
} from '../../platform/outbound/outbound.tables.ts';

/**
 * An admin's subscription: a URL, the event types it wants (none listed: all), its
 * signing secrets, and the failure clock that disables it.
 */
export const webhookEndpoints = pgTable('webhook_endpoints', {
  ...targetColumns(),
  eventTypes: text()
    .array()
    .notNull()
    .default(sql`'{}'::text[]`),
  /** The secret before the last rotation, also signed with until `previousSecretExpiresAt`. */
  previousSecret: text(),
  previousSecretExpiresAt: timestamp({ withTimezone: true }),
  /** Since when every attempt has failed (null after a success): the auto-disable clock. */
  failingSince: timestamp({ withTimezone: true }),
  disabledReason: text(),
  ...targetBookkeepingColumns(),
});

export type { DeliveryStatus };

/**
 * One event for one endpoint. Deliveries of one lane (endpoint + subject) go out in
 * event order, each only after the one before it succeeded or died; `leaseUntil` marks
 * the one being sent, so a crashed sender's delivery is taken up again when it lapses.
 */
export const webhookDeliveries = pgTable(
  'webhook_deliveries',
  {
    ...deliveryColumns(),
    endpointId: integer()
      .notNull()
      .references(() => webhookEndpoints.id, { onDelete: 'cascade' }),
    eventId: bigint({ mode: 'number' }).notNull(),
    eventType: text().notNull(),
    /** `<subject type>:<subject id>`: the order-keeping queue of this delivery. */
    lane: text().notNull(),
    nextAttemptAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    leaseUntil: timestamp({ withTimezone: true }),
  },
  (table) => [
    uniqueIndex('webhook_deliveries_endpoint_event_key').on(table.endpointId, table.eventId),
    index('webhook_deliveries_open_idx')
      .on(table.endpointId, table.lane, table.eventId)
      .where(sql`${table.status} in ('pending', 'retrying')`),
    index('webhook_deliveries_endpoint_idx').on(table.endpointId, table.id),
    index('webhook_deliveries_created_idx').on(table.createdAt),
    deliveryStatusCheck('webhook_deliveries_status_check', table.status),
  ],
);

/** Every attempt of a delivery: what was answered, how fast, or why it failed. */
export const webhookAttempts = pgTable(
  'webhook_attempts',
  {
    id: bigserial({ mode: 'number' }).primaryKey(),
    deliveryId: bigint({ mode: 'number' })
      .notNull()
      .references(() => webhookDeliveries.id, { onDelete: 'cascade' }),
    startedAt: timestamp({ withTimezone: true }).notNull(),
    durationMs: integer().notNull(),
    statusCode: integer(),
    succeeded: boolean().notNull(),
    responseExcerpt: text().notNull().default(''),
    error: text(),
  },
  (table) => [index().on(table.deliveryId, table.id)],
);

export type WebhookEndpoint = typeof webhookEndpoints.$inferSelect;
export type WebhookDelivery = typeof webhookDeliveries.$inferSelect;
export type WebhookAttempt = typeof webhookAttempts.$inferSelect;
