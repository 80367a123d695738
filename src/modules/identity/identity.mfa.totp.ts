import { Secret, TOTP } from 'otpauth';
import type { Sealer } from '../../platform/auth/sealed.ts';
import type { Executor } from '../../platform/db/client.ts';
import type { FactorKind } from './identity.mfa.ts';
import * as repository from './identity.repository.mfa.ts';
import type { User } from './identity.tables.ts';

/**
 * What every authenticator app understands (Google Authenticator ignores anything
 * else): HMAC-SHA1, six digits, 30-second steps, and a 160-bit seed (RFC 4226 §4).
 */
const ALGORITHM = 'SHA1';
const DIGITS = 6;
const PERIOD = 30;
const SECRET_BYTES = 20;
/** A code of the previous or next step is accepted too: clocks drift, people type slowly. */
const WINDOW = 1;

export interface TotpDeps {
  /** Shown by authenticator apps above the code (MFA_ISSUER). */
  issuer: string;
  /** Seals seeds at rest (purpose "totp"); made on first use, as only TOTP needs SECRET_KEY. */
  sealer: () => Sealer;
  now: () => Date;
}

export interface TotpEnrolment {
  secret: string;
  uri: string;
}

/**
 * TOTP (RFC 6238) with `otpauth`: enrolment (a pending seed, confirmed by a first code)
 * and the `totp` factor kind of the second-factor step. A code is accepted once: the
 * step it belongs to is recorded per user in the same statement that accepts it.
 */
export function createTotp({ issuer, sealer, now }: TotpDeps) {
  /** The time step `code` belongs to, within the window around now; null when it matches none. */
  function stepOf(base32: string, code: string): number | null {
    const timestamp = now().getTime();
    const delta = TOTP.validate({
      token: code.replace(/\s+/g, ''),
      secret: Secret.fromBase32(base32),
      algorithm: ALGORITHM,
      digits: DIGITS,
      period: PERIOD,
      timestamp,
      window: WINDOW,
    });
    return delta === null ? null : TOTP.counter({ period: PERIOD, timestamp }) + delta;
  }

  const kind: FactorKind = {
    name: 'totp',
    enrolled: (executor, userId) => repository.hasConfirmedTotp(executor, userId),
    async verify(tx, user, proof) {
      if (proof.otp === undefined) return undefined;
      const factor = await repository.totpOf(tx, user.id);
      if (!factor?.confirmedAt) return { accepted: false, reason: 'wrong' };
      const step = stepOf(sealer().open(factor.sealedSecret), proof.otp);
      if (step === null) return { accepted: false, reason: 'wrong' };
      return (await repository.useTotpStep(tx, user.id, step))
        ? { accepted: true }
        : { accepted: false, reason: 'replayed' };
    },
    remove: (tx, userId) => repository.deleteTotp(tx, userId),
  };

  return {
    kind,

    /** A new pending seed for `user` (replacing a pending one); undefined when TOTP is already on. */
    async start(tx: Executor, user: User): Promise<TotpEnrolment | undefined> {
      const secret = new Secret({ size: SECRET_BYTES });
      const stored = await repository.putPendingTotp(tx, user.id, sealer().seal(secret.base32));
      if (!stored) return undefined;
      const uri = new TOTP({
        issuer,
        label: user.username,
        algorithm: ALGORITHM,
        digits: DIGITS,
        period: PERIOD,
        secret,
      }).toString();
      return { secret: secret.base32, uri };
    },

    /** Turns a pending seed on when `code` matches it; false for a wrong code or nothing pending. */
    async confirm(tx: Executor, userId: number, code: string): Promise<boolean> {
      const factor = await repository.totpOf(tx, userId);
      if (!factor || factor.confirmedAt) return false;
      const step = stepOf(sealer().open(factor.sealedSecret), code);
      return step !== null && repository.confirmTotp(tx, userId, step);
    },
  };
}

export type Totp = ReturnType<typeof createTotp>;
