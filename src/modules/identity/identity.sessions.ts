import type { Actor, RequestContext } from '../../platform/auth/actor.ts';
import { verifyPassword } from '../../platform/auth/passwords.ts';
import { digest, randomToken } from '../../platform/auth/secrets.ts';
import { commonErrors } from '../../platform/http/errors.ts';
import { actorOf, userKey } from './identity.authenticator.ts';
import type { IdentityDeps } from './identity.context.ts';
import { identityErrors } from './identity.errors.ts';
import type { SecondFactor, SecondFactorProof } from './identity.mfa.ts';
import { anonymousContext, createLockout } from './identity.lockout.ts';
import * as repository from './identity.repository.ts';
import type { Person } from './identity.repository.ts';
import type { User } from './identity.tables.ts';

export interface LoginMeta {
  requestId: string;
  ip: string;
  userAgent: string | undefined;
}

/** How the user proved who they are, as the `user.logged_in` audit entry records it. */
export type LoginMethod = { method: 'password' } | { method: 'oidc'; provider: string; amr: string[] };

/**
 * Logging in is the steps every login flow shares: `checkPassword` proves who the
 * caller is (and audits a failure), the second factor (identity.mfa.ts) is checked,
 * then `openSession` hands out the credential.
 */
export function createSessions(deps: IdentityDeps, secondFactor: Pick<SecondFactor, 'check' | 'complete'>) {
  const { db, audit, invalidation, sessionTtlHours } = deps;
  const sessionTtlMs = sessionTtlHours * 3600_000;
  const lockout = createLockout(deps);

  /**
   * The active user these credentials belong to. A failure is audited and says nothing
   * about which part was wrong; a name locked by failures (identity.lockout.ts) is refused
   * with a Retry-After whatever the password, and unknown names lock the same way.
   */
  async function checkPassword(
    credentials: { username: string; password: string },
    meta: LoginMeta,
  ): Promise<User> {
    const user = await repository.userByUsername(db, credentials.username);
    const attempt = await lockout.attempt(credentials.username);
    const locked = 'retryAfterSeconds' in attempt;
    const ok =
      !locked && (await verifyPassword(user?.isActive ? user.passwordHash : undefined, credentials.password));
    if (ok && user) {
      await lockout.succeeded(credentials.username);
      return user;
    }
    const anonymous = anonymousContext(meta, credentials.username);
    await audit.record(db, anonymous, {
      action: 'user.login_failed',
      resourceType: 'user',
      resourceId: user?.id ?? 0,
      ...(locked && { after: { reason: 'locked' } }),
    });
    if (locked) throw identityErrors.IDENTITY_LOGIN_LOCKED({ retryAfterSeconds: attempt.retryAfterSeconds });
    await lockout.failed(anonymous, attempt, user?.id ?? 0);
    throw identityErrors.IDENTITY_INVALID_CREDENTIALS();
  }

  /** A new session for `user`: a fresh id at every login, so a session id planted before login is useless. */
  async function openSession(
    user: User,
    meta: LoginMeta,
    how: LoginMethod = { method: 'password' },
  ): Promise<{ sessionToken: string; person: Person }> {
    const sessionToken = randomToken();
    const ctx = { ...meta, actor: actorOf(user, 'session') };
    await db.transaction(async (tx) => {
      await repository.insertSession(tx, {
        key: digest(sessionToken),
        userId: user.id,
        expiresAt: new Date(Date.now() + sessionTtlMs),
        ip: meta.ip,
        userAgent: meta.userAgent?.slice(0, 500) ?? null,
      });
      await repository.touchLogin(tx, user.id);
      await audit.record(tx, ctx, {
        action: 'user.logged_in',
        resourceType: 'user',
        resourceId: user.id,
        after: how,
      });
    });
    const person = await repository.personByUserId(db, user.id);
    if (!person) throw identityErrors.IDENTITY_USER_NOT_FOUND();
    return { sessionToken, person };
  }

  return {
    checkPassword,
    openSession,

    /** Checks the password and the second factor (see SecondFactor.check), then opens a new session. */
    async login(
      credentials: { username: string; password: string },
      proof: SecondFactorProof,
      meta: LoginMeta,
    ): Promise<{ sessionToken: string; person: Person }> {
      const user = await checkPassword(credentials, meta);
      await secondFactor.check(user, proof, meta, 'session');
      return openSession(user, meta);
    },

    /** Opens the session of a login that answered its second factor in a second request. */
    async completeLogin(
      challenge: string,
      proof: SecondFactorProof,
      meta: LoginMeta,
    ): Promise<{ sessionToken: string; person: Person }> {
      return openSession(await secondFactor.complete(challenge, proof, meta, 'session'), meta);
    },

    async logout(ctx: RequestContext): Promise<void> {
      const key = ctx.actor.sessionKey;
      if (!key) return;
      await invalidation.transaction(db, async (tx, invalidate) => {
        await repository.deleteSession(tx, key);
        await invalidate([userKey(ctx.actor.userId)]);
        await audit.record(tx, ctx, {
          action: 'user.logged_out',
          resourceType: 'user',
          resourceId: ctx.actor.userId,
        });
      });
    },

    async me(actor: Actor): Promise<Person> {
      const person = await repository.personByUserId(db, actor.userId);
      if (!person) throw commonErrors.NOT_AUTHENTICATED();
      return person;
    },
  };
}
