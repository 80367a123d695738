import { bigint, index, integer, pgTable, text } from 'drizzle-orm/pg-core';
import {
  deliveryColumns,
  deliveryStatusCheck,
  targetBookkeepingColumns,
  targetColumns,
} from '../../platform/outbound/outbound.tables.ts';

/**
 * A Next.js (or any) frontend that caches pages by tag: its revalidation route and the
 * secret it checks.
 */
export const revalidationTargets = pgTable('revalidation_targets', {
  ...targetColumns(),
  ...targetBookkeepingColumns(),
});

/**
 * One POST of tags to one target: the union of the tags of a run of consecutive events
 * (those one dispatch found, so a transaction's events go together). The delivery log:
 * attempts, the last answer, when it got through.
 */
export const revalidationDeliveries = pgTable(
  'revalidation_deliveries',
  {
    ...deliveryColumns(),
    targetId: integer()
      .notNull()
      .references(() => revalidationTargets.id, { onDelete: 'cascade' }),
    firstEventId: bigint({ mode: 'number' }).notNull(),
    lastEventId: bigint({ mode: 'number' }).notNull(),
    tags: text().array().notNull(),
  },
  (table) => [
    index().on(table.targetId, table.id),
    index().on(table.createdAt),
    deliveryStatusCheck('revalidation_deliveries_status_check', table.status),
  ],
);

export type RevalidationTarget = typeof revalidationTargets.$inferSelect;
export type RevalidationDelivery = typeof revalidationDeliveries.$inferSelect;
