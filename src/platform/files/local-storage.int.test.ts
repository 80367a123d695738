import { createHash } from 'node:crypto';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../http/errors.ts';
import { createLocalStorage } from './local-storage.ts';
import { generateFileKey, type FileStorage } from './storage.ts';

const MB = 1024 * 1024;

/** `total` deterministic pseudo-random bytes in 64 KB chunks, produced as they are read. */
function generated(total: number, seed = 1): Readable {
  let produced = 0;
  let state = seed;
  return new Readable({
    read() {
      if (produced >= total) {
        this.push(null);
        return;
      }
      const chunk = Buffer.alloc(Math.min(64 * 1024, total - produced));
      for (let i = 0; i < chunk.length; i++) {
        state = (state * 1_103_515_245 + 12_345) >>> 0;
        chunk[i] = state >>> 24;
      }
      produced += chunk.length;
      this.push(chunk);
    },
  });
}

async function digestOf(stream: Readable): Promise<{ size: number; sha256: string }> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of stream) {
    hash.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  return { size, sha256: hash.digest('hex') };
}

async function text(stream: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

async function filesUnder(directory: string): Promise<string[]> {
  const entries = await readdir(directory, { recursive: true, withFileTypes: true });
  return entries.filter((entry) => entry.isFile()).map((entry) => path.join(entry.parentPath, entry.name));
}

async function appError(promise: Promise<unknown>): Promise<AppError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(AppError);
  return error as AppError;
}

