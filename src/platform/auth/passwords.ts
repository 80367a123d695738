import { randomBytes } from 'node:crypto';
import { hash, verify } from '@node-rs/argon2';

// OWASP's argon2id baseline (m=19 MiB, t=2, p=1).
// `algorithm: 2` is Algorithm.Argon2id, a const enum that isolated modules cannot import.
const options = { algorithm: 2, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export const hashPassword = (password: string): Promise<string> => hash(password, options);

/**
 * Verified against when there is no hash to check (unknown user, inactive user, no
 * password set), with the same parameters as real hashes: a refusal then costs what a
 * wrong password costs, so response time does not tell which usernames exist. Hashed
 * once at load, not on first use, so that the first unknown username a process sees
 * is not the one slow refusal.
 */
const decoy = hashPassword(randomBytes(16).toString('hex'));
decoy.catch(() => undefined);

export async function verifyPassword(stored: string | null | undefined, password: string): Promise<boolean> {
  if (!stored) {
    await verify(await decoy, password).catch(() => false);
    return false;
  }
  return verify(stored, password).catch(() => false);
}
