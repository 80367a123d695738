import { sql } from 'drizzle-orm';
import { index, integer, jsonb, pgTable, serial, text, timestamp } from 'drizzle-orm/pg-core';

export const EMAIL_STATES = ['none', 'scheduled', 'sent', 'failed'] as const;
export type EmailState = (typeof EMAIL_STATES)[number];

/**
 * In-app notifications, one row per recipient. The e-mail copy is a job; its state is
 * kept here so a person (and a test) can see when it was held for working hours.
 */
export const notifications = pgTable(
  'notifications',
  {
    id: serial().primaryKey(),
    userId: integer().notNull(),
    /** What happened, dotted (`sla.at_risk`, `sla.breached`, `ticket.assigned`). */
    kind: text().notNull(),
    title: text().notNull(),
    body: text().notNull().default(''),
    ticketId: integer(),
    data: jsonb().notNull().default({}),
    readAt: timestamp({ withTimezone: true }),
    emailState: text({ enum: EMAIL_STATES }).notNull().default('none'),
    /** When the e-mail goes (or went): now, or the recipient's next working hour. */
    emailAt: timestamp({ withTimezone: true }),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [
    index('notifications_user_idx').on(table.userId, table.id),
    index('notifications_unread_idx')
      .on(table.userId)
      .where(sql`${table.readAt} is null`),
  ],
);

export type Notification = typeof notifications.$inferSelect;
export type NewNotification = typeof notifications.$inferInsert;
