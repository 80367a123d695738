import type { Database, Executor } from '../../platform/db/client.ts';
import * as repository from './identity.repository.mfa.ts';

/** MFA_MAX_ATTEMPTS, MFA_ATTEMPT_WINDOW_SECONDS, MFA_LOCK_SECONDS (config.ts). */
export interface MfaThrottleSettings {
  maxAttempts: number;
  attemptWindowSeconds: number;
  lockSeconds: number;
}

/**
 * Second-factor guesses per user, whatever the IP they come from: a password thief on
 * a botnet gets `maxAttempts` codes per window, then the second factor is locked for
 * `lockSeconds`. An attempt is counted before its code is checked and forgiven when it
 * succeeds, so parallel guesses cannot outrun the count. Kept in PostgreSQL so that
 * every process sees one count.
 */
export function createMfaThrottle(db: Database, settings: MfaThrottleSettings) {
  const secondsUntil = (date: Date): number => Math.max(1, Math.ceil((date.getTime() - Date.now()) / 1000));

  return {
    /** Counts an attempt; answers how long to wait when the user's second factor is locked. */
    async attempt(userId: number): Promise<{ retryAfterSeconds: number } | undefined> {
      const { attempts, lockedUntil } = await repository.countAttempt(
        db,
        userId,
        settings.attemptWindowSeconds,
      );
      if (lockedUntil) return { retryAfterSeconds: secondsUntil(lockedUntil) };
      // Over the budget without a lock yet: parallel guesses whose failures are still being counted.
      if (attempts > settings.maxAttempts) return { retryAfterSeconds: settings.lockSeconds };
      return undefined;
    },

    /** After a wrong answer: the end of the lock it caused, if it used up the budget. */
    failed(executor: Executor, userId: number): Promise<Date | undefined> {
      return repository.lockWhenExhausted(executor, userId, settings.maxAttempts, settings.lockSeconds);
    },

    succeeded(tx: Executor, userId: number): Promise<void> {
      return repository.forgiveAttempts(tx, userId);
    },

    secondsUntil,
  };
}

export type MfaThrottle = ReturnType<typeof createMfaThrottle>;
