import { and, desc, eq, gt, isNotNull, isNull, lt, ne, or, sql } from 'drizzle-orm';
import type { Executor } from '../../platform/db/client.ts';
import {
  jwtSigningKeys,
  refreshTokenFamilies,
  refreshTokens,
  type JwtSigningKey,
  type RefreshTokenFamily,
} from './identity.tables.jwt.ts';
import { users, type User } from './identity.tables.ts';

// Signing keys

/** The keys a token may be verified with: the current one and retired ones still in their overlap. */
export function acceptedSigningKeys(executor: Executor): Promise<JwtSigningKey[]> {
  return executor
    .select()
    .from(jwtSigningKeys)
    .where(or(isNull(jwtSigningKeys.retiredAt), gt(jwtSigningKeys.acceptedUntil, sql`now()`)))
    .orderBy(desc(jwtSigningKeys.id));
}

/**
 * Serialises rotations across every process for the rest of `tx`. The partial unique
 * index on the current key is the backstop; the lock makes the loser re-read instead of failing.
 */
export async function lockSigningKeys(tx: Executor): Promise<void> {
  await tx.execute(sql`select pg_advisory_xact_lock(hashtext('opsdesk.jwt_signing_keys'))`);
}

export async function currentSigningKey(executor: Executor): Promise<JwtSigningKey | undefined> {
  const [row] = await executor.select().from(jwtSigningKeys).where(isNull(jwtSigningKeys.retiredAt));
  return row;
}

/** Retires the current key; tokens it signed stay valid `overlapSeconds` more. */
export async function retireCurrentKey(
  tx: Executor,
  overlapSeconds: number,
): Promise<JwtSigningKey | undefined> {
  const [row] = await tx
    .update(jwtSigningKeys)
    .set({
      retiredAt: sql`now()`,
      acceptedUntil: sql`now() + make_interval(secs => ${overlapSeconds})`,
    })
    .where(isNull(jwtSigningKeys.retiredAt))
    .returning();
  return row;
}

export async function insertSigningKey(
  tx: Executor,
  values: typeof jwtSigningKeys.$inferInsert,
): Promise<JwtSigningKey> {
  const [row] = await tx.insert(jwtSigningKeys).values(values).returning();
  if (!row) throw new Error('insert returned no row');
  return row;
}

/** Deletes every key but the current one (`opsdesk keys rotate --revoke-previous`); their kids. */
export async function deleteRetiredKeys(tx: Executor): Promise<string[]> {
  const rows = await tx
    .delete(jwtSigningKeys)
    .where(isNotNull(jwtSigningKeys.retiredAt))
    .returning({ kid: jwtSigningKeys.kid });
  return rows.map((row) => row.kid);
}

/** Deletes retired keys whose overlap has ended: their private keys serve no one any more. */
export async function purgeExpiredKeys(executor: Executor): Promise<number> {
  const rows = await executor
    .delete(jwtSigningKeys)
    .where(lt(jwtSigningKeys.acceptedUntil, sql`now()`))
    .returning({ id: jwtSigningKeys.id });
  return rows.length;
}

// Refresh-token families

export async function insertFamily(
  tx: Executor,
  values: typeof refreshTokenFamilies.$inferInsert,
): Promise<RefreshTokenFamily> {
  const [row] = await tx.insert(refreshTokenFamilies).values(values).returning();
  if (!row) throw new Error('insert returned no row');
  return row;
}

export async function insertRefreshToken(
  tx: Executor,
  values: { familyId: number; tokenHash: string; idleSeconds: number },
): Promise<void> {
  await tx.insert(refreshTokens).values({
    familyId: values.familyId,
    tokenHash: values.tokenHash,
    expiresAt: sql`least(now() + make_interval(secs => ${values.idleSeconds}), (select ${refreshTokenFamilies.expiresAt} from ${refreshTokenFamilies} where ${refreshTokenFamilies.id} = ${values.familyId}))`,
  });
}

/**
 * Retires a live refresh token in one conditional UPDATE: of any number of concurrent
 * refreshes with one token, exactly one gets its row back (the others wait on the row
 * lock, then find `used_at` set). Live: not used, not expired, its family neither
 * revoked nor past its end, its user active.
 */
export async function retireLiveRefreshToken(
  tx: Executor,
  tokenHash: string,
): Promise<{ familyId: number; user: User } | undefined> {
  const { rows } = await tx.execute<{ family_id: number; user_id: number }>(sql`
    update refresh_tokens t set used_at = now()
    from refresh_token_families f, users u
    where t.token_hash = ${tokenHash} and t.used_at is null and t.expires_at > now()
      and f.id = t.family_id and f.revoked_at is null and f.expires_at > now()
      and u.id = f.user_id and u.is_active
    returning t.family_id, f.user_id`);
  const [row] = rows;
  if (!row) return undefined;
  const [user] = await tx.select().from(users).where(eq(users.id, row.user_id));
  return user && { familyId: row.family_id, user };
}

