import { timestamp } from 'drizzle-orm/pg-core';

/** `created_at` and `updated_at`, both timestamptz, set by PostgreSQL on insert. */
export const timestamps = {
  createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
};
