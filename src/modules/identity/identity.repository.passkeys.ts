import { and, asc, count, eq, gt, inArray, isNull, lt, sql } from 'drizzle-orm';
import type { Executor } from '../../platform/db/client.ts';
import {
  passkeys,
  webauthnChallenges,
  type Passkey,
  type WebAuthnPurpose,
} from './identity.tables.passkeys.ts';
import { sessions } from './identity.tables.ts';

export async function passkeysOf(executor: Executor, userId: number): Promise<Passkey[]> {
  return executor.select().from(passkeys).where(eq(passkeys.userId, userId)).orderBy(asc(passkeys.id));
}

export async function hasPasskey(executor: Executor, userId: number): Promise<boolean> {
  const [row] = await executor.select({ n: count() }).from(passkeys).where(eq(passkeys.userId, userId));
  return (row?.n ?? 0) > 0;
}

export async function passkeyByCredentialId(
  executor: Executor,
  credentialId: string,
): Promise<Passkey | undefined> {
  const [row] = await executor.select().from(passkeys).where(eq(passkeys.credentialId, credentialId));
  return row;
}

export async function insertPasskey(
  executor: Executor,
  values: typeof passkeys.$inferInsert,
): Promise<Passkey> {
  const [row] = await executor.insert(passkeys).values(values).returning();
  if (!row) throw new Error('insert passkeys returned no row');
  return row;
}

export async function renamePasskey(
  executor: Executor,
  userId: number,
  id: number,
  name: string,
): Promise<Passkey | undefined> {
  const [row] = await executor
    .update(passkeys)
    .set({ name })
    .where(and(eq(passkeys.id, id), eq(passkeys.userId, userId)))
    .returning();
  return row;
}

export async function deletePasskey(
  executor: Executor,
  userId: number,
  id: number,
): Promise<Passkey | undefined> {
  const [row] = await executor
    .delete(passkeys)
    .where(and(eq(passkeys.id, id), eq(passkeys.userId, userId)))
    .returning();
  return row;
}

export async function deletePasskeysOf(executor: Executor, userId: number): Promise<number> {
  const rows = await executor
    .delete(passkeys)
    .where(eq(passkeys.userId, userId))
    .returning({ id: passkeys.id });
  return rows.length;
}

/**
 * Records a use with the authenticator's new counter, only if the counter it was
 * checked against is still the stored one: of two requests racing with copies of one
 * credential, the second updates nothing.
 */
export async function recordPasskeyUse(
  executor: Executor,
  id: number,
  checkedCounter: number,
  newCounter: number,
): Promise<boolean> {
  const rows = await executor
    .update(passkeys)
    .set({ counter: newCounter, lastUsedAt: sql`now()` })
    .where(and(eq(passkeys.id, id), eq(passkeys.counter, checkedCounter)))
    .returning({ id: passkeys.id });
  return rows.length > 0;
}

// Challenges

export async function insertWebAuthnChallenge(
  executor: Executor,
  values: { challengeHash: string; purpose: WebAuthnPurpose; userId: number | null; ttlSeconds: number },
): Promise<void> {
  // Unanswered challenges of unauthenticated callers would pile up: each insert sweeps a few expired ones.
  const expired = executor
    .select({ id: webauthnChallenges.id })
    .from(webauthnChallenges)
    .where(lt(webauthnChallenges.expiresAt, sql`now()`))
    .limit(20);
  await executor.delete(webauthnChallenges).where(inArray(webauthnChallenges.id, expired));
  await executor.insert(webauthnChallenges).values({
    challengeHash: values.challengeHash,
    purpose: values.purpose,
    userId: values.userId,
    expiresAt: sql`now() + make_interval(secs => ${values.ttlSeconds})`,
  });
}

/**
 * Deletes a live challenge issued for `purpose` (and `userId`, or no user); false when
 * it never existed, expired, belongs to another ceremony or user, or was used already.
 */
export async function consumeWebAuthnChallenge(
  executor: Executor,
  challengeHash: string,
  purpose: WebAuthnPurpose,
  userId: number | null,
): Promise<boolean> {
  const rows = await executor
    .delete(webauthnChallenges)
    .where(
      and(
        eq(webauthnChallenges.challengeHash, challengeHash),
        eq(webauthnChallenges.purpose, purpose),
        userId === null ? isNull(webauthnChallenges.userId) : eq(webauthnChallenges.userId, userId),
        gt(webauthnChallenges.expiresAt, sql`now()`),
      ),
    )
    .returning({ id: webauthnChallenges.id });
  return rows.length > 0;
}

/** When the session with this key was opened (a fresh session may change passkeys without the password). */
export async function sessionOpenedAt(executor: Executor, key: string): Promise<Date | undefined> {
  const [row] = await executor
    .select({ createdAt: sessions.createdAt })
    .from(sessions)
    .where(eq(sessions.key, key));
  return row?.createdAt;
}
