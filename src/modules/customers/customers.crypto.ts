import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { KeyEncryptionKey } from './customers.keyring.ts';

/**
 * Envelope encryption of customer PII, AES-256-GCM throughout.
 *
 * Each customer has a data key (DEK): 32 random bytes and a 4-byte id, made when the
 * customer is created. The DEK is stored wrapped (encrypted) by a key-encryption key
 * (KEK) from the ring in the environment:
 *
 *   wrapped = 0x01 | kek id length | kek id | iv (12) | AES-GCM(dek id | dek) | tag (16)
 *
 * with the header (version, KEK id) as additional data. Every PII value is encrypted by
 * the DEK:
 *
 *   value = 0x01 | dek id (4) | iv (12) | AES-GCM(plaintext) | tag (16)
 *
 * with version, DEK id and the field's name as additional data, so a value copied into
 * another field, or another customer's row, fails to open. Rotating a KEK rewraps DEKs
 * only (36 bytes per customer, values untouched); erasing a customer destroys the
 * wrapped DEK, which leaves every value of theirs unreadable, in the table and in any
 * later dump.
 */
export interface DataKey {
  id: Buffer;
  key: Buffer;
}

const VERSION = 0x01;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const DEK_ID_BYTES = 4;

export class CustomerCryptoError extends Error {}

/**
 * Keys and IVs come from a CSPRNG buffer refilled 16 KiB at a time (as Node's own
 * randomUUID does): one call into OpenSSL per 12-byte IV cost an import more than the
 * encryption. Each byte is handed out once, and a refill allocates a new buffer, so the
 * slices already handed out never change.
 */
const RANDOM_POOL_BYTES = 16 * 1024;
let randomPool = Buffer.alloc(0);
let randomOffset = 0;

function freshBytes(size: number): Buffer {
  if (randomOffset + size > randomPool.length) {
    randomPool = randomBytes(RANDOM_POOL_BYTES);
    randomOffset = 0;
  }
  randomOffset += size;
  return randomPool.subarray(randomOffset - size, randomOffset);
}

export function newDataKey(): DataKey {
  return { id: freshBytes(DEK_ID_BYTES), key: freshBytes(32) };
}

function seal(key: Buffer, aad: Buffer, plaintext: Buffer): { iv: Buffer; body: Buffer } {
  const iv = freshBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(aad);
  const body = Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
  return { iv, body };
}

function open(key: Buffer, aad: Buffer, iv: Buffer, body: Buffer): Buffer {
  if (body.length < TAG_BYTES) throw new CustomerCryptoError('ciphertext too short');
  const decipher = createDecipheriv('aes-256-gcm', key, iv);
  decipher.setAAD(aad);
  decipher.setAuthTag(body.subarray(body.length - TAG_BYTES));
  try {
    return Buffer.concat([decipher.update(body.subarray(0, body.length - TAG_BYTES)), decipher.final()]);
  } catch (error) {
    throw new CustomerCryptoError('a customer value failed authentication', { cause: error });
  }
}

/** The id of the KEK that wrapped a data key, read from its header. */
export function kekIdOf(wrapped: Buffer): string {
  if (wrapped[0] !== VERSION) throw new CustomerCryptoError('unknown wrapped key version');
  const length = wrapped[1] ?? 0;
  return wrapped.subarray(2, 2 + length).toString('utf8');
}

export function wrapDataKey(kek: KeyEncryptionKey, dataKey: DataKey): Buffer {
  const id = Buffer.from(kek.id, 'utf8');
  const header = Buffer.concat([Buffer.from([VERSION, id.length]), id]);
  const { iv, body } = seal(kek.key, header, Buffer.concat([dataKey.id, dataKey.key]));
  return Buffer.concat([header, iv, body]);
}

/** Opens a wrapped data key with the KEK its header names; a KEK missing from the ring is an error naming it. */
export function unwrapDataKey(ring: readonly KeyEncryptionKey[], wrapped: Buffer): DataKey {
  const kekId = kekIdOf(wrapped);
  const kek = ring.find((entry) => entry.id === kekId);
  if (!kek)
    throw new CustomerCryptoError(
      `customer data key is wrapped by key "${kekId}", which CUSTOMER_DATA_KEYS does not hold`,
    );
  const headerLength = 2 + (wrapped[1] ?? 0);
  const header = wrapped.subarray(0, headerLength);
  const iv = wrapped.subarray(headerLength, headerLength + IV_BYTES);
  const plain = open(kek.key, header, iv, wrapped.subarray(headerLength + IV_BYTES));
  return { id: plain.subarray(0, DEK_ID_BYTES), key: plain.subarray(DEK_ID_BYTES) };
}

const valueAad = (header: Buffer, field: string) => Buffer.concat([header, Buffer.from(field, 'utf8')]);

export function encryptValue(dataKey: DataKey, field: string, plaintext: string): Buffer {
  const header = Buffer.concat([Buffer.from([VERSION]), dataKey.id]);
  const { iv, body } = seal(dataKey.key, valueAad(header, field), Buffer.from(plaintext, 'utf8'));
  return Buffer.concat([header, iv, body]);
}

export function decryptValue(dataKey: DataKey, field: string, value: Buffer): string {
  if (value[0] !== VERSION) throw new CustomerCryptoError('unknown customer value version');
  const header = value.subarray(0, 1 + DEK_ID_BYTES);
  if (!header.subarray(1).equals(dataKey.id))
    throw new CustomerCryptoError(`customer ${field} was encrypted under another data key`);
  const iv = value.subarray(header.length, header.length + IV_BYTES);
  return open(dataKey.key, valueAad(header, field), iv, value.subarray(header.length + IV_BYTES)).toString(
    'utf8',
  );
}
