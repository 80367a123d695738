import type { RequestContext } from '../../platform/auth/actor.ts';
import { actorOf } from './identity.authenticator.ts';
import type { IdentityDeps } from './identity.context.ts';
import { identityErrors } from './identity.errors.ts';
import * as account from './identity.repository.account.ts';
import * as repository from './identity.repository.ts';
import type { LoginMeta } from './identity.sessions.ts';
import type { User } from './identity.tables.ts';

/** LOCKOUT_THRESHOLD, LOCKOUT_BASE_SECONDS, LOCKOUT_MAX_SECONDS (config.ts). */
export interface LockoutSettings {
  /** Consecutive failures that lock; 0 turns lockout off. */
  threshold: number;
  baseSeconds: number;
  maxSeconds: number;
}

/** A name with no failure for this long starts from zero again; its row is then purged. */
export const FORGET_AFTER_SECONDS = 24 * 3600;

/**
 * How long the `failures`-th consecutive failure locks for: nothing below the
 * threshold, then `base`, doubling with every further failure, up to `max`
 * (defaults: 5th failure 1 min, 6th 2, 7th 4, ... 11th and later 1 h).
 */
export function lockSeconds(failures: number, settings: LockoutSettings): number {
  if (settings.threshold === 0 || failures < settings.threshold) return 0;
  return Math.min(settings.baseSeconds * 2 ** (failures - settings.threshold), settings.maxSeconds);
}

/** One login attempt at a name: refused because the name is locked, or counted and allowed to go on. */
export type Attempt = { retryAfterSeconds: number } | { failures: number; lockSeconds: number };

/** The context of someone not logged in, as the audit log names them: by the name they tried. */
export function anonymousContext(meta: LoginMeta, label: string): RequestContext {
  return {
    ...meta,
    actor: actorOf({ id: 0, username: label.slice(0, 150), role: 'viewer' } as User, 'session'),
  };
}

/**
 * Per-name progressive lockout, in PostgreSQL so that every process sees one count.
 *
 * An attempt is counted as a failure *before* its password is checked and forgiven
 * when it succeeds, so parallel guesses cannot outrun the count: of any number of
 * concurrent attempts at a name, at most `threshold` get their password checked
 * before the lock. While locked, even the right password is refused, without being
 * checked. Unknown names are counted and locked exactly like real ones (same
 * statements, same answers), so a lock reveals nothing about who exists.
 */
export function createLockout({
  db,
  audit,
  lockout: settings,
}: Pick<IdentityDeps, 'db' | 'audit' | 'lockout'>) {
  return {
    async attempt(username: string): Promise<Attempt> {
      if (settings.threshold === 0) return { failures: 0, lockSeconds: 0 };
      return db.transaction(async (tx) => {
        const state = await account.lockoutForUpdate(tx, username, FORGET_AFTER_SECONDS);
        if (state.lockedForSeconds > 0) return { retryAfterSeconds: state.lockedForSeconds };
        const failures = (state.stale ? 0 : state.failures) + 1;
        const seconds = lockSeconds(failures, settings);
        await account.countFailure(tx, username, failures, seconds);
        return { failures, lockSeconds: seconds };
      });
    },

    /** The password was right: the name's failures are forgiven. */
    async succeeded(username: string): Promise<void> {
      if (settings.threshold > 0) await account.clearLockout(db, username);
    },

    /** After a wrong password: audits the lock this failure started, if it did. */
    async failed(ctx: RequestContext, attempt: Attempt, userId: number): Promise<void> {
      if ('retryAfterSeconds' in attempt || attempt.lockSeconds === 0) return;
      await audit.record(db, ctx, {
        action: 'user.locked',
        resourceType: 'user',
        resourceId: userId,
        after: { failures: attempt.failures, locked_seconds: attempt.lockSeconds },
      });
    },

    /** Lifts a user's lock and forgets their failures (an administrator's call); audited even when there was none. */
    unlock: async (ctx: RequestContext, userId: number): Promise<void> => {
      const person = await repository.personByUserId(db, userId);
      if (!person) throw identityErrors.IDENTITY_USER_NOT_FOUND();
      await db.transaction(async (tx) => {
        const cleared = await account.clearLockout(tx, person.user.username);
        await audit.record(tx, ctx, {
          action: 'user.unlocked',
          resourceType: 'user',
          resourceId: userId,
          before: cleared ? { failures: cleared.failures, locked_until: cleared.lockedUntil } : null,
        });
      });
    },
  };
}
