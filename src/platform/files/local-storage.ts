import { createHash, randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, open, rename, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileErrors } from './errors.ts';
import { assertValidKey, type FileStorage, type PutOptions, type StoredFile } from './storage.ts';

/** A missing file, or a missing directory on its path (a key below a key that is a file). */
const isMissing = (error: unknown): boolean => {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ENOTDIR';
};

/**
 * FileStorage on the local disk: key `a/b/c` is the file `<rootDir>/a/b/c`, mode 0600 in
 * directories created 0700 as needed. Bytes go to a dot-named temp file beside the
 * target and are renamed over it once complete and flushed, so a reader sees the whole
 * file or none. Use it with `<DATA_DIR>/files` (`createFileStorage` in index.ts); every
 * process of a deployment must see the same directory.
 */
export function createLocalStorage(rootDir: string): FileStorage {
  const root = path.resolve(rootDir);
  const pathOf = (key: string): string => {
    assertValidKey(key);
    return path.join(root, ...key.split('/'));
  };

  async function put(key: string, stream: Readable, { maxBytes }: PutOptions): Promise<StoredFile> {
    if (!Number.isSafeInteger(maxBytes) || maxBytes < 0) throw new TypeError(`Invalid maxBytes ${maxBytes}`);
    const target = pathOf(key);
    const directory = path.dirname(target);
    await mkdir(directory, { recursive: true, mode: 0o700 });
    const temp = path.join(directory, `.${path.basename(target)}.${randomUUID()}.partial`);
    const hash = createHash('sha256');
    let size = 0;
    const meter = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        size += chunk.length;
        if (size > maxBytes) {
          done(fileErrors.tooLarge(maxBytes));
          return;
        }
        hash.update(chunk);
        done(null, chunk);
      },
    });
    try {
      await pipeline(stream, meter, createWriteStream(temp, { flags: 'wx', mode: 0o600, flush: true }));
      await rename(temp, target);
    } catch (error) {
      await unlink(temp).catch(() => undefined);
      throw error;
    }
    return { size, sha256: hash.digest('hex') };
  }

  async function get(key: string): Promise<Readable> {
    const file = pathOf(key);
    const handle = await open(file, 'r').catch((error: unknown) => {
      throw isMissing(error) ? fileErrors.notFound() : error;
    });
    try {
      // Opening a directory succeeds on Linux; only a regular file is a stored file.
      if (!(await handle.stat()).isFile()) throw fileErrors.notFound();
    } catch (error) {
      await handle.close();
      throw error;
    }
    return handle.createReadStream();
  }

  async function remove(key: string): Promise<void> {
    await unlink(pathOf(key)).catch((error: unknown) => {
      if (!isMissing(error)) throw error;
    });
  }

  async function exists(key: string): Promise<boolean> {
    try {
      return (await stat(pathOf(key))).isFile();
    } catch (error) {
      if (isMissing(error)) return false;
      throw error;
    }
  }

  return { put, get, delete: remove, exists };
}