describe('local file storage', () => {
  let base: string;
  let root: string;
  let storage: FileStorage;
  beforeAll(async () => {
    base = await mkdtemp(path.join(os.tmpdir(), 'opsdesk-files-'));
    root = path.join(base, 'files');
    storage = createLocalStorage(root);
  });
  afterAll(async () => {
    await rm(base, { recursive: true, force: true });
  });

  it('streams 5 MB in and out with the right size and SHA-256', async () => {
    const key = generateFileKey('tickets', new Date('2026-11-03T10:00:00Z'));
    expect(key).toMatch(/^tickets\/2026\/11\/[0-9a-f-]{36}$/);
    const expected = await digestOf(generated(5 * MB));
    const stored = await storage.put(key, generated(5 * MB), { maxBytes: 5 * MB });
    expect(stored).toEqual(expected);
    expect(stored.size).toBe(5 * MB);
    expect(await digestOf(await storage.get(key))).toEqual(expected);
    const file = await stat(path.join(root, key));
    expect(file.mode & 0o777).toBe(0o600);
    expect(await storage.exists(key)).toBe(true);
    expect((await filesUnder(root)).filter((name) => path.basename(name).startsWith('.'))).toEqual([]);
  });

  it('refuses one byte over maxBytes with FILE_TOO_LARGE and leaves nothing behind', async () => {
    const key = 'tickets/too-large/one';
    const source = generated(2 * MB);
    const error = await appError(storage.put(key, source, { maxBytes: MB }));
    expect(error.code).toBe('FILE_TOO_LARGE');
    expect(error.kind).toBe('invalid');
    expect(error.extra).toEqual({ status: 413, max_bytes: MB });
    expect(error.message).toContain('1 MB');
    expect(source.destroyed).toBe(true);
    expect(await storage.exists(key)).toBe(false);
    expect(await filesUnder(path.join(root, 'tickets/too-large'))).toEqual([]);

    expect((await storage.put(key, generated(MB), { maxBytes: MB })).size).toBe(MB);
    expect(
      (await appError(storage.put('tickets/too-large/two', generated(MB + 1), { maxBytes: MB }))).code,
    ).toBe('FILE_TOO_LARGE');
  });

  it('keeps the previous version when a replacing upload fails midway', async () => {
    const key = 'tickets/replace/doc';
    await storage.put(key, Readable.from([Buffer.from('version 1')]), { maxBytes: 100 });
    async function* failing() {
      yield Buffer.from('version 2, partly');
      throw new Error('client went away');
    }
    await expect(storage.put(key, Readable.from(failing()), { maxBytes: 100 })).rejects.toThrow(
      'client went away',
    );
    expect(await text(await storage.get(key))).toBe('version 1');
    await storage.put(key, Readable.from([Buffer.from('version 3')]), { maxBytes: 100 });
    expect(await text(await storage.get(key))).toBe('version 3');
    expect(await filesUnder(path.join(root, 'tickets/replace'))).toEqual([path.join(root, key)]);
  });

  it('refuses keys that could leave the root or are not plain', async () => {
    const outside = path.join(base, 'escaped');
    const bad = [
      '',
      '../escaped',
      'tickets/../../escaped',
      '..',
      '/etc/passwd',
      outside,
      'a//b',
      'a/',
      './a',
      'a/./b',
      '.hidden',
      'a/.b',
      'a\\..\\b',
      'a b',
      'ünïcode',
      'a\0b',
      'x'.repeat(513),
    ];
    for (const key of bad) {
      await expect(storage.put(key, Readable.from([Buffer.from('x')]), { maxBytes: 10 })).rejects.toThrow(
        TypeError,
      );
      await expect(storage.get(key)).rejects.toThrow(TypeError);
      await expect(storage.exists(key)).rejects.toThrow(TypeError);
      await expect(storage.delete(key)).rejects.toThrow(TypeError);
    }
    await expect(stat(outside)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('stores concurrent puts of different keys independently', async () => {
    const keys = Array.from({ length: 16 }, () => generateFileKey('tickets'));
    const results = await Promise.all(
      keys.map((key, index) =>
        storage.put(key, generated(200_000 + index * 997, index + 7), { maxBytes: MB }),
      ),
    );
    for (const [index, key] of keys.entries()) {
      const expected = await digestOf(generated(200_000 + index * 997, index + 7));
      expect(results[index]).toEqual(expected);
      expect(await digestOf(await storage.get(key))).toEqual(expected);
    }
  });

  it('ends concurrent puts of one key with one whole version', async () => {
    const key = 'tickets/race/same';
    const bodies = ['a', 'b', 'c', 'd'].map((letter) => letter.repeat(100_000));
    await Promise.all(
      bodies.map((body) => storage.put(key, Readable.from([Buffer.from(body)]), { maxBytes: MB })),
    );
    expect(bodies).toContain(await text(await storage.get(key)));
    expect(await filesUnder(path.join(root, 'tickets/race'))).toEqual([path.join(root, key)]);
  });

  it('answers FILE_NOT_FOUND for a missing key, a directory, or a path below a file', async () => {
    for (const key of ['tickets/2026/11/missing', 'tickets', 'tickets/replace/doc/below', 'nothing/here']) {
      const error = await appError(storage.get(key));
      expect(error.code).toBe('FILE_NOT_FOUND');
      expect(error.kind).toBe('not_found');
      expect(await storage.exists(key)).toBe(false);
    }
  });

  it('deletes idempotently', async () => {
    const key = 'tickets/delete/me';
    await storage.put(key, Readable.from([Buffer.from('bye')]), { maxBytes: 10 });
    await storage.delete(key);
    expect(await storage.exists(key)).toBe(false);
    await storage.delete(key);
    await storage.delete('tickets/delete/never/existed');
    expect((await appError(storage.get(key))).code).toBe('FILE_NOT_FOUND');
  });

  it('creates its root on first put and stores an empty file', async () => {
    const fresh = createLocalStorage(path.join(base, 'fresh', 'nested'));
    expect(await fresh.exists('a/b')).toBe(false);
    expect(await fresh.put('a/b', Readable.from([]), { maxBytes: 0 })).toEqual({
      size: 0,
      sha256: createHash('sha256').digest('hex'),
    });
    expect(await text(await fresh.get('a/b'))).toBe('');
  });
});
