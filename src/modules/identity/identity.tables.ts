import { sql } from 'drizzle-orm';
import {
  boolean,
  check,
  date,
  index,
  integer,
  pgTable,
  serial,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core';
import { timestamps } from '../../platform/db/columns.ts';

export const departments = pgTable(
  'departments',
  {
    id: serial().primaryKey(),
    name: text().notNull(),
    description: text().notNull().default(''),
    version: integer().notNull().default(1),
    ...timestamps,
  },
  (table) => [uniqueIndex('departments_name_key').on(sql`lower(${table.name})`)],
);

export const users = pgTable(
  'users',
  {
    id: serial().primaryKey(),
    username: text().notNull(),
    email: text().notNull().default(''),
    passwordHash: text(),
    firstName: text().notNull().default(''),
    lastName: text().notNull().default(''),
    role: text({ enum: ['admin', 'manager', 'agent', 'viewer'] })
      .notNull()
      .default('viewer'),
    /**
     * A person, or a service account: a non-human principal that authenticates only by
     * API key (see identity.service-accounts.ts), and so never has a password.
     */
    kind: text({ enum: ['human', 'service'] })
      .notNull()
      .default('human'),
    departmentId: integer().references(() => departments.id, { onDelete: 'set null' }),
    timeZone: text().notNull().default('UTC'),
    isActive: boolean().notNull().default(true),
    isStaff: boolean().notNull().default(false),
    isSuperuser: boolean().notNull().default(false),
    dateJoined: timestamp({ withTimezone: true }).notNull().defaultNow(),
    lastLogin: timestamp({ withTimezone: true }),
    version: integer().notNull().default(1),
    updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [
    uniqueIndex('users_username_key').on(sql`lower(${table.username})`),
    index().on(table.departmentId),
    check('users_role_check', sql`${table.role} in ('admin', 'manager', 'agent', 'viewer')`),
    check('users_kind_check', sql`${table.kind} in ('human', 'service')`),
    check('users_service_no_password', sql`${table.kind} = 'human' or ${table.passwordHash} is null`),
  ],
);

export const profiles = pgTable('profiles', {
  id: serial().primaryKey(),
  userId: integer()
    .notNull()
    .unique()
    .references(() => users.id, { onDelete: 'cascade' }),
  phone: text(),
  position: text(),
  startDate: date({ mode: 'string' }),
  version: integer().notNull().default(1),
  ...timestamps,
});

export const sessions = pgTable(
  'sessions',
  {
    /** SHA-256 of the cookie value; the value itself is never stored. */
    key: text().primaryKey(),
    userId: integer()
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    lastSeenAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    expiresAt: timestamp({ withTimezone: true }).notNull(),
    ip: text(),
    userAgent: text(),
  },
  (table) => [index().on(table.userId), index().on(table.expiresAt)],
);

export const apiTokens = pgTable(
  'api_tokens',
  {
    id: serial().primaryKey(),
    userId: integer()
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    name: text().notNull(),
    /** The first characters of the token, shown in lists so a user can tell tokens apart. */
    prefix: text().notNull(),
    tokenHash: text().notNull().unique(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    lastUsedAt: timestamp({ withTimezone: true }),
    expiresAt: timestamp({ withTimezone: true }),
    revokedAt: timestamp({ withTimezone: true }),
  },
  (table) => [index().on(table.userId)],
);

/** What a service account has beyond its users row. */
export const serviceAccounts = pgTable('service_accounts', {
  userId: integer()
    .primaryKey()
    .references(() => users.id, { onDelete: 'cascade' }),
  description: text().notNull().default(''),
  createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
});

export const apiKeys = pgTable(
  'api_keys',
  {
    id: serial().primaryKey(),
    /** The service account the key authenticates as. */
    userId: integer()
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    name: text().notNull(),
    /** The first characters of the secret (`osk_` and 8 more), shown in lists and audit entries. */
    prefix: text().notNull(),
    /** SHA-256 of the secret; the secret itself is shown once and never stored. */
    keyHash: text().notNull().unique(),
    /** Permission names the key is limited to (see platform/auth/policy.ts). */
    scopes: text().array().notNull(),
    /** Requests per minute; null: the configured default. */
    rateLimitPerMinute: integer(),
    createdById: integer().references(() => users.id, { onDelete: 'set null' }),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    lastUsedAt: timestamp({ withTimezone: true }),
    lastUsedIp: text(),
    expiresAt: timestamp({ withTimezone: true }),
    revokedAt: timestamp({ withTimezone: true }),
  },
  (table) => [
    index().on(table.userId),
    check('api_keys_rate_limit_check', sql`${table.rateLimitPerMinute} > 0`),
  ],
);

export type Department = typeof departments.$inferSelect;
export type User = typeof users.$inferSelect;
export type NewUser = typeof users.$inferInsert;
export type Profile = typeof profiles.$inferSelect;
export type ApiToken = typeof apiTokens.$inferSelect;
export type ServiceAccount = typeof serviceAccounts.$inferSelect;
export type ApiKey = typeof apiKeys.$inferSelect;
