import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';

/** What `put` learnt while streaming the bytes, to store beside the file's row. */
export interface StoredFile {
  /** Bytes written. */
  size: number;
  /** Lowercase hex SHA-256 of the bytes, for integrity checks and de-duplication. */
  sha256: string;
}

export interface PutOptions {
  /** Largest number of bytes accepted; one more fails the put with FILE_TOO_LARGE. */
  maxBytes: number;
}

/**
 * Where file bytes live, addressed by a server-generated key such as
 * `tickets/2026/11/<uuid>` (see `generateFileKey`). The database holds the metadata
 * (name, type, size, sha256, owner); a driver holds only bytes.
 *
 * The contract every driver keeps, the local disk today and an S3-compatible bucket
 * later (the key maps 1:1 to the object key, optionally under a prefix):
 * - `put` streams: it never holds the whole file in memory. It counts bytes and hashes
 *   them on the way through, and fails with FILE_TOO_LARGE (413) as soon as more than
 *   `maxBytes` arrive, leaving nothing behind (local: the temp file is removed; S3: the
 *   multipart upload is aborted). Readers never see a partial object: it appears
 *   whole, at once, or not at all (local: temp file + rename; S3: PUT and
 *   CompleteMultipartUpload are atomic). Putting an existing key replaces it.
 * - `get` resolves to a stream of the bytes, or rejects with FILE_NOT_FOUND (404)
 *   before any byte is sent (local: open first; S3: NoSuchKey from GetObject).
 * - `delete` is idempotent: deleting a missing key succeeds (as S3 DeleteObject does).
 * - `exists` answers without reading the bytes (local: stat; S3: HeadObject).
 * - Every method rejects a malformed key with a TypeError (`assertValidKey`): keys come
 *   from the server, so a bad one is a bug, never user input.
 */
export interface FileStorage {
  put(key: string, stream: Readable, options: PutOptions): Promise<StoredFile>;
  get(key: string): Promise<Readable>;
  delete(key: string): Promise<void>;
  exists(key: string): Promise<boolean>;
}

const KEY = /^[A-Za-z0-9_.-]+(?:\/[A-Za-z0-9_.-]+)*$/;
const MAX_KEY_LENGTH = 512;

/**
 * Throws a TypeError unless `key` is a relative path of `[A-Za-z0-9_.-]` segments: no
 * leading or doubled slash, no `.`/`..` segment, no segment starting with a dot (those
 * are the local driver's temp files), at most 512 characters.
 */
export function assertValidKey(key: string): void {
  const valid =
    key.length <= MAX_KEY_LENGTH &&
    KEY.test(key) &&
    key.split('/').every((segment) => !segment.startsWith('.'));
  if (!valid) throw new TypeError(`Invalid file key ${JSON.stringify(key.slice(0, 100))}`);
}

/** A fresh key under `prefix`, bucketed by year and month: `tickets/2026/11/<uuid>`. */
export function generateFileKey(prefix: string, now: Date = new Date()): string {
  const month = String(now.getUTCMonth() + 1).padStart(2, '0');
  const key = `${prefix}/${now.getUTCFullYear()}/${month}/${randomUUID()}`;
  assertValidKey(key);
  return key;
}
