import { sql, type SQLWrapper } from 'drizzle-orm';
import {
  boolean,
  check,
  customType,
  index,
  integer,
  pgTable,
  serial,
  text,
  timestamp,
} from 'drizzle-orm/pg-core';
import { timestamps } from '../../platform/db/columns.ts';

export const CUSTOMER_KINDS = ['person', 'organisation'] as const;
export type CustomerKind = (typeof CUSTOMER_KINDS)[number];
export const CUSTOMER_STATUSES = ['lead', 'active', 'inactive'] as const;
export type CustomerStatus = (typeof CUSTOMER_STATUSES)[number];

const tsvector = customType<{ data: string }>({ dataType: () => 'tsvector' });
const bytea = customType<{ data: Buffer; driverData: Buffer }>({ dataType: () => 'bytea' });

/** The name a customer goes by, lower-cased (a person's full name, an organisation's company): what duplicate detection compares. */
export const customerNameSql = (table: Record<'kind' | 'firstName' | 'lastName' | 'company', SQLWrapper>) =>
  sql`lower(case when ${table.kind} = 'organisation' then ${table.company} else ${table.firstName} || ' ' || ${table.lastName} end)`;

/**
 * Customers: people and organisations (a person's `organisationId` makes them one of
 * its contacts). Names and company stay in clear for search; e-mail, phone, addresses,
 * date of birth and notes are ciphertexts under the customer's own data key, which is
 * stored wrapped by a key-encryption key that never enters the database
 * (customers.crypto.ts). E-mail and phone are found through truncated keyed-HMAC blind
 * indexes (customers.blind-index.ts).
 */
export const customers = pgTable(
  'customers',
  {
    id: serial().primaryKey(),
    kind: text({ enum: CUSTOMER_KINDS }).notNull().default('person'),
    firstName: text().notNull().default(''),
    lastName: text().notNull().default(''),
    /** An organisation's name; for a person, the company they work for, as typed. */
    company: text().notNull().default(''),
    organisationId: integer().references((): never => customers.id as never, { onDelete: 'set null' }),
    status: text({ enum: CUSTOMER_STATUSES }).notNull().default('lead'),
    tags: text()
      .array()
      .notNull()
      .default(sql`'{}'::text[]`),
    /** A user id (identity module); checked through its service, never joined. */
    ownerId: integer(),
    marketingConsent: boolean().notNull().default(false),
    marketingConsentAt: timestamp({ withTimezone: true }),
    marketingConsentSource: text(),
    /** The customer's data key wrapped by key-encryption key `dataKeyKek`; null once erased. */
    dataKey: bytea(),
    dataKeyKek: text(),
    email: bytea(),
    phone: bytea(),
    addresses: bytea(),
    dateOfBirth: bytea(),
    notes: bytea(),
    /** Blind indexes: truncated HMACs of the normalised e-mail and phone (false positives by design). */
    emailIndex: integer(),
    phoneIndex: integer(),
    /** Set by an erasure: the data key, every ciphertext and blind index destroyed, the names replaced. */
    erasedAt: timestamp({ withTimezone: true }),
    version: integer().notNull().default(1),
    ...timestamps,
    /** Names and company as words ('simple': names are not stemmed); kept by PostgreSQL. */
    search: tsvector().generatedAlwaysAs(
      (): ReturnType<typeof sql> =>
        sql`to_tsvector('simple', first_name || ' ' || last_name || ' ' || company)`,
    ),
  },
  (table) => [
    index('customers_search_idx').using('gin', table.search),
    index('customers_created_idx').on(table.createdAt, table.id),
    index('customers_status_idx').on(table.status, table.createdAt),
    index('customers_owner_idx').on(table.ownerId),
    index('customers_organisation_idx').on(table.organisationId),
    index('customers_tags_idx').using('gin', table.tags),
    index('customers_email_index_idx').on(table.emailIndex),
    index('customers_phone_index_idx').on(table.phoneIndex),
    index('customers_data_key_kek_idx').on(table.dataKeyKek, table.id),
    // Similar names for duplicate detection (customers.duplicates.ts): trigrams of the name a person or organisation goes by.
    index('customers_name_trgm_idx').using('gin', sql`(${customerNameSql(table)}) gin_trgm_ops`),
    check('customers_kind_check', sql`${table.kind} in ('person', 'organisation')`),
    check('customers_status_check', sql`${table.status} in ('lead', 'active', 'inactive')`),
    check(
      'customers_contact_is_person_check',
      sql`${table.organisationId} is null or ${table.kind} = 'person'`,
    ),
  ],
);

/**
 * The distinct words of customer names and companies, for typo correction (a trigger
 * of the customers migration keeps it): a misspelt word is matched against this small
 * set by trigram distance, then searched as the word it most likely meant.
 */
export const customerSearchWords = pgTable(
  'customer_search_words',
  { word: text().primaryKey() },
  // GIN, not GiST: a trigram KNN walk of a GiST index over ~65k words reads most of it
  // (15-70 ms measured); the GIN index finds the few words sharing trigrams (< 1 ms), sorted after.
  (table) => [index('customer_search_words_trgm_idx').using('gin', sql`${table.word} gin_trgm_ops`)],
);

/**
 * Checkpoints of `opsdesk keys rotate-data`: one row per run towards a key-encryption
 * key. A run that stops (killed, crashed) resumes after `lastCustomerId`.
 */
export const customerKeyRotations = pgTable('customer_key_rotations', {
  id: serial().primaryKey(),
  kekId: text().notNull(),
  lastCustomerId: integer().notNull().default(0),
  rewrapped: integer().notNull().default(0),
  total: integer().notNull(),
  startedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  finishedAt: timestamp({ withTimezone: true }),
});

/**
 * Where merged customers went: a merge moves a duplicate's tickets, orders, contacts
 * and tags onto the survivor and deletes the duplicate; this row keeps the pointer, so
 * a reader holding the old id learns where it went.
 */
export const customerMerges = pgTable(
  'customer_merges',
  {
    duplicateId: integer().primaryKey(),
    survivorId: integer()
      .notNull()
      .references((): never => customers.id as never, { onDelete: 'cascade' }),
    mergedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [index('customer_merges_survivor_idx').on(table.survivorId)],
);

export type CustomerRow = Omit<typeof customers.$inferSelect, 'search'>;
export type NewCustomerRow = typeof customers.$inferInsert;
export type CustomerKeyRotation = typeof customerKeyRotations.$inferSelect;
