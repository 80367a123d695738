import { and, count, eq, gt, isNotNull, isNull, lt, lte, or, sql } from 'drizzle-orm';
import type { Role } from '../../platform/auth/actor.ts';
import type { Executor } from '../../platform/db/client.ts';
import {
  mfaChallenges,
  mfaRecoveryCodes,
  mfaRolePolicies,
  mfaThrottles,
  totpFactors,
  type MfaChallenge,
  type TotpFactor,
} from './identity.tables.mfa.ts';
import { users, type User } from './identity.tables.ts';

export async function userById(executor: Executor, id: number): Promise<User | undefined> {
  const [user] = await executor.select().from(users).where(eq(users.id, id));
  return user;
}

// TOTP

export async function totpOf(executor: Executor, userId: number): Promise<TotpFactor | undefined> {
  const [factor] = await executor.select().from(totpFactors).where(eq(totpFactors.userId, userId));
  return factor;
}

/** Starts (or restarts) a pending enrolment; false when a confirmed factor is already there. */
export async function putPendingTotp(
  executor: Executor,
  userId: number,
  sealedSecret: string,
): Promise<boolean> {
  const rows = await executor
    .insert(totpFactors)
    .values({ userId, sealedSecret })
    .onConflictDoUpdate({
      target: totpFactors.userId,
      set: { sealedSecret, createdAt: sql`now()`, lastUsedStep: null },
      setWhere: isNull(totpFactors.confirmedAt),
    })
    .returning({ userId: totpFactors.userId });
  return rows.length > 0;
}

export async function confirmTotp(executor: Executor, userId: number, step: number): Promise<boolean> {
  const rows = await executor
    .update(totpFactors)
    .set({ confirmedAt: sql`now()`, lastUsedStep: step })
    .where(and(eq(totpFactors.userId, userId), isNull(totpFactors.confirmedAt)))
    .returning({ userId: totpFactors.userId });
  return rows.length > 0;
}

/**
 * Records `step` as used, only if it is later than the last used one. One statement, so
 * of two requests with the same code the second waits for the first's row lock, then
 * finds the step taken and updates nothing.
 */
export async function useTotpStep(executor: Executor, userId: number, step: number): Promise<boolean> {
  const rows = await executor
    .update(totpFactors)
    .set({ lastUsedStep: step })
    .where(
      and(
        eq(totpFactors.userId, userId),
        isNotNull(totpFactors.confirmedAt),
        or(isNull(totpFactors.lastUsedStep), lt(totpFactors.lastUsedStep, step)),
      ),
    )
    .returning({ userId: totpFactors.userId });
  return rows.length > 0;
}

export async function hasConfirmedTotp(executor: Executor, userId: number): Promise<boolean> {
  const [row] = await executor
    .select({ userId: totpFactors.userId })
    .from(totpFactors)
    .where(and(eq(totpFactors.userId, userId), isNotNull(totpFactors.confirmedAt)));
  return row !== undefined;
}

export async function deleteTotp(executor: Executor, userId: number): Promise<boolean> {
  const rows = await executor
    .delete(totpFactors)
    .where(eq(totpFactors.userId, userId))
    .returning({ userId: totpFactors.userId });
  return rows.length > 0;
}

// Recovery codes

export async function replaceRecoveryCodes(
  executor: Executor,
  userId: number,
  hashes: string[],
): Promise<void> {
  await executor.delete(mfaRecoveryCodes).where(eq(mfaRecoveryCodes.userId, userId));
  await executor.insert(mfaRecoveryCodes).values(hashes.map((codeHash) => ({ userId, codeHash })));
}

/** Marks an unused code as used; the `used_at is null` condition is re-checked after a concurrent use commits. */
export async function useRecoveryCode(
  executor: Executor,
  userId: number,
  codeHash: string,
): Promise<boolean> {
  const rows = await executor
    .update(mfaRecoveryCodes)
    .set({ usedAt: sql`now()` })
    .where(
      and(
        eq(mfaRecoveryCodes.userId, userId),
        eq(mfaRecoveryCodes.codeHash, codeHash),
        isNull(mfaRecoveryCodes.usedAt),
      ),
    )
    .returning({ id: mfaRecoveryCodes.id });
  return rows.length > 0;
}

export async function unusedRecoveryCodes(executor: Executor, userId: number): Promise<number> {
  const [row] = await executor
    .select({ value: count() })
    .from(mfaRecoveryCodes)
    .where(and(eq(mfaRecoveryCodes.userId, userId), isNull(mfaRecoveryCodes.usedAt)));
  return row?.value ?? 0;
}

export async function deleteRecoveryCodes(executor: Executor, userId: number): Promise<boolean> {
  const rows = await executor
    .delete(mfaRecoveryCodes)
    .where(eq(mfaRecoveryCodes.userId, userId))
    .returning({ id: mfaRecoveryCodes.id });
  return rows.length > 0;
}

// Challenges

