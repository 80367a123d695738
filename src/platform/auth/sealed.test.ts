import { describe, expect, it } from 'vitest';
import { createSealer } from './sealed.ts';

describe('createSealer', () => {
  const secret = 'a'.repeat(40);

  it('opens what it sealed, with a fresh IV each time', () => {
    const sealer = createSealer(secret, 'totp');
    const first = sealer.seal('JBSWY3DPEHPK3PXP');
    expect(first).not.toContain('JBSWY3DPEHPK3PXP');
    expect(sealer.seal('JBSWY3DPEHPK3PXP')).not.toBe(first);
    expect(sealer.open(first)).toBe('JBSWY3DPEHPK3PXP');
  });

  it('refuses a value sealed for another purpose or under another SECRET_KEY', () => {
    const sealed = createSealer(secret, 'totp').seal('seed');
    expect(() => createSealer(secret, 'jwt-keys').open(sealed)).toThrow();
    expect(() => createSealer('b'.repeat(40), 'totp').open(sealed)).toThrow();
  });

  it('refuses a tampered value', () => {
    const sealed = createSealer(secret, 'totp').seal('seed');
    const [version, iv, body] = sealed.split('.');
    const flipped = Buffer.from(body!, 'base64url');
    flipped[0]! ^= 1;
    expect(() =>
      createSealer(secret, 'totp').open(`${version}.${iv}.${flipped.toString('base64url')}`),
    ).toThrow();
  });
});
