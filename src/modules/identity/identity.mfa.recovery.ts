import { randomBytes } from 'node:crypto';
import { digest } from '../../platform/auth/secrets.ts';
import type { Executor } from '../../platform/db/client.ts';
import type { FactorKind } from './identity.mfa.ts';
import * as repository from './identity.repository.mfa.ts';

export const RECOVERY_CODE_COUNT = 10;

/** Crockford's base32: no i, l, o or u, so a code read off paper is typed back right. */
const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';
const CODE_BYTES = 10;

/** 80 random bits as 16 base32 characters, shown as xxxx-xxxx-xxxx-xxxx. */
function newCode(): string {
  const bytes = randomBytes(CODE_BYTES);
  let bits = 0;
  let value = 0;
  let code = '';
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      code += ALPHABET.charAt((value >>> (bits - 5)) & 31);
      bits -= 5;
    }
  }
  return code.match(/.{4}/g)?.join('-') ?? code;
}

/** What a person may type for a code: any case, dashes and spaces anywhere, o for 0, i or l for 1. */
const normalized = (code: string): string =>
  code
    .toLowerCase()
    .replace(/[\s-]+/g, '')
    .replace(/o/g, '0')
    .replace(/[il]/g, '1');

/**
 * Stored as plain SHA-256, not argon2: each code carries 80 random bits, so even at
 * 10^11 SHA-256 guesses a second a leaked hash takes hundreds of thousands of years to
 * reverse. A slow hash would buy nothing there, and costs CPU on every login attempt
 * while ruling out the one-statement lookup-and-consume below.
 */
const hashOf = (code: string): string => digest(`mfa-recovery:${normalized(code)}`);

/**
 * Ten single-use codes that stand in for a second factor, shown once. Consumed in the
 * caller's transaction by one UPDATE guarded by `used_at is null`, so of two requests
 * with the same code one wins.
 */
export const recoveryCodes = {
  kind: {
    name: 'recovery_code',
    enrolled: async (executor, userId) => (await repository.unusedRecoveryCodes(executor, userId)) > 0,
    async verify(tx, user, proof) {
      if (proof.recoveryCode === undefined) return undefined;
      return (await repository.useRecoveryCode(tx, user.id, hashOf(proof.recoveryCode)))
        ? { accepted: true }
        : { accepted: false, reason: 'wrong' };
    },
    remove: (tx, userId) => repository.deleteRecoveryCodes(tx, userId),
  } satisfies FactorKind,

  /** A fresh set replacing any earlier one; the plaintext codes exist only in the returned array. */
  async replace(tx: Executor, userId: number): Promise<string[]> {
    const codes = Array.from({ length: RECOVERY_CODE_COUNT }, newCode);
    await repository.replaceRecoveryCodes(tx, userId, codes.map(hashOf));
    return codes;
  },

  remaining: (executor: Executor, userId: number): Promise<number> =>
    repository.unusedRecoveryCodes(executor, userId),
};
