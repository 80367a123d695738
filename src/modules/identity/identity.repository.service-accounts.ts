import { and, eq, gt, isNotNull, isNull, lte, or, sql } from 'drizzle-orm';
import type { Executor } from '../../platform/db/client.ts';
import {
  apiKeys,
  apiTokens,
  departments,
  serviceAccounts,
  users,
  type ApiKey,
  type Department,
  type ServiceAccount,
  type User,
} from './identity.tables.ts';

/** A service account: its users row (the principal), what only service accounts have, its department. */
export interface ServiceAccountRecord {
  user: User;
  account: ServiceAccount;
  department: Department | null;
}

function accountQuery(executor: Executor) {
  return executor
    .select({ user: users, account: serviceAccounts, department: departments })
    .from(serviceAccounts)
    .innerJoin(users, eq(users.id, serviceAccounts.userId))
    .leftJoin(departments, eq(departments.id, users.departmentId));
}

export function listServiceAccounts(executor: Executor): Promise<ServiceAccountRecord[]> {
  return accountQuery(executor).orderBy(users.id);
}

export async function serviceAccountById(
  executor: Executor,
  userId: number,
): Promise<ServiceAccountRecord | undefined> {
  const [row] = await accountQuery(executor).where(eq(serviceAccounts.userId, userId));
  return row;
}

export async function insertServiceAccount(
  executor: Executor,
  values: typeof serviceAccounts.$inferInsert,
): Promise<void> {
  await executor.insert(serviceAccounts).values(values);
}

export function deactivateServiceAccount(executor: Executor, userId: number): Promise<unknown> {
  return executor
    .update(users)
    .set({ isActive: false, version: sql`${users.version} + 1`, updatedAt: new Date() })
    .where(and(eq(users.id, userId), eq(users.kind, 'service')));
}

// API keys

export async function insertApiKey(executor: Executor, values: typeof apiKeys.$inferInsert): Promise<ApiKey> {
  const [row] = await executor.insert(apiKeys).values(values).returning();
  if (!row) throw new Error('insert returned no row');
  return row;
}

/** The keys of a service account that still work or may (not revoked; expired ones included, marked by expires_at). */
export function apiKeysOf(executor: Executor, userId: number): Promise<ApiKey[]> {
  return executor
    .select()
    .from(apiKeys)
    .where(and(eq(apiKeys.userId, userId), isNull(apiKeys.revokedAt)))
    .orderBy(apiKeys.id);
}

/** Revokes one key of `userId`, or (without `keyId`) all of them; the keys revoked now. */
export function revokeApiKeys(executor: Executor, userId: number, keyId?: number): Promise<ApiKey[]> {
  return executor
    .update(apiKeys)
    .set({ revokedAt: new Date() })
    .where(
      and(
        eq(apiKeys.userId, userId),
        keyId === undefined ? undefined : eq(apiKeys.id, keyId),
        isNull(apiKeys.revokedAt),
      ),
    )
    .returning();
}

/** Revokes the key with this digest if it still works: for a key that leaked. */
export async function revokeApiKeyByHash(executor: Executor, keyHash: string): Promise<ApiKey | undefined> {
  const [row] = await executor
    .update(apiKeys)
    .set({ revokedAt: new Date() })
    .where(and(eq(apiKeys.keyHash, keyHash), isNull(apiKeys.revokedAt)))
    .returning();
  return row;
}

/** The key with this digest and its service account, if both still work. */
export async function activeApiKey(
  executor: Executor,
  keyHash: string,
): Promise<{ key: ApiKey; user: User } | undefined> {
  const [row] = await executor
    .select({ key: apiKeys, user: users })
    .from(apiKeys)
    .innerJoin(users, eq(users.id, apiKeys.userId))
    .where(
      and(
        eq(apiKeys.keyHash, keyHash),
        isNull(apiKeys.revokedAt),
        or(isNull(apiKeys.expiresAt), gt(apiKeys.expiresAt, sql`now()`)),
        eq(users.isActive, true),
        eq(users.kind, 'service'),
      ),
    );
  return row;
}

export function touchApiKey(executor: Executor, id: number, ip: string): Promise<unknown> {
  return executor.update(apiKeys).set({ lastUsedAt: new Date(), lastUsedIp: ip }).where(eq(apiKeys.id, id));
}

/** A credential that existed and no longer works, for good: revoked, or past its expiry. */
export interface DeadCredential {
  id: number;
  prefix: string;
  userId: number;
  reason: 'revoked' | 'expired';
}

function deadOf(row: { id: number; prefix: string; userId: number; revokedAt: Date | null }): DeadCredential {
  return {
    id: row.id,
    prefix: row.prefix,
    userId: row.userId,
    reason: row.revokedAt ? 'revoked' : 'expired',
  };
}

export async function deadApiKey(executor: Executor, keyHash: string): Promise<DeadCredential | undefined> {
  const [row] = await executor
    .select({ id: apiKeys.id, prefix: apiKeys.prefix, userId: apiKeys.userId, revokedAt: apiKeys.revokedAt })
    .from(apiKeys)
    .where(
      and(eq(apiKeys.keyHash, keyHash), or(isNotNull(apiKeys.revokedAt), lte(apiKeys.expiresAt, sql`now()`))),
    );
  return row && deadOf(row);
}

export async function deadToken(executor: Executor, tokenHash: string): Promise<DeadCredential | undefined> {
  const [row] = await executor
    .select({
      id: apiTokens.id,
      prefix: apiTokens.prefix,
      userId: apiTokens.userId,
      revokedAt: apiTokens.revokedAt,
    })
    .from(apiTokens)
    .where(
      and(
        eq(apiTokens.tokenHash, tokenHash),
        or(isNotNull(apiTokens.revokedAt), lte(apiTokens.expiresAt, sql`now()`)),
      ),
    );
  return row && deadOf(row);
}

/** Revokes the personal token with this digest if it still works: for a token that leaked. */
export async function revokeTokenByHash(
  executor: Executor,
  tokenHash: string,
): Promise<{ id: number; prefix: string; userId: number } | undefined> {
  const [row] = await executor
    .update(apiTokens)
    .set({ revokedAt: new Date() })
    .where(and(eq(apiTokens.tokenHash, tokenHash), isNull(apiTokens.revokedAt)))
    .returning({ id: apiTokens.id, prefix: apiTokens.prefix, userId: apiTokens.userId });
  return row;
}
