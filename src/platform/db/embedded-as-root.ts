import { execFileSync, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';

/**
 * PostgreSQL refuses to run as root, so as root the embedded server runs as an
 * unprivileged user. That user must be able to reach the binaries and the data
 * directory, and Docker images and CI boxes often hold the project in a folder only root
 * may enter (`/root/...`, `mktemp -d`, mode 0700). Then what the user cannot reach is
 * kept under SHARED_ROOT, a root-owned tree that everyone may traverse and only root may
 * write: the binaries are copied there once per version, and the cluster lives there
 * with a symlink at its usual place, so deleting DATA_DIR still starts afresh. We do not
 * loosen the modes of the user's folders, and do not rely on user namespaces or extra
 * capabilities, which containers commonly block.
 */
export interface Owner {
  name: string;
  uid: number;
  gid: number;
}

export interface Binaries {
  initdb: string;
  postgres: string;
}

export const SHARED_ROOT = '/var/lib/opsdesk';

/** `postgres` or `nobody` when this process is root; undefined otherwise. */
export function unprivilegedUser(): Owner | undefined {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return undefined;
  for (const name of ['postgres', 'nobody']) {
    try {
      const uid = Number(execFileSync('id', ['-u', name], { encoding: 'utf8' }).trim());
      const gid = Number(execFileSync('id', ['-g', name], { encoding: 'utf8' }).trim());
      return { name, uid, gid };
    } catch {
      /* try the next name */
    }
  }
  throw new Error(
    'Running as root, and neither a "postgres" nor a "nobody" user exists to run PostgreSQL as: create one (useradd -r postgres) or set DATABASE_URL.',
  );
}

/** True when `owner` may search every folder down to `target` and execute (or enter) it. */
export function reachable(target: string, owner: Owner): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = spawn('/bin/sh', ['-c', 'test -x "$1"', 'probe', target], {
      uid: owner.uid,
      gid: owner.gid,
      cwd: '/',
      stdio: 'ignore',
    });
    probe.on('error', () => {
      resolve(false);
    });
    probe.on('exit', (code) => {
      resolve(code === 0);
    });
  });
}

/**
 * Creates `dir` as a root-owned 0755 folder and checks every step from `/` down to it:
 * a real folder owned by root that no other user may write (sticky folders like /tmp
 * excepted above ours). Anything else could be swapped by another user for a symlink.
 */
async function trustedDirectory(dir: string): Promise<void> {
  const shared = path.resolve(dir);
  const cannotUse = (reason: string) =>
    new Error(
      `The embedded PostgreSQL needs ${shared} (root-owned, mode 0755) because its user cannot enter DATA_DIR or node_modules, but ${reason}: fix that, or set DATABASE_URL.`,
    );
  try {
    await fs.mkdir(shared, { recursive: true, mode: 0o755 });
  } catch (error) {
    throw cannotUse(`it cannot be created (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  for (let step = shared; ; step = path.dirname(step)) {
    const stat = await fs.lstat(step);
    const ours = step === shared;
    const othersMayWrite = (stat.mode & 0o022) !== 0 && (ours || (stat.mode & 0o1000) === 0);
    if (!stat.isDirectory() || stat.uid !== 0 || othersMayWrite)
      throw cannotUse(`${step} is not a root-owned folder that only root may write`);
    if (ours && (stat.mode & 0o755) !== 0o755) await fs.chmod(step, 0o755);
    if (step === path.dirname(step)) return;
  }
}

/** Makes a copied tree readable (and, where it was, executable) by everyone, writable by root only. */
async function openToEveryone(dir: string): Promise<void> {
  await fs.chmod(dir, 0o755);
  for (const entry of await fs.readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) await openToEveryone(full);
    else if (entry.isFile()) {
      const { mode } = await fs.stat(full);
      await fs.chmod(full, mode & 0o111 ? 0o755 : 0o644);
    }
  }
}

/**
 * The binaries as `owner` can run them: where npm put them when it can reach them, else
 * a copy under SHARED_ROOT made once per package version (staged, then renamed into
 * place, so concurrent starts never see half a copy).
 */
export async function binariesFor(bin: Binaries, owner: Owner): Promise<Binaries> {
  if ((await reachable(bin.initdb, owner)) && (await reachable(bin.postgres, owner))) return bin;
  // The package layout: <package>/native/{bin,lib,share}; the binaries find lib and share relative to themselves.
  const native = path.dirname(path.dirname(bin.postgres));
  const { name, version } = JSON.parse(
    await fs.readFile(path.join(native, '..', 'package.json'), 'utf8'),
  ) as { name: string; version: string };
  const copy = path.join(SHARED_ROOT, `postgres-${path.basename(name)}-${version}`);
  await trustedDirectory(SHARED_ROOT);
  const present = await fs.stat(copy).then(
    () => true,
    () => false,
  );
  if (!present) {
    const staging = `${copy}.${randomBytes(6).toString('hex')}`;
    try {
      await fs.cp(native, staging, { recursive: true, verbatimSymlinks: true });
      await openToEveryone(staging);
      await fs.rename(staging, copy);
    } catch (error) {
      await fs.rm(staging, { recursive: true, force: true });
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw error;
    }
  }
  await trustedDirectory(copy);
  return {
    initdb: path.join(copy, path.relative(native, bin.initdb)),
    postgres: path.join(copy, path.relative(native, bin.postgres)),
  };
}

/** The folder `pgdata` links to when the cluster was kept outside DATA_DIR, if it was. */
export async function relocatedCluster(pgdata: string): Promise<string | undefined> {
  const link = await fs.readlink(pgdata).catch(() => undefined);
  return link === undefined ? undefined : path.resolve(path.dirname(pgdata), link);
}

/**
 * The folder PostgreSQL keeps its data in: `pgdata` when `owner` can reach `dataDir`,
 * otherwise a new cluster folder under SHARED_ROOT/clusters owned by `owner`, linked from
 * `pgdata`. Returns the folder and whether it was relocated.
 */
export async function clusterFor(
  dataDir: string,
  pgdata: string,
  owner: Owner,
): Promise<{ pgdata: string; relocated: boolean }> {
  const existing = await relocatedCluster(pgdata);
  if (existing) return { pgdata: existing, relocated: true };
  if (await reachable(dataDir, owner)) return { pgdata, relocated: false };
  const initialised = await fs.stat(path.join(pgdata, 'PG_VERSION')).then(
    () => true,
    () => false,
  );
  if (initialised)
    throw new Error(
      `The embedded PostgreSQL's data in ${pgdata} lies in a folder the "${owner.name}" user cannot enter: allow it (chmod o+x on each folder above ${dataDir}), or set DATABASE_URL.`,
    );
  await fs.rm(pgdata, { recursive: true, force: true });

  const clusters = path.join(SHARED_ROOT, 'clusters');
  await trustedDirectory(clusters);
  const key = createHash('sha256').update(dataDir).digest('hex').slice(0, 12);
  const home = await fs.mkdtemp(path.join(clusters, `${key}-`));
  const data = path.join(home, 'data');
  await fs.mkdir(data, { mode: 0o700 });
  await fs.chown(data, owner.uid, owner.gid);
  await fs.chown(home, owner.uid, owner.gid);
  try {
    await fs.symlink(data, pgdata);
  } catch (error) {
    await fs.rm(home, { recursive: true, force: true });
    // Another process starting at the same moment linked its cluster first: use that one.
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return clusterFor(dataDir, pgdata, owner);
    throw error;
  }
  return { pgdata: data, relocated: true };
}
