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
} from 'drizzle-orm/pg-core';
import { timestamps } from '../../platform/db/columns.ts';

/**
 * A Next.js (or any) frontend that caches pages by tag: its revalidation route and the
 * secret it checks (sealed with SECRET_KEY). `cursor` is the last outbox event turned
 * into deliveries for it, advanced in the transaction that queues them.
 */
export const revalidationTargets = pgTable('revalidation_targets', {
  id: serial().primaryKey(),
  url: text().notNull(),
  description: text().notNull().default(''),
  enabled: boolean().notNull().default(true),
  secret: text().notNull(),
  cursor: bigint({ mode: 'number' }).notNull().default(0),
  createdBy: integer(),
  version: integer().notNull().default(1),
  ...timestamps,
});

export const REVALIDATION_STATUSES = ['pending', 'retrying', 'succeeded', 'dead'] as const;
export type RevalidationStatus = (typeof REVALIDATION_STATUSES)[number];

/**
 * One POST of tags to one target: the union of the tags of a run of consecutive events
 * (those one dispatch found, so a transaction's events go together). The delivery log:
 * attempts, the last answer, when it got through.
 */
export const revalidationDeliveries = pgTable(
  'revalidation_deliveries',
  {
    id: bigserial({ mode: 'number' }).primaryKey(),
    targetId: integer()
      .notNull()
      .references(() => revalidationTargets.id, { onDelete: 'cascade' }),
    firstEventId: bigint({ mode: 'number' }).notNull(),
    lastEventId: bigint({ mode: 'number' }).notNull(),
    tags: text().array().notNull(),
    status: text({ enum: REVALIDATION_STATUSES }).notNull().default('pending'),
    attempts: integer().notNull().default(0),
    lastStatusCode: integer(),
    lastError: text(),
    deliveredAt: timestamp({ withTimezone: true }),
    ...timestamps,
  },
  (table) => [
    index().on(table.targetId, table.id),
    index().on(table.createdAt),
    check(
      'revalidation_deliveries_status_check',
      sql`${table.status} in ('pending', 'retrying', 'succeeded', 'dead')`,
    ),
  ],
);

export type RevalidationTarget = typeof revalidationTargets.$inferSelect;
export type RevalidationDelivery = typeof revalidationDeliveries.$inferSelect;
