import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

/**
 * Small secrets the server must read back (TOTP seeds, JWT signing keys, OIDC client
 * secrets) are stored sealed: AES-256-GCM under a key derived from SECRET_KEY with
 * HKDF, one derived key per purpose, so a value sealed for one purpose never opens as
 * another. The sealed form is `v1.<iv>.<ciphertext+tag>` (base64url), self-describing
 * so the format can change without a migration.
 */
export interface Sealer {
  seal(plaintext: string): string;
  open(sealed: string): string;
}

const VERSION = 'v1';
const TAG_BYTES = 16;

export function createSealer(secretKey: string, purpose: string): Sealer {
  if (!secretKey) throw new Error('sealing needs SECRET_KEY');
  const key = Buffer.from(hkdfSync('sha256', secretKey, 'opsdesk-sealed', purpose, 32));
  return {
    seal(plaintext) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      cipher.setAAD(Buffer.from(purpose));
      const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
      return `${VERSION}.${iv.toString('base64url')}.${body.toString('base64url')}`;
    },
    open(sealed) {
      const [version, iv, body] = sealed.split('.');
      if (version !== VERSION || !iv || !body) throw new Error('not a sealed value');
      const bytes = Buffer.from(body, 'base64url');
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
      decipher.setAAD(Buffer.from(purpose));
      decipher.setAuthTag(bytes.subarray(bytes.length - TAG_BYTES));
      return Buffer.concat([
        decipher.update(bytes.subarray(0, bytes.length - TAG_BYTES)),
        decipher.final(),
      ]).toString('utf8');
    },
  };
}
