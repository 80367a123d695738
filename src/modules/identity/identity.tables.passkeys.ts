import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  check,
  index,
  integer,
  pgTable,
  serial,
  text,
  timestamp,
} from 'drizzle-orm/pg-core';
import { users } from './identity.tables.ts';

/**
 * A user's passkey (a WebAuthn credential): a second factor after the password, and a
 * passwordless login of its own when the authenticator keeps it as discoverable.
 */
export const passkeys = pgTable(
  'passkeys',
  {
    id: serial().primaryKey(),
    userId: integer()
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    /** The credential id the authenticator chose, base64url. */
    credentialId: text().notNull().unique(),
    /** The COSE public key, base64url: public, so stored as is. */
    publicKey: text().notNull(),
    /** The authenticator's signature counter at its last use; 0 for authenticators that keep none. */
    counter: bigint({ mode: 'number' }).notNull().default(0),
    transports: text()
      .array()
      .notNull()
      .default(sql`'{}'::text[]`),
    name: text().notNull(),
    /** Synced across the user's devices (multi-device) or bound to one authenticator. */
    deviceType: text({ enum: ['singleDevice', 'multiDevice'] }).notNull(),
    backedUp: boolean().notNull().default(false),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    lastUsedAt: timestamp({ withTimezone: true }),
  },
  (table) => [
    index().on(table.userId),
    check('passkeys_device_type_check', sql`${table.deviceType} in ('singleDevice', 'multiDevice')`),
  ],
);

/**
 * The challenges the server handed to a WebAuthn ceremony: single-use (deleted as the
 * answer is checked), short-lived, and bound to the ceremony and, except for a
 * passwordless login, to the user. Only their SHA-256 is kept.
 */
export const webauthnChallenges = pgTable(
  'webauthn_challenges',
  {
    id: serial().primaryKey(),
    challengeHash: text().notNull().unique(),
    purpose: text({ enum: ['registration', 'second_factor', 'passwordless'] }).notNull(),
    userId: integer().references(() => users.id, { onDelete: 'cascade' }),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    expiresAt: timestamp({ withTimezone: true }).notNull(),
  },
  (table) => [
    index().on(table.expiresAt),
    check(
      'webauthn_challenges_purpose_check',
      sql`${table.purpose} in ('registration', 'second_factor', 'passwordless')`,
    ),
  ],
);

export type Passkey = typeof passkeys.$inferSelect;
export type WebAuthnPurpose = (typeof webauthnChallenges.$inferSelect)['purpose'];
