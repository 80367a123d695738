import { bigserial, index, integer, jsonb, pgTable, text, timestamp } from 'drizzle-orm/pg-core';

/**
 * Append-only: a trigger (migration 0001) rejects UPDATE and DELETE, so the trail
 * cannot be edited through the application or by a mistaken query.
 */
export const auditLog = pgTable(
  'audit_log',
  {
    id: bigserial({ mode: 'number' }).primaryKey(),
    at: timestamp({ withTimezone: true }).notNull().defaultNow(),
    actorId: integer(),
    actorLabel: text().notNull(),
    action: text().notNull(),
    resourceType: text().notNull(),
    resourceId: text().notNull(),
    before: jsonb(),
    after: jsonb(),
    requestId: text(),
    ip: text(),
    userAgent: text(),
  },
  (table) => [
    index().on(table.resourceType, table.resourceId, table.id),
    index().on(table.actorId, table.id),
  ],
);

export type AuditEntry = typeof auditLog.$inferSelect;
