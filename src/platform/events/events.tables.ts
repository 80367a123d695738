import { sql } from 'drizzle-orm';
import { bigserial, index, integer, jsonb, pgTable, smallint, text, timestamp } from 'drizzle-orm/pg-core';

/** Who may see an event beyond its scope: everyone in scope, staff (not viewers) in scope, or admins only. */
export const EVENT_AUDIENCES = ['all', 'staff', 'admins'] as const;
export type EventAudience = (typeof EVENT_AUDIENCES)[number];

/**
 * The outbox: one row per domain event, written in the transaction of the change it
 * describes. Ids follow commit order (a deferred trigger, see the migration, renumbers
 * each row at commit under a lock and sends NOTIFY `opsdesk_events`), so a reader that
 * has seen id N never later finds a committed event below N: `id > cursor` is a
 * complete resume point for webhooks, streams and caches.
 */
export const domainEvents = pgTable(
  'events',
  {
    id: bigserial({ mode: 'number' }).primaryKey(),
    type: text().notNull(),
    version: smallint().notNull().default(1),
    occurredAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    actorId: integer(),
    actorLabel: text(),
    subjectType: text().notNull(),
    subjectId: text().notNull(),
    /** Scope that read policies filter on: the owning department, the location, the people concerned. */
    departmentId: integer(),
    locationId: integer(),
    userIds: integer()
      .array()
      .notNull()
      .default(sql`'{}'::integer[]`),
    audience: text().$type<EventAudience>().notNull().default('all'),
    payload: jsonb().notNull(),
    /**
     * The cache tags the change invalidates (the definition's `tags`); at commit the
     * numbering trigger sets each tag's generation (`tag:<tag>` in cache_generations) to
     * this event's id.
     */
    tags: text()
      .array()
      .notNull()
      .default(sql`'{}'::text[]`),
    requestId: text(),
  },
  (table) => [index().on(table.occurredAt), index().on(table.subjectType, table.subjectId, table.id)],
);

export type StoredEvent = typeof domainEvents.$inferSelect;
