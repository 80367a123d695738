import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  BLIND_INDEX_BITS,
  createBlindIndexer,
  normaliseEmail,
  normalisePhone,
} from './customers.blind-index.ts';
import {
  decryptValue,
  encryptValue,
  kekIdOf,
  newDataKey,
  unwrapDataKey,
  wrapDataKey,
} from './customers.crypto.ts';
import { customerKeysFrom, parseKeyRing } from './customers.keyring.ts';

const kek = (id: string) => ({ id, key: randomBytes(32) });

describe('envelope encryption', () => {
  it('wraps a data key under a KEK named in its header, and opens values only with that data key and field', () => {
    const k1 = kek('k1');
    const dataKey = newDataKey();
    const wrapped = wrapDataKey(k1, dataKey);
    expect(kekIdOf(wrapped)).toBe('k1');
    const opened = unwrapDataKey([kek('k2'), k1], wrapped);
    expect(opened.key.equals(dataKey.key)).toBe(true);

    const value = encryptValue(dataKey, 'email', 'ada@example.test');
    expect(value.includes(Buffer.from('ada@example.test'))).toBe(false);
    expect(value[0]).toBe(1);
    expect(value.subarray(1, 5).equals(dataKey.id)).toBe(true);
    expect(decryptValue(opened, 'email', value)).toBe('ada@example.test');
    expect(() => decryptValue(opened, 'phone', value)).toThrow('failed authentication');
    expect(() => decryptValue(newDataKey(), 'email', value)).toThrow('another data key');
    const tampered = Buffer.from(value);
    tampered[tampered.length - 1] = (tampered[tampered.length - 1] ?? 0) ^ 1;
    expect(() => decryptValue(opened, 'email', tampered)).toThrow('failed authentication');
    expect(() => unwrapDataKey([kek('k2')], wrapped)).toThrow('"k1"');
  });

  it('parses a key ring, current first, and refuses bad ones without echoing keys', () => {
    const secret = randomBytes(32).toString('base64');
    const ring = parseKeyRing(`k2:${secret}, k1:${randomBytes(32).toString('base64')}`);
    expect(ring.map((entry) => entry.id)).toEqual(['k2', 'k1']);
    expect(() => parseKeyRing(`k2:${secret.slice(0, 20)}`)).toThrow('key "k2" is not');
    expect(() => parseKeyRing(`k2:${secret},k2:${secret}`)).toThrow('each id used once');
    expect(() => parseKeyRing(secret)).not.toThrow(secret);
    expect(() => customerKeysFrom({ isProduction: true })).toThrow('CUSTOMER_DATA_KEYS');
    const development = customerKeysFrom({ isProduction: false, secretKey: 'x'.repeat(40) });
    expect(development.ring.map((entry) => entry.id)).toEqual(['dev']);
    expect(customerKeysFrom({ isProduction: false, secretKey: 'x'.repeat(40) }).ring[0]?.key).toEqual(
      development.ring[0]?.key,
    );
  });
});

describe('blind indexes', () => {
  const indexer = createBlindIndexer(randomBytes(32), 'GB');

  it('normalise e-mail by case and spaces only, and phone numbers to E.164', () => {
    expect(normaliseEmail('  Ada.Lovelace+x@Example.TEST ')).toBe('ada.lovelace+x@example.test');
    expect(normalisePhone('020 7946 0123', 'GB')).toBe('+442079460123');
    expect(normalisePhone('+44 (0)20 7946 0123')).toBe('+442079460123');
    expect(normalisePhone('12-34')).toBe('1234');
  });

  it(`are ${BLIND_INDEX_BITS}-bit, equal for equal normalised values, keyed`, () => {
    expect(indexer.email('ADA@example.test')).toBe(indexer.email('ada@example.test '));
    expect(indexer.phone('020 7946 0123')).toBe(indexer.phone('+44 20 7946 0123'));
    const other = createBlindIndexer(randomBytes(32));
    const values = Array.from({ length: 64 }, (_, i) => `person${i}@example.test`);
    expect(values.filter((v) => indexer.email(v) === other.email(v)).length).toBeLessThan(3);
    for (const v of values) expect(indexer.email(v)).toBeLessThan(2 ** BLIND_INDEX_BITS);
  });
});
