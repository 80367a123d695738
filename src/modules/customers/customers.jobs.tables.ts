import { sql } from 'drizzle-orm';
import {
  boolean,
  check,
  customType,
  index,
  integer,
  jsonb,
  pgTable,
  serial,
  text,
  timestamp,
} from 'drizzle-orm/pg-core';
import { timestamps } from '../../platform/db/columns.ts';
import { customers } from './customers.tables.ts';

const bytea = customType<{ data: Buffer; driverData: Buffer }>({ dataType: () => 'bytea' });

export const WELCOME_STATES = ['queued', 'sending', 'sent', 'skipped', 'failed', 'unknown'] as const;
export type WelcomeState = (typeof WELCOME_STATES)[number];

/**
 * The welcome e-mail of a customer (customers.welcome.ts): one row per customer, made
 * when the e-mail is queued, so it is sent at most once per customer whatever the job
 * does. `skipped`: consent or address gone by the time the job ran. `unknown`: an attempt died between the SMTP server's acceptance and this row,
 * so it may have gone; it is never sent again. No address and no SMTP message is kept
 * here (they may name the recipient): the state, the attempts and the reply code.
 */
export const customerWelcomeEmails = pgTable(
  'customer_welcome_emails',
  {
    customerId: integer()
      .primaryKey()
      .references(() => customers.id, { onDelete: 'cascade' }),
    state: text({ enum: WELCOME_STATES }).notNull().default('queued'),
    attempts: integer().notNull().default(0),
    /** The SMTP reply code of the last refusal (`550`), or `error` when there was none. */
    lastError: text(),
    messageId: text(),
    sentAt: timestamp({ withTimezone: true }),
    ...timestamps,
  },
  (table) => [
    check(
      'customer_welcome_emails_state_check',
      sql`${table.state} in ('queued', 'sending', 'sent', 'skipped', 'failed', 'unknown')`,
    ),
  ],
);

export const CUSTOMER_IMPORT_STATUSES = ['queued', 'running', 'succeeded', 'failed'] as const;
export type CustomerImportStatus = (typeof CUSTOMER_IMPORT_STATUSES)[number];

/**
 * Uploaded customer imports (customers.import.records.ts). The file holds personal data,
 * so it is stored encrypted like a customer's fields: AES-256-GCM under a data key of
 * its own, wrapped by the current key-encryption key; both are nulled once the import
 * has run. The row problems name a row, a field and a message, never a value.
 */
export const customerImports = pgTable(
  'customer_imports',
  {
    id: serial().primaryKey(),
    status: text({ enum: CUSTOMER_IMPORT_STATUSES }).notNull().default('queued'),
    mode: text({ enum: ['all_or_nothing', 'skip_invalid'] }).notNull(),
    /** Whether created customers who consented get the welcome e-mail. */
    sendWelcome: boolean().notNull().default(false),
    actorId: integer().notNull(),
    /** The importing person as the job acts: their actor at the time of the request. */
    actor: jsonb().notNull(),
    requestId: text(),
    filename: text(),
    sizeBytes: integer().notNull(),
    dataKey: bytea(),
    data: bytea(),
    rows: integer().notNull().default(0),
    created: integer().notNull().default(0),
    failed: integer().notNull().default(0),
    duplicates: integer().notNull().default(0),
    /** `{row, field, message}`, at most MAX_STORED_ERRORS of them. */
    errors: jsonb().notNull().default([]),
    /** Why the whole file was refused, when it was. */
    detail: text(),
    finishedAt: timestamp({ withTimezone: true }),
    ...timestamps,
  },
  (table) => [
    index('customer_imports_actor_idx').on(table.actorId, table.id),
    check(
      'customer_imports_status_check',
      sql`${table.status} in ('queued', 'running', 'succeeded', 'failed')`,
    ),
  ],
);

export type CustomerWelcomeEmail = typeof customerWelcomeEmails.$inferSelect;
export type CustomerImport = typeof customerImports.$inferSelect;
