import { sql } from 'drizzle-orm';
import {
  check,
  index,
  integer,
  jsonb,
  pgTable,
  serial,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core';
import { users } from './identity.tables.ts';

/**
 * The keys JWT access tokens are signed with. One is current (`retired_at` null: a
 * partial unique index lets no second one exist, whichever process rotates); a retired
 * key stays published and accepted until `accepted_until`, so tokens it signed live out
 * their lifetime. The private key never leaves the database in clear.
 */
export const jwtSigningKeys = pgTable(
  'jwt_signing_keys',
  {
    id: serial().primaryKey(),
    /** The `kid` header of the tokens it signs, and its key id in the JWKS. */
    kid: text().notNull().unique(),
    algorithm: text({ enum: ['EdDSA', 'ES256'] }).notNull(),
    /** The private JWK, sealed under SECRET_KEY (platform/auth/sealed.ts, purpose "jwt-signing-key"). */
    sealedPrivateJwk: text().notNull(),
    publicJwk: jsonb().$type<Record<string, unknown>>().notNull(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    retiredAt: timestamp({ withTimezone: true }),
    /** Set at retirement: the last moment a token signed by this key may still be valid. */
    acceptedUntil: timestamp({ withTimezone: true }),
  },
  (table) => [
    uniqueIndex('jwt_signing_keys_one_current')
      .on(sql`(true)`)
      .where(sql`${table.retiredAt} is null`),
    check('jwt_signing_keys_algorithm_check', sql`${table.algorithm} in ('EdDSA', 'ES256')`),
  ],
);

/**
 * One login by token (POST /api/v2/auth/token) and every refresh token descended from
 * it. Revoking the family ends them all, and the access tokens that name it (`sid`).
 */
export const refreshTokenFamilies = pgTable(
  'refresh_token_families',
  {
    id: serial().primaryKey(),
    userId: integer()
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    lastUsedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    /** The absolute end of the login (REFRESH_TOKEN_TTL_DAYS). */
    expiresAt: timestamp({ withTimezone: true }).notNull(),
    revokedAt: timestamp({ withTimezone: true }),
    /** logout, reuse, revoked, credentials_ended, ... */
    revokedReason: text(),
    ip: text(),
    userAgent: text(),
  },
  (table) => [index().on(table.userId), index().on(table.expiresAt)],
);

/** A refresh token: only its SHA-256 is kept. Retired (`used_at`) by the refresh that replaced it. */
export const refreshTokens = pgTable(
  'refresh_tokens',
  {
    id: serial().primaryKey(),
    familyId: integer()
      .notNull()
      .references(() => refreshTokenFamilies.id, { onDelete: 'cascade' }),
    tokenHash: text().notNull().unique(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    /** Idle expiry (REFRESH_TOKEN_IDLE_DAYS), never past the family's. */
    expiresAt: timestamp({ withTimezone: true }).notNull(),
    usedAt: timestamp({ withTimezone: true }),
  },
  (table) => [index().on(table.familyId)],
);

export type JwtSigningKey = typeof jwtSigningKeys.$inferSelect;
export type NewSigningKey = typeof jwtSigningKeys.$inferInsert;
export type RefreshTokenFamily = typeof refreshTokenFamilies.$inferSelect;
