/**
 * The DRF peer of `npm run bench:peer`: its prerequisites, a writable copy of
 * `shared/peers/drf-bms`, its private PostgreSQL and gunicorn (started when not
 * running, stopped after only if started here), and the process figures the
 * comparison reports (RSS per process, payload bytes).
 */
import { execFile } from 'node:child_process';
import { access, cp, chmod, readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const PEER_PORT = 55432;
export const PEER_BASE = 'http://127.0.0.1:58000';
export const PEER_URL = `postgres://bms:bms@127.0.0.1:${PEER_PORT}/bms`;
export const PEER_USER = 'admin';
export const PEER_PASSWORD = 'broadcast-pass';

export const APT_LINE =
  'apt-get install -y python3-django python3-djangorestframework python3-django-filters python3-django-cors-headers python3-psycopg2 gunicorn wrk bc';

const exists = (file: string) =>
  access(file).then(
    () => true,
    () => false,
  );

/** What is missing to run the comparison, as sentences; empty when nothing is. */
export async function missingPrerequisites(peerDir: string): Promise<string[]> {
  const missing: string[] = [];
  for (const file of ['/usr/bin/wrk', '/usr/bin/gunicorn', '/usr/bin/bc', '/usr/bin/python3']) {
    if (!(await exists(file))) missing.push(`${file} is not installed`);
  }
  const modules = await run('/usr/bin/python3', [
    '-c',
    'import django, rest_framework, django_filters, corsheaders, psycopg2',
  ]).then(
    () => undefined,
    (error: unknown) =>
      (error as { stderr?: string }).stderr?.trim().split('\n').at(-1) ?? 'python modules missing',
  );
  if (modules) missing.push(`Python: ${modules}`);
  if (!(await exists('/usr/lib/postgresql/15/bin/pg_ctl'))) missing.push('PostgreSQL 15 server binaries');
  for (const file of ['bench-bms.sh', 'drf-bms/pg.sh', 'drf-bms/serve.sh', 'drf-bms/seed_data/seed.sh']) {
    if (!(await exists(path.join(peerDir, file)))) missing.push(`${path.join(peerDir, file)} not found`);
  }
  return missing;
}

export interface PeerStack {
  /** The writable copy of drf-bms. */
  dir: string;
  startedPostgres: boolean;
  startedGunicorn: boolean;
}

const script = (stack: { dir: string }, name: string, args: string[]) =>
  run(path.join(stack.dir, name), args, { env: process.env, maxBuffer: 16 * 1024 * 1024 });

const isRunning = (stack: { dir: string }, name: string) =>
  script(stack, name, ['status']).then(
    () => true,
    () => false,
  );

/** The peer writes its cluster and pid files next to its scripts: it runs from a copy. */
export async function preparePeer(
  peerDir: string,
  workDir: string,
  log: (line: string) => void,
): Promise<PeerStack> {
  if (!(await exists(path.join(workDir, 'pg.sh')))) {
    log(`Copying ${path.join(peerDir, 'drf-bms')} to ${workDir}`);
    await cp(path.join(peerDir, 'drf-bms'), workDir, { recursive: true });
    await makeWritable(workDir);
  }
  const stack: PeerStack = { dir: workDir, startedPostgres: false, startedGunicorn: false };
  if (!(await isRunning(stack, 'pg.sh'))) {
    log((await script(stack, 'pg.sh', ['start'])).stdout.trim());
    stack.startedPostgres = true;
  }
  return stack;
}

async function makeWritable(dir: string): Promise<void> {
  await chmod(dir, 0o755);
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) await makeWritable(file);
    else await chmod(file, entry.name.endsWith('.sh') ? 0o755 : 0o644);
  }
}

export async function seedPeer(stack: PeerStack, log: (line: string) => void): Promise<void> {
  log('Seeding the peer (seed_data/seed.sh) ...');
  log((await script(stack, 'seed_data/seed.sh', [])).stdout.trim());
}

export async function startGunicorn(stack: PeerStack, log: (line: string) => void): Promise<void> {
  if (await isRunning(stack, 'serve.sh')) return;
  log((await script(stack, 'serve.sh', ['start'])).stdout.trim());
  stack.startedGunicorn = true;
}

/** Stops what `preparePeer` and `startGunicorn` started, and nothing that was already running. */
export async function stopPeer(stack: PeerStack, log: (line: string) => void): Promise<void> {
  if (stack.startedGunicorn) log((await script(stack, 'serve.sh', ['stop'])).stdout.trim());
  if (stack.startedPostgres) log((await script(stack, 'pg.sh', ['stop'])).stdout.trim());
}

export async function gunicornMasterPid(stack: PeerStack): Promise<number | undefined> {
  const text = await readFile(path.join(stack.dir, 'run', 'gunicorn.pid'), 'utf8').catch(() => '');
  const pid = Number(text.trim());
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

export interface ProcessMemory {
  pid: number;
  name: string;
  rssMb: number;
}

/** A process and all its descendants, with their resident set sizes (Linux /proc). */
export async function processTree(root: number): Promise<ProcessMemory[]> {
  const parents = new Map<number, number>();
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    // The name sits in parentheses and may hold spaces: the parent pid is the second field after it.
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (ppid) parents.set(Number(entry), ppid);
  }
  const tree = [root];
  for (let i = 0; i < tree.length; i++) {
    for (const [pid, ppid] of parents) if (ppid === tree[i]) tree.push(pid);
  }
  const processes: ProcessMemory[] = [];
  for (const pid of tree) {
    const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
    const rss = /^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1];
    const name = /^Name:\s+(.+)$/m.exec(status)?.[1] ?? '?';
    if (rss) processes.push({ pid, name, rssMb: Number(rss) / 1024 });
  }
  return processes;
}
