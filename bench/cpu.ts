/**
 * `npm run bench:cpu`: what one request costs in CPU, in Node and in PostgreSQL, for the
 * issue-10 workloads (W1-W5) on the bench data (bench/generate.ts). Requests per second
 * move with whatever else the machine runs; CPU time per request much less, so this is
 * the figure to compare before and after a change on a shared machine.
 *
 * One API process (`WEB_CONCURRENCY=1`) serves each workload under autocannon (10
 * connections, 2 s of warm-up, then BENCH_DURATION seconds); the user + system time of
 * the server's processes and of the PostgreSQL backends serving its pool is read from
 * /proc before and after, and divided by the requests completed. With
 * BENCH_CPU_PROFILE=1 the server writes a V8 CPU profile per process into
 * bench/profiles/, and the share of samples spent in each package is printed.
 */
import { readdir, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import pg from 'pg';
import { BENCH_PASSWORD, benchSettings } from './generate.ts';
import { loginAndCreateToken, repoRoot, startServer, type RunningServer } from './server.ts';
import { RARE_WORD } from './vocabulary.ts';

const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10);
const WARMUP_SECONDS = 2;
const POOL_MAX = 20;
/**
 * How many tickets W3 picks its random detail from: the peer bench picks among 100,000,
 * far more than a process's detail cache keeps (READ_CACHE_ENTRIES), so most of its reads
 * miss; a few hundred measure the cached path instead.
 */
const DETAIL_IDS = Number(process.env.BENCH_CPU_DETAIL_IDS ?? 500);
/** Clock ticks per second of /proc/<pid>/stat (USER_HZ: 100 on Linux). */
const TICKS = 100;
const PROFILE_DIR = path.join(repoRoot, 'bench', 'profiles');

interface Workload {
  key: string;
  name: string;
  method: 'GET' | 'POST';
  path: string | (() => string);
  body?: () => string;
}

interface Measured {
  workload: Workload;
  requests: number;
  seconds: number;
  errors: number;
  nodeMs: number;
  postgresMs: number;
  p50: number;
  p99: number;
  load: number;
}

const log = (line: string) => process.stdout.write(`${line}\n`);
const pick = <T>(values: T[]): T => values[Math.floor(Math.random() * values.length)] as T;

/** utime + stime of one process, in clock ticks; 0 once it has gone. */
async function cpuTicks(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  if (!stat) return 0;
  // The name sits in parentheses and may hold spaces; utime and stime are fields 14 and 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

/** The server's process and its descendants (a cluster's workers). */
async function serverTree(root: number): Promise<number[]> {
  const parents = new Map<number, number>();
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (ppid) parents.set(Number(entry), ppid);
  }
  const tree = [root];
  for (let i = 0; i < tree.length; i++)
    for (const [pid, ppid] of parents) if (ppid === tree[i]) tree.push(pid);
  return tree;
}

/** The backends of the server's pool (every connection to the bench database but this script's). */
async function backends(client: pg.Client): Promise<number[]> {
  const { rows } = await client.query<{ pid: number }>(
    `SELECT pid FROM pg_stat_activity
      WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'`,
  );
  return rows.map((row) => row.pid);
}

async function snapshot(pids: number[]): Promise<Map<number, number>> {
  return new Map(await Promise.all(pids.map(async (pid) => [pid, await cpuTicks(pid)] as const)));
}

/** CPU milliseconds spent since `before`; processes that appeared since count from zero. */
async function spentSince(before: Map<number, number>, pids: number[]): Promise<number> {
  let ticks = 0;
  for (const pid of new Set([...before.keys(), ...pids])) {
    const now = await cpuTicks(pid);
    if (now > 0) ticks += now - (before.get(pid) ?? 0);
  }
  return (ticks / TICKS) * 1000;
}

async function waitForIdle(client: pg.Client): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const { rows } = await client.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND state = 'active' AND pid <> pg_backend_pid()",
    );
    if (!rows[0]?.n) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function load(base: string, token: string, workload: Workload, seconds: number) {
  const headers: Record<string, string> = { authorization: `Bearer ${token}`, accept: 'application/json' };
  if (workload.body) headers['content-type'] = 'application/json';
  const { path: target, body } = workload;
  return autocannon({
    url: base,
    connections: CONNECTIONS,
    duration: seconds,
    timeout: 30,
    headers,
    requests: [
      {
        method: workload.method,
        setupRequest: (request) => ({
          ...request,
          path: typeof target === 'string' ? target : target(),
          ...(body && { body: body() }),
        }),
      },
    ],
  });
}

