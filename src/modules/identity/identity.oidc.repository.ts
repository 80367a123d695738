import { and, asc, eq, gt, lt, sql } from 'drizzle-orm';
import type { Executor } from '../../platform/db/client.ts';
import {
  oidcLoginStates,
  oidcProviders,
  userIdentities,
  type NewOidcProvider,
  type OidcLoginState,
  type OidcProvider,
  type UserIdentity,
} from './identity.oidc.tables.ts';
import { users, type User } from './identity.tables.ts';

// Providers

export function listProviders(executor: Executor): Promise<OidcProvider[]> {
  return executor.select().from(oidcProviders).orderBy(asc(oidcProviders.id));
}

export async function providerById(executor: Executor, id: number): Promise<OidcProvider | undefined> {
  const [row] = await executor.select().from(oidcProviders).where(eq(oidcProviders.id, id));
  return row;
}

export async function providerBySlug(executor: Executor, slug: string): Promise<OidcProvider | undefined> {
  const [row] = await executor.select().from(oidcProviders).where(eq(oidcProviders.slug, slug));
  return row;
}

export async function insertProvider(executor: Executor, values: NewOidcProvider): Promise<OidcProvider> {
  const [row] = await executor.insert(oidcProviders).values(values).returning();
  if (!row) throw new Error('insert returned no row');
  return row;
}

/** Updates a provider if its version still matches; undefined when it does not (or it is gone). */
export async function updateProvider(
  executor: Executor,
  id: number,
  values: Partial<NewOidcProvider>,
  expectedVersion?: number,
): Promise<OidcProvider | undefined> {
  const [row] = await executor
    .update(oidcProviders)
    .set({ ...values, version: sql`${oidcProviders.version} + 1`, updatedAt: new Date() })
    .where(
      and(
        eq(oidcProviders.id, id),
        expectedVersion === undefined ? undefined : eq(oidcProviders.version, expectedVersion),
      ),
    )
    .returning();
  return row;
}

export async function deleteProvider(executor: Executor, id: number): Promise<OidcProvider | undefined> {
  const [row] = await executor.delete(oidcProviders).where(eq(oidcProviders.id, id)).returning();
  return row;
}

// Login states

export async function insertLoginState(executor: Executor, values: OidcLoginState): Promise<void> {
  await executor.insert(oidcLoginStates).values(values);
}

/** Takes a pending login out, whoever asks: a state works once, even when the callback is replayed. */
export async function takeLoginState(
  executor: Executor,
  stateHash: string,
  providerId: number,
): Promise<OidcLoginState | undefined> {
  const [row] = await executor
    .delete(oidcLoginStates)
    .where(
      and(
        eq(oidcLoginStates.stateHash, stateHash),
        eq(oidcLoginStates.providerId, providerId),
        gt(oidcLoginStates.expiresAt, sql`now()`),
      ),
    )
    .returning();
  return row;
}

export async function deleteExpiredLoginStates(executor: Executor): Promise<number> {
  const purged = await executor
    .delete(oidcLoginStates)
    .where(lt(oidcLoginStates.expiresAt, sql`now()`))
    .returning({ stateHash: oidcLoginStates.stateHash });
  return purged.length;
}

// Identities

/** Serialises first logins of one provider account, so two callbacks cannot link or provision twice. */
export async function lockSubject(executor: Executor, providerId: number, subject: string): Promise<void> {
  await executor.execute(
    sql`select pg_advisory_xact_lock(hashtextextended(${`oidc:${providerId}:${subject}`}, 0))`,
  );
}

export async function identityBySubject(
  executor: Executor,
  providerId: number,
  subject: string,
): Promise<{ identity: UserIdentity; user: User } | undefined> {
  const [row] = await executor
    .select({ identity: userIdentities, user: users })
    .from(userIdentities)
    .innerJoin(users, eq(users.id, userIdentities.userId))
    .where(and(eq(userIdentities.providerId, providerId), eq(userIdentities.subject, subject)));
  return row;
}

export async function identityOfUser(
  executor: Executor,
  providerId: number,
  userId: number,
): Promise<UserIdentity | undefined> {
  const [row] = await executor
    .select()
    .from(userIdentities)
    .where(and(eq(userIdentities.providerId, providerId), eq(userIdentities.userId, userId)));
  return row;
}

/**
 * People whose e-mail is `email`, ignoring case; e-mails are not unique in Opsdesk, so
 * there may be several. Service accounts never sign in, so they are never candidates.
 */
export function usersByEmail(executor: Executor, email: string): Promise<User[]> {
  return executor
    .select()
    .from(users)
    .where(and(sql`lower(${users.email}) = lower(${email})`, eq(users.kind, 'human')))
    .limit(2);
}

export async function insertIdentity(
  executor: Executor,
  values: typeof userIdentities.$inferInsert,
): Promise<UserIdentity> {
  const [row] = await executor.insert(userIdentities).values(values).returning();
  if (!row) throw new Error('insert returned no row');
  return row;
}

export function touchIdentity(executor: Executor, id: number): Promise<unknown> {
  return executor.update(userIdentities).set({ lastLoginAt: new Date() }).where(eq(userIdentities.id, id));
}

export function identitiesOfProvider(executor: Executor, providerId: number): Promise<UserIdentity[]> {
  return executor
    .select()
    .from(userIdentities)
    .where(eq(userIdentities.providerId, providerId))
    .orderBy(asc(userIdentities.id));
}

/** Forgets every link and pending login of a provider: its subjects meant accounts at an issuer it no longer has. */
export async function forgetSubjects(executor: Executor, providerId: number): Promise<number> {
  await executor.delete(oidcLoginStates).where(eq(oidcLoginStates.providerId, providerId));
  const removed = await executor
    .delete(userIdentities)
    .where(eq(userIdentities.providerId, providerId))
    .returning({ id: userIdentities.id });
  return removed.length;
}

export async function deleteIdentity(
  executor: Executor,
  providerId: number,
  id: number,
): Promise<UserIdentity | undefined> {
  const [row] = await executor
    .delete(userIdentities)
    .where(and(eq(userIdentities.providerId, providerId), eq(userIdentities.id, id)))
    .returning();
  return row;
}