/** What a refresh token that did not work was: retired (reuse), of a dead family, expired; undefined if unknown. */
export async function deadRefreshToken(
  executor: Executor,
  tokenHash: string,
): Promise<
  | { familyId: number; userId: number; usedAt: Date | null; familyRevokedAt: Date | null; expired: boolean }
  | undefined
> {
  const [row] = await executor
    .select({
      familyId: refreshTokens.familyId,
      userId: refreshTokenFamilies.userId,
      usedAt: refreshTokens.usedAt,
      familyRevokedAt: refreshTokenFamilies.revokedAt,
      expired: sql<boolean>`${refreshTokens.expiresAt} <= now() or ${refreshTokenFamilies.expiresAt} <= now()`,
    })
    .from(refreshTokens)
    .innerJoin(refreshTokenFamilies, eq(refreshTokenFamilies.id, refreshTokens.familyId))
    .where(eq(refreshTokens.tokenHash, tokenHash));
  return row;
}

export async function familyOfToken(
  executor: Executor,
  tokenHash: string,
): Promise<{ familyId: number; userId: number } | undefined> {
  const [row] = await executor
    .select({ familyId: refreshTokens.familyId, userId: refreshTokenFamilies.userId })
    .from(refreshTokens)
    .innerJoin(refreshTokenFamilies, eq(refreshTokenFamilies.id, refreshTokens.familyId))
    .where(eq(refreshTokens.tokenHash, tokenHash));
  return row;
}

export function touchFamily(tx: Executor, familyId: number): Promise<unknown> {
  return tx
    .update(refreshTokenFamilies)
    .set({ lastUsedAt: sql`now()` })
    .where(eq(refreshTokenFamilies.id, familyId));
}

/** Revokes one live family (of `userId`, when given); the family, or undefined if none was live. */
export async function revokeFamily(
  tx: Executor,
  familyId: number,
  reason: string,
  userId?: number,
): Promise<RefreshTokenFamily | undefined> {
  const [row] = await tx
    .update(refreshTokenFamilies)
    .set({ revokedAt: sql`now()`, revokedReason: reason })
    .where(
      and(
        eq(refreshTokenFamilies.id, familyId),
        isNull(refreshTokenFamilies.revokedAt),
        userId === undefined ? undefined : eq(refreshTokenFamilies.userId, userId),
      ),
    )
    .returning();
  return row;
}

/** Revokes every live family of a user but `exceptFamilyId`; how many. */
export async function revokeFamiliesOf(
  tx: Executor,
  userId: number,
  reason: string,
  exceptFamilyId?: number,
): Promise<number> {
  const rows = await tx
    .update(refreshTokenFamilies)
    .set({ revokedAt: sql`now()`, revokedReason: reason })
    .where(
      and(
        eq(refreshTokenFamilies.userId, userId),
        isNull(refreshTokenFamilies.revokedAt),
        exceptFamilyId === undefined ? undefined : ne(refreshTokenFamilies.id, exceptFamilyId),
      ),
    )
    .returning({ id: refreshTokenFamilies.id });
  return rows.length;
}

/** A user's live logins by token, most recently used first. */
export function liveFamiliesOf(executor: Executor, userId: number): Promise<RefreshTokenFamily[]> {
  return executor
    .select()
    .from(refreshTokenFamilies)
    .where(
      and(
        eq(refreshTokenFamilies.userId, userId),
        isNull(refreshTokenFamilies.revokedAt),
        gt(refreshTokenFamilies.expiresAt, sql`now()`),
      ),
    )
    .orderBy(desc(refreshTokenFamilies.lastUsedAt), desc(refreshTokenFamilies.id));
}

/** The active user of a live family: what an access token naming the family (`sid`) acts as. */
export async function userOfLiveFamily(executor: Executor, familyId: number): Promise<User | undefined> {
  const [row] = await executor
    .select({ user: users })
    .from(refreshTokenFamilies)
    .innerJoin(users, eq(users.id, refreshTokenFamilies.userId))
    .where(
      and(
        eq(refreshTokenFamilies.id, familyId),
        isNull(refreshTokenFamilies.revokedAt),
        eq(users.isActive, true),
      ),
    );
  return row?.user;
}

/** Deletes families ended (expired or revoked) more than `keepDays` ago, with their tokens. */
export async function purgeEndedFamilies(executor: Executor, keepDays: number): Promise<number> {
  const rows = await executor
    .delete(refreshTokenFamilies)
    .where(
      or(
        lt(refreshTokenFamilies.expiresAt, sql`now() - make_interval(days => ${keepDays})`),
        lt(refreshTokenFamilies.revokedAt, sql`now() - make_interval(days => ${keepDays})`),
      ),
    )
    .returning({ id: refreshTokenFamilies.id });
  return rows.length;
}
