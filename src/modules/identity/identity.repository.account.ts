import { and, desc, eq, gt, isNull, lt, ne, or, sql } from 'drizzle-orm';
import type { Executor } from '../../platform/db/client.ts';
import {
  accountTokens,
  apiTokens,
  loginLockouts,
  sessions,
  users,
  type AccountToken,
  type ApiToken,
  type Session,
  type User,
} from './identity.tables.ts';

/** Queries of the account's own credentials: login lockouts, mailed codes, session lists, ending credentials. */

// Login lockouts, keyed by the username as typed, lower-cased by PostgreSQL as the user lookup does.

const subjectOf = (username: string) => sql`lower(${username})`;

export interface LockoutState {
  failures: number;
  /** Seconds left of a running lock; 0 when not locked. */
  lockedForSeconds: number;
  /** The last failure is older than the window, so the count starts over. */
  stale: boolean;
}

/** The lockout row of `username`, created when missing and locked FOR UPDATE until `tx` ends. */
export async function lockoutForUpdate(
  tx: Executor,
  username: string,
  forgetAfterSeconds: number,
): Promise<LockoutState> {
  // One statement that creates or locks the row: a success deleting it concurrently
  // (clearLockout) cannot slip between a create and a separate locking read.
  const [row] = await tx
    .insert(loginLockouts)
    .values({ subject: subjectOf(username) })
    .onConflictDoUpdate({ target: loginLockouts.subject, set: { subject: sql`excluded.subject` } })
    .returning({
      failures: loginLockouts.failures,
      lockedForSeconds: sql<number>`coalesce(greatest(0, ceil(extract(epoch from ${loginLockouts.lockedUntil} - now())))::int, 0)`,
      stale: sql<boolean>`coalesce(${loginLockouts.lastFailureAt} < now() - make_interval(secs => ${forgetAfterSeconds}), false)`,
    });
  if (!row) throw new Error('lockout row vanished inside its transaction');
  return row;
}

/** Counts a failure: `failures` in a row, and a lock of `lockSeconds` from now (0: none). */
export async function countFailure(
  tx: Executor,
  username: string,
  failures: number,
  lockSeconds: number,
): Promise<Date | null> {
  const [row] = await tx
    .update(loginLockouts)
    .set({
      failures,
      lastFailureAt: sql`now()`,
      lockedUntil: lockSeconds > 0 ? sql`now() + make_interval(secs => ${lockSeconds})` : null,
    })
    .where(eq(loginLockouts.subject, subjectOf(username)))
    .returning({ lockedUntil: loginLockouts.lockedUntil });
  return row?.lockedUntil ?? null;
}

/** Forgets the failures of `username`; what was there, if anything. */
export async function clearLockout(
  executor: Executor,
  username: string,
): Promise<{ failures: number; lockedUntil: Date | null } | undefined> {
  const [row] = await executor
    .delete(loginLockouts)
    .where(eq(loginLockouts.subject, subjectOf(username)))
    .returning({ failures: loginLockouts.failures, lockedUntil: loginLockouts.lockedUntil });
  return row;
}

/** Drops the rows of names neither locked nor failed for `forgetAfterSeconds`: guessed names do not pile up. */
export async function purgeLockouts(executor: Executor, forgetAfterSeconds: number): Promise<number> {
  const purged = await executor
    .delete(loginLockouts)
    .where(
      and(
        or(isNull(loginLockouts.lockedUntil), lt(loginLockouts.lockedUntil, sql`now()`)),
        or(
          isNull(loginLockouts.lastFailureAt),
          lt(loginLockouts.lastFailureAt, sql`now() - make_interval(secs => ${forgetAfterSeconds})`),
        ),
      ),
    )
    .returning({ subject: loginLockouts.subject });
  return purged.length;
}

// Mailed codes

export async function insertAccountToken(
  executor: Executor,
  values: Omit<typeof accountTokens.$inferInsert, 'expiresAt'> & { ttlMinutes: number },
): Promise<AccountToken> {
  const { ttlMinutes, ...rest } = values;
  const [row] = await executor
    .insert(accountTokens)
    .values({ ...rest, expiresAt: sql`now() + make_interval(mins => ${ttlMinutes})` })
    .returning();
  if (!row) throw new Error('insert returned no row');
  return row;
}

const liveToken = (tokenHash: string, purpose: AccountToken['purpose']) =>
  and(
    eq(accountTokens.tokenHash, tokenHash),
    eq(accountTokens.purpose, purpose),
    gt(accountTokens.expiresAt, sql`now()`),
  );