async function measure(
  server: RunningServer,
  client: pg.Client,
  token: string,
  workload: Workload,
  seconds: number,
): Promise<Measured> {
  await load(server.url, token, workload, WARMUP_SECONDS);
  await waitForIdle(client);
  const nodePids = await serverTree(server.pid);
  const nodeBefore = await snapshot(nodePids);
  const postgresBefore = await snapshot(await backends(client));
  const loadAverage = os.loadavg()[0] ?? 0;
  const result = await load(server.url, token, workload, seconds);
  await waitForIdle(client);
  const nodeMs = await spentSince(nodeBefore, nodePids);
  const postgresMs = await spentSince(postgresBefore, await backends(client));
  const requests = result['2xx'];
  return {
    workload,
    requests,
    seconds: result.duration || seconds,
    errors: result.errors + result.timeouts + result.non2xx,
    nodeMs: nodeMs / Math.max(requests, 1),
    postgresMs: postgresMs / Math.max(requests, 1),
    p50: result.latency.p50,
    p99: result.latency.p99,
    load: loadAverage,
  };
}

/**
 * Share of a profile's busy samples per owner (a package under node_modules, the app,
 * Node's own code) and the busiest functions, over the last `seconds` of the profile:
 * the last workload's measured run, not the server's start.
 */
async function profileShares(seconds: number): Promise<string[]> {
  interface Node {
    id: number;
    callFrame: { url: string; functionName: string; lineNumber: number };
  }
  const files = (await readdir(PROFILE_DIR).catch(() => [] as string[])).filter((f) =>
    f.endsWith('.cpuprofile'),
  );
  const lines: string[] = [];
  for (const file of files) {
    const profile = JSON.parse(await readFile(path.join(PROFILE_DIR, file), 'utf8')) as {
      nodes: Node[];
      samples: number[];
      timeDeltas: number[];
      endTime: number;
    };
    const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
    const ownerOf = (node: Node | undefined) => {
      const url = node?.callFrame.url ?? '';
      const module = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1];
      if (module) return module;
      if (url.includes('/src/') || url.includes('/dist/')) return 'opsdesk';
      return url ? 'node' : '(native, gc, idle)';
    };
    const owners = new Map<string, number>();
    const functions = new Map<string, number>();
    let time = profile.endTime;
    const from = profile.endTime - seconds * 1_000_000;
    for (let i = profile.samples.length - 1; i >= 0 && time >= from; i--) {
      const node = nodes.get(profile.samples[i] ?? -1);
      time -= profile.timeDeltas[i] ?? 0;
      const owner = ownerOf(node);
      if (owner === '(native, gc, idle)' && node?.callFrame.functionName === '(idle)') continue;
      owners.set(owner, (owners.get(owner) ?? 0) + 1);
      const name = `${node?.callFrame.functionName || '(anonymous)'} ${owner}:${path.basename(node?.callFrame.url ?? '')}:${(node?.callFrame.lineNumber ?? 0) + 1}`;
      functions.set(name, (functions.get(name) ?? 0) + 1);
    }
    const total = [...owners.values()].reduce((sum, n) => sum + n, 0) || 1;
    const share = (n: number) => `${((n / total) * 100).toFixed(1)}%`.padStart(6);
    lines.push('', `${file}: self time of the last ${seconds} s, ${total} busy samples`);
    for (const [name, n] of [...owners].sort((a, b) => b[1] - a[1]).slice(0, 12))
      lines.push(`  ${share(n)}  ${name}`);
    lines.push('  busiest functions:');
    for (const [name, n] of [...functions].sort((a, b) => b[1] - a[1]).slice(0, 25))
      lines.push(`  ${share(n)}  ${name}`);
  }
  return lines;
}

