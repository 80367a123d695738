import { sql } from 'drizzle-orm';
import {
  bigint,
  bigserial,
  boolean,
  check,
  index,
  integer,
  pgTable,
  serial,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core';
import { timestamps } from '../../platform/db/columns.ts';

/**
 * An admin's subscription: a URL, the event types it wants (none listed: all), and its
 * signing secrets (sealed with SECRET_KEY). `cursor` is the last outbox event the
 * dispatcher has turned into deliveries for it, advanced in the transaction that
 * queues them, so an event is queued exactly once per endpoint.
 */
export const webhookEndpoints = pgTable('webhook_endpoints', {
  id: serial().primaryKey(),
  url: text().notNull(),
  description: text().notNull().default(''),
  eventTypes: text()
    .array()
    .notNull()
    .default(sql`'{}'::text[]`),
  enabled: boolean().notNull().default(true),
  secret: text().notNull(),
  /** The secret before the last rotation, also signed with until `previousSecretExpiresAt`. */
  previousSecret: text(),
  previousSecretExpiresAt: timestamp({ withTimezone: true }),
  cursor: bigint({ mode: 'number' }).notNull().default(0),
  /** Since when every attempt has failed (null after a success): the auto-disable clock. */
  failingSince: timestamp({ withTimezone: true }),
  disabledReason: text(),
  createdBy: integer(),
  version: integer().notNull().default(1),
  ...timestamps,
});

export const DELIVERY_STATUSES = ['pending', 'retrying', 'succeeded', 'dead'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/**
 * One event for one endpoint. Deliveries of one lane (endpoint + subject) go out in
 * event order, each only after the one before it succeeded or died; `leaseUntil` marks
 * the one being sent, so a crashed sender's delivery is taken up again when it lapses.
 */
export const webhookDeliveries = pgTable(
  'webhook_deliveries',
  {
    id: bigserial({ mode: 'number' }).primaryKey(),
    endpointId: integer()
      .notNull()
      .references(() => webhookEndpoints.id, { onDelete: 'cascade' }),
    eventId: bigint({ mode: 'number' }).notNull(),
    eventType: text().notNull(),
    /** `<subject type>:<subject id>`: the order-keeping queue of this delivery. */
    lane: text().notNull(),
    status: text({ enum: DELIVERY_STATUSES }).notNull().default('pending'),
    attempts: integer().notNull().default(0),
    nextAttemptAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    leaseUntil: timestamp({ withTimezone: true }),
    lastStatusCode: integer(),
    lastError: text(),
    deliveredAt: timestamp({ withTimezone: true }),
    ...timestamps,
  },
  (table) => [
    uniqueIndex('webhook_deliveries_endpoint_event_key').on(table.endpointId, table.eventId),
    index('webhook_deliveries_open_idx')
      .on(table.endpointId, table.lane, table.eventId)
      .where(sql`${table.status} in ('pending', 'retrying')`),
    index('webhook_deliveries_endpoint_idx').on(table.endpointId, table.id),
    index('webhook_deliveries_created_idx').on(table.createdAt),
    check(
      'webhook_deliveries_status_check',
      sql`${table.status} in ('pending', 'retrying', 'succeeded', 'dead')`,
    ),
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