/** An unexpired, unused code, without using it up. */
export async function accountTokenByHash(
  executor: Executor,
  tokenHash: string,
  purpose: AccountToken['purpose'],
): Promise<AccountToken | undefined> {
  const [row] = await executor.select().from(accountTokens).where(liveToken(tokenHash, purpose));
  return row;
}

/** Uses a code up: of two concurrent calls with one code, only one gets the row. */
export async function consumeAccountToken(
  executor: Executor,
  tokenHash: string,
  purpose: AccountToken['purpose'],
): Promise<AccountToken | undefined> {
  const [row] = await executor.delete(accountTokens).where(liveToken(tokenHash, purpose)).returning();
  return row;
}

export async function deleteAccountToken(executor: Executor, id: number): Promise<void> {
  await executor.delete(accountTokens).where(eq(accountTokens.id, id));
}

/** Voids a user's outstanding codes (of one purpose, or all); how many there were. */
export async function deleteAccountTokensOf(
  executor: Executor,
  userId: number,
  purpose?: AccountToken['purpose'],
): Promise<number> {
  const deleted = await executor
    .delete(accountTokens)
    .where(and(eq(accountTokens.userId, userId), purpose ? eq(accountTokens.purpose, purpose) : undefined))
    .returning({ id: accountTokens.id });
  return deleted.length;
}

export async function purgeExpiredAccountTokens(executor: Executor): Promise<number> {
  const purged = await executor
    .delete(accountTokens)
    .where(lt(accountTokens.expiresAt, sql`now()`))
    .returning({ id: accountTokens.id });
  return purged.length;
}

/** Active users with this address (addresses are not unique), a bounded few. */
export function activeUsersByEmail(executor: Executor, email: string): Promise<User[]> {
  return executor
    .select()
    .from(users)
    .where(and(sql`lower(${users.email}) = lower(${email})`, eq(users.isActive, true)))
    .orderBy(users.id)
    .limit(10);
}

// Sessions and tokens of one user

/** A user's live sessions, most recently used first. */
export function sessionsOf(executor: Executor, userId: number): Promise<Session[]> {
  return executor
    .select()
    .from(sessions)
    .where(and(eq(sessions.userId, userId), gt(sessions.expiresAt, sql`now()`)))
    .orderBy(desc(sessions.lastSeenAt), desc(sessions.id));
}

export async function deleteSessionById(executor: Executor, userId: number, id: number): Promise<boolean> {
  const deleted = await executor
    .delete(sessions)
    .where(and(eq(sessions.userId, userId), eq(sessions.id, id)))
    .returning({ id: sessions.id });
  return deleted.length > 0;
}

/** Ends a user's sessions, but the one with `exceptKey`; how many ended. */
export async function deleteSessionsOf(
  executor: Executor,
  userId: number,
  exceptKey?: string,
): Promise<number> {
  const deleted = await executor
    .delete(sessions)
    .where(and(eq(sessions.userId, userId), exceptKey ? ne(sessions.key, exceptKey) : undefined))
    .returning({ id: sessions.id });
  return deleted.length;
}

/** Revokes every live API token of a user; how many. */
export async function revokeTokensOf(executor: Executor, userId: number): Promise<number> {
  const revoked = await executor
    .update(apiTokens)
    .set({ revokedAt: new Date() })
    .where(and(eq(apiTokens.userId, userId), isNull(apiTokens.revokedAt)))
    .returning({ id: apiTokens.id });
  return revoked.length;
}

// The DRF auth token (identity.authtoken.ts)

/** Serialises obtaining a user's DRF auth token, so concurrent calls agree on one. */
export async function lockAuthToken(tx: Executor, userId: number): Promise<void> {
  await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${`authtoken:${userId}`}, 0))`);
}

/** The live, unexpiring personal tokens of a user with this name. */
export function liveTokensNamed(executor: Executor, userId: number, name: string): Promise<ApiToken[]> {
  return executor
    .select()
    .from(apiTokens)
    .where(
      and(
        eq(apiTokens.userId, userId),
        eq(apiTokens.name, name),
        isNull(apiTokens.revokedAt),
        isNull(apiTokens.expiresAt),
      ),
    )
    .orderBy(apiTokens.id);
}

/** The id the next API token will get: the DRF auth token's secret is derived from it before the row exists. */
export async function nextTokenId(tx: Executor): Promise<number> {
  const { rows } = await tx.execute<{ id: string }>(
    sql`select nextval(pg_get_serial_sequence('api_tokens', 'id'))::text as id`,
  );
  return Number(rows[0]?.id);
}
