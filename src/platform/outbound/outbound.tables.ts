import { sql } from 'drizzle-orm';
import {
  bigint,
  bigserial,
  boolean,
  check,
  integer,
  serial,
  text,
  timestamp,
  type PgColumn,
} from 'drizzle-orm/pg-core';
import { timestamps } from '../db/columns.ts';

/**
 * Column builders for the tables of an outbound integration (webhooks, frontend
 * revalidation): targets that receive HTTP POSTs made from outbox events, and the log
 * of those deliveries. Functions, since a Drizzle column belongs to one table.
 */

export const DELIVERY_STATUSES = ['pending', 'retrying', 'succeeded', 'dead'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/** Where to POST, whether to, and the secret the receiver checks (sealed with SECRET_KEY). */
export const targetColumns = () => ({
  id: serial().primaryKey(),
  url: text().notNull(),
  description: text().notNull().default(''),
  enabled: boolean().notNull().default(true),
  secret: text().notNull(),
});

/**
 * `cursor` is the last outbox event turned into deliveries for the target, advanced in
 * the transaction that queues them, so an event is queued once per target.
 */
export const targetBookkeepingColumns = () => ({
  cursor: bigint({ mode: 'number' }).notNull().default(0),
  createdBy: integer(),
  version: integer().notNull().default(1),
  ...timestamps,
});

/** A delivery's id, its state in the retry schedule, and the last answer it got. */
export const deliveryColumns = () => ({
  id: bigserial({ mode: 'number' }).primaryKey(),
  status: text({ enum: DELIVERY_STATUSES }).notNull().default('pending'),
  attempts: integer().notNull().default(0),
  lastStatusCode: integer(),
  lastError: text(),
  deliveredAt: timestamp({ withTimezone: true }),
  ...timestamps,
});

export const deliveryStatusCheck = (name: string, status: PgColumn) =>
  check(name, sql`${status} in ('pending', 'retrying', 'succeeded', 'dead')`);
