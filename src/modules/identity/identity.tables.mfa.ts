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
 * A user's TOTP authenticator (RFC 6238). Pending until a first code confirms it, so a
 * half-finished enrolment never locks anyone out.
 */
export const totpFactors = pgTable('totp_factors', {
  userId: integer()
    .primaryKey()
    .references(() => users.id, { onDelete: 'cascade' }),
  /** The base32 seed, sealed under SECRET_KEY (platform/auth/sealed.ts, purpose "totp"). */
  sealedSecret: text().notNull(),
  confirmedAt: timestamp({ withTimezone: true }),
  /** The last time step a code was accepted for: a code at this step or before is a replay. */
  lastUsedStep: bigint({ mode: 'number' }),
  createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
});

/** Single-use codes that stand in for a second factor; only their SHA-256 is kept. */
export const mfaRecoveryCodes = pgTable(
  'mfa_recovery_codes',
  {
    id: serial().primaryKey(),
    userId: integer()
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    codeHash: text().notNull(),
    usedAt: timestamp({ withTimezone: true }),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [index().on(table.userId, table.codeHash)],
);

/**
 * The short-lived proof that a login passed its password step: `login` waits for a
 * second factor, `enrol` lets a user whose role requires MFA enrol and nothing else.
 * Bound to the flow that issued it (a session challenge never yields tokens).
 */
export const mfaChallenges = pgTable(
  'mfa_challenges',
  {
    id: serial().primaryKey(),
    /** SHA-256 of the challenge token; the token itself is only ever in the client's hands. */
    tokenHash: text().notNull().unique(),
    userId: integer()
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    purpose: text({ enum: ['login', 'enrol'] }).notNull(),
    flow: text({ enum: ['session', 'token'] }).notNull(),
    /** Set when an `enrol` challenge confirmed a factor: completing it then needs no further code. */
    satisfiedAt: timestamp({ withTimezone: true }),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    expiresAt: timestamp({ withTimezone: true }).notNull(),
  },
  (table) => [
    index().on(table.userId),
    check('mfa_challenges_purpose_check', sql`${table.purpose} in ('login', 'enrol')`),
    check('mfa_challenges_flow_check', sql`${table.flow} in ('session', 'token')`),
  ],
);

/** Second-factor attempts per user in the current window, whatever the client's IP. */
export const mfaThrottles = pgTable('mfa_throttles', {
  userId: integer()
    .primaryKey()
    .references(() => users.id, { onDelete: 'cascade' }),
  /** Attempts counted before they are checked, so parallel guesses cannot outrun the limit. */
  attempts: integer().notNull().default(0),
  windowStartedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  lockedUntil: timestamp({ withTimezone: true }),
});

/** Roles whose members must have a second factor; a role without a row does not. */
export const mfaRolePolicies = pgTable(
  'mfa_role_policies',
  {
    role: text({ enum: ['admin', 'manager', 'agent', 'viewer'] }).primaryKey(),
    required: boolean().notNull().default(false),
    updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [
    check('mfa_role_policies_role_check', sql`${table.role} in ('admin', 'manager', 'agent', 'viewer')`),
  ],
);

export type TotpFactor = typeof totpFactors.$inferSelect;
export type MfaChallenge = typeof mfaChallenges.$inferSelect;