async function main(): Promise<void> {
  const { url } = benchSettings();
  const seconds = Number(process.env.BENCH_DURATION ?? 10);
  const only = process.env.BENCH_ONLY?.split(',').filter(Boolean);
  const profiling = process.env.BENCH_CPU_PROFILE === '1';
  const client = new pg.Client({ connectionString: url, application_name: 'opsdesk-bench-cpu' });
  await client.connect();
  const { rows: present } = await client.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM information_schema.tables WHERE table_name = 'tickets'",
  );
  const { rows: counted } = present[0]?.n
    ? await client.query<{ n: number }>('SELECT count(*)::int AS n FROM tickets')
    : { rows: [{ n: 0 }] };
  if (!counted[0]?.n) throw new Error(`no bench data in ${url}: run \`npx tsx bench/generate.ts\` first`);
  const { rows: sampled } = await client.query<{ id: number }>(
    "SELECT id FROM tickets TABLESAMPLE SYSTEM (10) WHERE kind = 'incident' LIMIT $1",
    [DETAIL_IDS],
  );
  const ids = sampled.map((row) => row.id);
  const { rows: refs } = await client.query<{ type: number; facility: number }>(
    'SELECT (SELECT min(id) FROM incident_types) AS type, (SELECT min(id) FROM facilities) AS facility',
  );
  const search = process.env.BENCH_CPU_SEARCH ?? RARE_WORD;
  let created = 0;
  const workloads: Workload[] = [
    {
      key: 'W1',
      name: 'W1 v1 list, 50 nested',
      method: 'GET',
      path: '/api/incident-tickets/?page=1&page_size=50',
    },
    {
      key: 'W2',
      name: `W2 v1 search "${search}"`,
      method: 'GET',
      path: `/api/incident-tickets/?search=${encodeURIComponent(search)}&page_size=50`,
    },
    {
      key: 'W3',
      name: 'W3 v1 detail, random',
      method: 'GET',
      path: () => `/api/incident-tickets/${pick(ids)}/`,
    },
    {
      key: 'W4',
      name: 'W4 v1 create',
      method: 'POST',
      path: '/api/incident-tickets/',
      body: () =>
        JSON.stringify({
          title: `cpu bench ticket ${++created}`,
          description: 'Created by bench/cpu.ts.',
          priority: 'High',
          incident_type_id: refs[0]?.type,
          facility_id: refs[0]?.facility,
        }),
    },
    { key: 'W5', name: 'W5 health', method: 'GET', path: '/api/health/' },
  ].filter((workload) => !only || only.includes(workload.key)) as Workload[];

  const server = await startServer(
    url,
    POOL_MAX,
    { WEB_CONCURRENCY: '1' },
    profiling ? ['--cpu-prof', `--cpu-prof-dir=${PROFILE_DIR}`] : [],
  );
  const rows: Measured[] = [];
  const loadBefore = os.loadavg();
  try {
    const token = await loginAndCreateToken(server.url, 'bench1', BENCH_PASSWORD);
    for (const workload of workloads) {
      const row = await measure(server, client, token, workload, seconds);
      log(
        `${workload.key}: ${row.requests} requests, node ${row.nodeMs.toFixed(2)} ms, postgres ${row.postgresMs.toFixed(2)} ms per request`,
      );
      rows.push(row);
    }
  } finally {
    await server.stop();
    // The rows W4 made: the bench data stays what generate.ts loaded.
    if (created > 0) {
      await client.query("DELETE FROM tickets WHERE title LIKE 'cpu bench ticket %'");
    }
    await client.end();
  }
  const loadAfter = os.loadavg();
  const f = (value: number, digits = 2) => value.toFixed(digits);
  log('');
  log(
    `${new Date().toISOString()}, ${os.availableParallelism()} CPUs, 1 API process, ${CONNECTIONS} connections, ${seconds} s per workload; load average ${loadBefore.map((v) => f(v)).join(' ')} before, ${loadAfter.map((v) => f(v)).join(' ')} after`,
  );
  log('');
  log('| workload | req/s | p50 ms | p99 ms | errors | Node CPU ms/req | PG CPU ms/req | load avg (1 min) |');
  log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const row of rows) {
    log(
      `| ${row.workload.name} | ${f(row.requests / row.seconds, 0)} | ${row.p50} | ${row.p99} | ${row.errors} | ${f(row.nodeMs)} | ${f(row.postgresMs)} | ${f(row.load)} |`,
    );
  }
  if (profiling) for (const line of await profileShares(seconds)) log(line);
}

main().catch((error: unknown) => {
  process.stderr.write(
    `bench/cpu: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
