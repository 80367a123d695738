import { sql } from 'drizzle-orm';
import {
  boolean,
  check,
  index,
  integer,
  pgTable,
  serial,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core';
import { timestamps } from '../../platform/db/columns.ts';
import { users } from './identity.tables.ts';

/** OpenID Connect identity providers an administrator set up for single sign-on. */
export const oidcProviders = pgTable(
  'oidc_providers',
  {
    id: serial().primaryKey(),
    /** The provider's name in URLs: /api/v2/auth/oidc/<slug>/login. */
    slug: text().notNull(),
    name: text().notNull(),
    issuer: text().notNull(),
    clientId: text().notNull(),
    /** Sealed with SECRET_KEY (platform/auth/sealed.ts, purpose "oidc"); null for a public client. */
    clientSecretSealed: text(),
    scopes: text().notNull().default('openid email profile'),
    enabled: boolean().notNull().default(true),
    /** Domains ("example.com") and exact addresses ("ann@example.com") whose verified e-mail may link or provision. */
    allowedEmails: text()
      .array()
      .notNull()
      .default(sql`'{}'::text[]`),
    /** Create an account for an allowed, verified e-mail that matches no one; refuse otherwise. */
    provisionUsers: boolean().notNull().default(false),
    provisionRole: text({ enum: ['admin', 'manager', 'agent', 'viewer'] })
      .notNull()
      .default('viewer'),
    version: integer().notNull().default(1),
    ...timestamps,
  },
  (table) => [
    uniqueIndex('oidc_providers_slug_key').on(table.slug),
    check(
      'oidc_providers_provision_role_check',
      sql`${table.provisionRole} in ('admin', 'manager', 'agent', 'viewer')`,
    ),
  ],
);

/**
 * A provider's account (its `sub`) linked to an Opsdesk user. Later logins match by
 * `sub` only: an e-mail can change hands at the provider, a subject does not. One
 * subject per user and provider, so a second provider account cannot take over a
 * linked user through a shared e-mail.
 */
export const userIdentities = pgTable(
  'user_identities',
  {
    id: serial().primaryKey(),
    providerId: integer()
      .notNull()
      .references(() => oidcProviders.id, { onDelete: 'cascade' }),
    subject: text().notNull(),
    userId: integer()
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    /** The e-mail that made the link, for the admin's eyes; never used to match. */
    email: text().notNull(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    lastLoginAt: timestamp({ withTimezone: true }),
  },
  (table) => [
    uniqueIndex('user_identities_provider_subject_key').on(table.providerId, table.subject),
    uniqueIndex('user_identities_provider_user_key').on(table.providerId, table.userId),
    index().on(table.userId),
  ],
);

/**
 * A login begun and not yet finished: what the callback must check (state, nonce,
 * PKCE verifier) kept server-side, so it is used once and shared by every API process.
 * Keyed by the state's digest; bound to the browser that began it by the digest of a
 * random HttpOnly cookie.
 */
export const oidcLoginStates = pgTable(
  'oidc_login_states',
  {
    stateHash: text().primaryKey(),
    providerId: integer()
      .notNull()
      .references(() => oidcProviders.id, { onDelete: 'cascade' }),
    browserHash: text().notNull(),
    nonce: text().notNull(),
    /** Sealed like client secrets: with the code in a redirect, the verifier is what redeems it. */
    codeVerifierSealed: text().notNull(),
    next: text().notNull(),
    expiresAt: timestamp({ withTimezone: true }).notNull(),
  },
  (table) => [index().on(table.expiresAt)],
);

export type OidcProvider = typeof oidcProviders.$inferSelect;
export type NewOidcProvider = typeof oidcProviders.$inferInsert;
export type UserIdentity = typeof userIdentities.$inferSelect;
export type OidcLoginState = typeof oidcLoginStates.$inferSelect;