/** Inserts a challenge and drops the user's expired ones, so the table holds only live logins. */
export async function insertChallenge(
  executor: Executor,
  values: Pick<MfaChallenge, 'tokenHash' | 'userId' | 'purpose' | 'flow'> & { ttlSeconds: number },
): Promise<void> {
  const { ttlSeconds, ...challenge } = values;
  await executor
    .delete(mfaChallenges)
    .where(and(eq(mfaChallenges.userId, values.userId), lte(mfaChallenges.expiresAt, sql`now()`)));
  await executor
    .insert(mfaChallenges)
    .values({ ...challenge, expiresAt: sql`now() + make_interval(secs => ${ttlSeconds})` });
}

export async function liveChallenge(
  executor: Executor,
  tokenHash: string,
): Promise<MfaChallenge | undefined> {
  const [challenge] = await executor
    .select()
    .from(mfaChallenges)
    .where(and(eq(mfaChallenges.tokenHash, tokenHash), gt(mfaChallenges.expiresAt, sql`now()`)));
  return challenge;
}

/** Deletes a live challenge; false when it is gone (used by a concurrent request) or expired. */
export async function consumeChallenge(executor: Executor, id: number): Promise<boolean> {
  const rows = await executor
    .delete(mfaChallenges)
    .where(and(eq(mfaChallenges.id, id), gt(mfaChallenges.expiresAt, sql`now()`)))
    .returning({ id: mfaChallenges.id });
  return rows.length > 0;
}

export async function satisfyChallenge(executor: Executor, id: number): Promise<void> {
  await executor
    .update(mfaChallenges)
    .set({ satisfiedAt: sql`now()` })
    .where(eq(mfaChallenges.id, id));
}

export async function deleteChallengesOf(executor: Executor, userId: number): Promise<void> {
  await executor.delete(mfaChallenges).where(eq(mfaChallenges.userId, userId));
}

// Throttle

/**
 * Counts one attempt for `userId` before it is checked and answers the count and any
 * lock in force. A window past its length, or a lock that ran out, starts again at 1.
 */
export async function countAttempt(
  executor: Executor,
  userId: number,
  windowSeconds: number,
): Promise<{ attempts: number; lockedUntil: Date | null }> {
  const locked = sql`${mfaThrottles.lockedUntil} > now()`;
  const fresh = sql`(${mfaThrottles.lockedUntil} is not null or ${mfaThrottles.windowStartedAt} <= now() - make_interval(secs => ${windowSeconds}))`;
  const [row] = await executor
    .insert(mfaThrottles)
    .values({ userId, attempts: 1 })
    .onConflictDoUpdate({
      target: mfaThrottles.userId,
      set: {
        attempts: sql`case when ${locked} then ${mfaThrottles.attempts} when ${fresh} then 1 else ${mfaThrottles.attempts} + 1 end`,
        windowStartedAt: sql`case when ${locked} then ${mfaThrottles.windowStartedAt} when ${fresh} then now() else ${mfaThrottles.windowStartedAt} end`,
        lockedUntil: sql`case when ${locked} then ${mfaThrottles.lockedUntil} end`,
      },
    })
    .returning({ attempts: mfaThrottles.attempts, lockedUntil: mfaThrottles.lockedUntil });
  return row ?? { attempts: 1, lockedUntil: null };
}

/** Locks the second factor once `maxAttempts` are used up; answers the end of a lock it just set. */
export async function lockWhenExhausted(
  executor: Executor,
  userId: number,
  maxAttempts: number,
  lockSeconds: number,
): Promise<Date | undefined> {
  const [row] = await executor
    .update(mfaThrottles)
    .set({ lockedUntil: sql`now() + make_interval(secs => ${lockSeconds})` })
    .where(
      and(
        eq(mfaThrottles.userId, userId),
        sql`${mfaThrottles.attempts} >= ${maxAttempts}`,
        or(isNull(mfaThrottles.lockedUntil), lte(mfaThrottles.lockedUntil, sql`now()`)),
      ),
    )
    .returning({ lockedUntil: mfaThrottles.lockedUntil });
  return row?.lockedUntil ?? undefined;
}

/** A right answer forgives the attempts of its window (not a lock in force). */
export async function forgiveAttempts(executor: Executor, userId: number): Promise<void> {
  await executor
    .update(mfaThrottles)
    .set({ attempts: 0, windowStartedAt: sql`now()` })
    .where(and(eq(mfaThrottles.userId, userId), isNull(mfaThrottles.lockedUntil)));
}

export async function deleteThrottle(executor: Executor, userId: number): Promise<void> {
  await executor.delete(mfaThrottles).where(eq(mfaThrottles.userId, userId));
}

// Policy

export async function mfaRequiredRoles(executor: Executor): Promise<Role[]> {
  const rows = await executor
    .select({ role: mfaRolePolicies.role })
    .from(mfaRolePolicies)
    .where(eq(mfaRolePolicies.required, true));
  return rows.map((row) => row.role);
}

export async function isMfaRequiredFor(executor: Executor, role: Role): Promise<boolean> {
  const [row] = await executor
    .select({ required: mfaRolePolicies.required })
    .from(mfaRolePolicies)
    .where(eq(mfaRolePolicies.role, role));
  return row?.required ?? false;
}

export async function putRolePolicy(executor: Executor, role: Role, required: boolean): Promise<void> {
  await executor
    .insert(mfaRolePolicies)
    .values({ role, required })
    .onConflictDoUpdate({ target: mfaRolePolicies.role, set: { required, updatedAt: sql`now()` } });
}
