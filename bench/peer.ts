/**
 * `npm run bench:peer`: Opsdesk side by side with the DRF peer of shared/peers. Starts
 * (or reuses) the peer and its PostgreSQL, seeds it, copies the same rows into an
 * Opsdesk database on that cluster (bench/peer-data.ts), starts Opsdesk, runs W1-W5 of
 * the peer's bench-bms.sh at c=10 and c=100, interleaved (peer, Opsdesk, Opsdesk with
 * `Connection: close`, then again), and records the ratios in bench/RESULTS.md.
 * See bench/README.md.
 */
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { copyPeerData, type PeerDataCounts } from './peer-data.ts';
import {
  APT_LINE,
  PEER_BASE,
  PEER_PASSWORD,
  PEER_PORT,
  PEER_URL,
  PEER_USER,
  gunicornMasterPid,
  missingPrerequisites,
  preparePeer,
  processTree,
  seedPeer,
  startGunicorn,
  stopPeer,
  type PeerStack,
  type ProcessMemory,
} from './peer-stack.ts';
import {
  PEER_SECTION_END,
  PEER_SECTION_START,
  peerSection,
  type Measurement,
  type Side,
} from './peer-report.ts';
import { repoRoot, startServer, type RunningServer } from './server.ts';

const runFile = promisify(execFile);
const log = (line: string) => process.stdout.write(`${line}\n`);
const RESULTS_FILE = path.join(repoRoot, 'bench', 'RESULTS.md');
const OPSDESK_URL = `postgres://bms:bms@127.0.0.1:${PEER_PORT}/opsdesk_peer`;

export interface PeerSettings {
  peerDir: string;
  workDir: string;
  quick: boolean;
  rounds: number;
  duration: string;
  connectionClose: boolean;
  webConcurrency: string;
}

export function peerSettings(env: NodeJS.ProcessEnv = process.env): PeerSettings {
  const quick = env.BENCH_PEER_QUICK === '1';
  const rounds = Number(env.BENCH_PEER_ROUNDS ?? (quick ? 1 : 3));
  if (!Number.isInteger(rounds) || rounds < 1)
    throw new Error('BENCH_PEER_ROUNDS must be a whole number >= 1');
  const duration = env.BENCH_PEER_DURATION ?? (quick ? '3s' : '15s');
  if (!/^\d+[sm]$/.test(duration)) throw new Error('BENCH_PEER_DURATION must look like 15s or 1m');
  return {
    peerDir: path.resolve(env.BENCH_PEER_DIR ?? path.join(repoRoot, '..', 'shared', 'peers')),
    workDir: path.resolve(env.BENCH_PEER_WORKDIR ?? path.join(os.tmpdir(), 'drf-bms')),
    quick,
    rounds,
    duration,
    connectionClose: env.BENCH_PEER_CONNECTION_CLOSE !== '0',
    webConcurrency: env.WEB_CONCURRENCY ?? String(os.availableParallelism()),
  };
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => {
        resolve(port);
      });
    });
  });
}

async function query<T extends pg.QueryResultRow>(url: string, sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

/** The peer's seed gives 100,000 incident tickets (ids 1-100,000); anything less or more gets it seeded again. */
async function peerSeeded(): Promise<boolean> {
  const rows = await query<{ n: string }>(
    PEER_URL,
    'SELECT count(*) AS n FROM api_incidentticket WHERE id <= 100000',
  ).catch(() => [{ n: '0' }]);
  return Number(rows[0]?.n) === 100_000;
}

/**
 * W4 leaves rows behind on both sides: drop them before every run so each reads the
 * same tickets. The wait lets requests wrk abandoned at the end finish first.
 */
async function resetCreates(counts: PeerDataCounts): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 1000));
  await query(PEER_URL, `DELETE FROM api_incidentticket WHERE id > ${counts.incidents}`);
  await query(PEER_URL, 'VACUUM (ANALYZE) api_incidentticket');
  await query(OPSDESK_URL, `DELETE FROM tickets WHERE id > ${counts.incidents + counts.services}`);
  await query(OPSDESK_URL, 'VACUUM (ANALYZE) tickets');
}

const LATENCY_UNITS: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60_000 };

/** wrk's `107.00ms`, `1.17s`, `950.00us` in milliseconds. */
export function wrkMilliseconds(text: string): number {
  const match = /^([\d.]+)(us|ms|s|m)$/.exec(text.trim());
  if (!match?.[1] || !match[2]) return Number.NaN;
  return Number(match[1]) * (LATENCY_UNITS[match[2]] ?? Number.NaN);
}

/** Runs bench-bms.sh once against one side and reads its markdown rows. */
async function benchBms(
  settings: PeerSettings,
  side: Side,
  base: string,
  round: number,
  extraHeader?: string,
): Promise<Measurement[]> {
  const env: NodeJS.ProcessEnv = { ...process.env, DUR: settings.duration, CONNS: '10 100', MAXID: '100000' };
  if (extraHeader) env.EXTRA_H = extraHeader;
  else delete env.EXTRA_H;
  const loadBefore = os.loadavg()[0] ?? 0;
  const { stdout } = await runFile(
    'bash',
    [path.join(settings.peerDir, 'bench-bms.sh'), side, base, PEER_USER, PEER_PASSWORD],
    { env, maxBuffer: 16 * 1024 * 1024 },
  );
  const loadAfter = os.loadavg()[0] ?? 0;
  const rows: Measurement[] = [];
  for (const line of stdout.split('\n')) {
    const cells = line.split('|').map((cell) => cell.trim());
    if (cells.length < 8 || !/^W\d$/.test(cells[2] ?? '')) continue;
    rows.push({
      side,
      round,
      workload: cells[2] as string,
      connections: Number(cells[3]),
      perSecond: Number(cells[4]),
      p50: wrkMilliseconds(cells[5] ?? ''),
      p99: wrkMilliseconds(cells[6] ?? ''),
      non2xx: Number(cells[7]),
      loadBefore,
      loadAfter,
    });
  }
  if (rows.length === 0) throw new Error(`bench-bms.sh printed no rows for ${side}:\n${stdout}`);
  return rows;
}

/** Logs in like the SPA and measures each workload's response size once. */
async function payloadBytes(base: string): Promise<Record<string, number>> {
  const jar = new Map<string, string>();
  const call = async (method: string, url: string, body?: unknown) => {
    const headers: Record<string, string> = { accept: 'application/json', origin: 'http://localhost:8080' };
    if (jar.size) headers.cookie = [...jar].map(([name, value]) => `${name}=${value}`).join('; ');
    const csrf = jar.get('csrftoken');
    if (csrf && method !== 'GET') headers['x-csrftoken'] = csrf;
    if (body) headers['content-type'] = 'application/json';
    const response = await fetch(base + url, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    for (const cookie of response.headers.getSetCookie()) {
      const [pair = ''] = cookie.split(';');
      const at = pair.indexOf('=');
      if (at > 0) jar.set(pair.slice(0, at), pair.slice(at + 1));
    }
    const bytes = Buffer.from(await response.arrayBuffer());
    if (!response.ok)
      throw new Error(`${method} ${url}: HTTP ${response.status} ${bytes.toString().slice(0, 200)}`);
    return bytes;
  };
  await call('GET', '/api/csrf/');
  await call('POST', '/api/auth/login/', { username: PEER_USER, password: PEER_PASSWORD });
  await call('GET', '/api/csrf/');
  const first = async (resource: string) =>
    (
      JSON.parse((await call('GET', `/api/${resource}/?page_size=1`)).toString()) as {
        results: { id: number }[];
      }
    ).results[0]?.id;
  return {
    W1: (await call('GET', '/api/incident-tickets/?page=1&page_size=50')).length,
    W2: (await call('GET', '/api/incident-tickets/?search=klystron&page_size=50')).length,
    W3: (await call('GET', '/api/incident-tickets/4242/')).length,
    W4: (
      await call('POST', '/api/incident-tickets/', {
        title: 'payload probe',
        description: 'Created by the W4 load test.',
        priority: 'High',
        incident_type_id: await first('incident-types'),
        facility_id: await first('facilities'),
      })
    ).length,
    W5: (await call('GET', '/api/health/')).length,
  };
}

async function record(section: string): Promise<void> {
  const existing = await readFile(RESULTS_FILE, 'utf8');
  const block = `${PEER_SECTION_START}\n${section}\n${PEER_SECTION_END}`;
  const start = existing.indexOf(PEER_SECTION_START);
  const end = existing.indexOf(PEER_SECTION_END);
  const next =
    start >= 0 && end > start
      ? existing.slice(0, start) + block + existing.slice(end + PEER_SECTION_END.length)
      : `${existing.trimEnd()}\n\n## Side by side with the DRF peer (\`npm run bench:peer\`)\n\n${block}\n`;
  await writeFile(RESULTS_FILE, next);
}

async function main(): Promise<void> {
  const settings = peerSettings();
  const missing = await missingPrerequisites(settings.peerDir);
  if (missing.length > 0) {
    process.stderr.write(
      `bench:peer cannot run: ${missing.join('; ')}.\nInstall the prerequisites with:\n  ${APT_LINE}\n` +
        '(and point BENCH_PEER_DIR at the shared/peers folder if it is elsewhere)\n',
    );
    process.exit(1);
  }
  let stack: PeerStack | undefined;
  let server: RunningServer | undefined;
  const shutdown = async () => {
    await server?.stop();
    if (stack) await stopPeer(stack, log);
  };
  process.once('SIGINT', () => {
    void shutdown().finally(() => process.exit(130));
  });
  try {
    stack = await preparePeer(settings.peerDir, settings.workDir, log);
    if (!(await peerSeeded())) await seedPeer(stack, log);
    const counts = await copyPeerData({
      peerUrl: PEER_URL,
      opsdeskUrl: OPSDESK_URL,
      password: PEER_PASSWORD,
      log,
    });
    await startGunicorn(stack, log);
    const port = await freePort();
    server = await startServer(OPSDESK_URL, 10, {
      PORT: String(port),
      WEB_CONCURRENCY: settings.webConcurrency,
      DATABASE_POOL_MAX: process.env.DATABASE_POOL_MAX ?? '10',
      WORKER_IN_PROCESS: 'true',
    });
    const opsdeskBase = `http://127.0.0.1:${port}`;
    log(`Opsdesk on ${opsdeskBase} (WEB_CONCURRENCY=${settings.webConcurrency}); the peer on ${PEER_BASE}`);

    await resetCreates(counts);
    const payload = { peer: await payloadBytes(PEER_BASE), opsdesk: await payloadBytes(opsdeskBase) };
    const measurements: Measurement[] = [];
    const started = new Date();
    for (let round = 1; round <= settings.rounds; round++) {
      const runs: [Side, string, string | undefined][] = [
        ['peer', PEER_BASE, undefined],
        ['opsdesk', opsdeskBase, undefined],
      ];
      if (settings.connectionClose) runs.push(['opsdesk-close', opsdeskBase, 'Connection: close']);
      for (const [side, base, header] of runs) {
        await resetCreates(counts);
        log(`Round ${round}/${settings.rounds}: ${side} (load average ${os.loadavg()[0]?.toFixed(2)}) ...`);
        const rows = await benchBms(settings, side, base, round, header);
        for (const row of rows) log(`  ${row.workload} c=${row.connections}: ${row.perSecond} req/s`);
        measurements.push(...rows);
      }
    }
    await resetCreates(counts);

    const memory: Record<'opsdesk' | 'peer', ProcessMemory[]> = {
      opsdesk: await processTree(server.pid),
      peer: await gunicornMasterPid(stack).then((pid) => (pid ? processTree(pid) : [])),
    };
    const section = peerSection({
      settings,
      started,
      measurements,
      payload,
      memory,
      postgres:
        (await query<{ v: string }>(PEER_URL, "SELECT current_setting('server_version') AS v"))[0]?.v ?? '?',
      gunicornWorkers: process.env.WORKERS ?? String(2 * os.availableParallelism() + 1),
    });
    log(`\n${section}`);
    if (settings.quick) log('\nQuick mode (BENCH_PEER_QUICK=1): bench/RESULTS.md left alone.');
    else {
      await record(section);
      log(`\nRecorded in ${path.relative(process.cwd(), RESULTS_FILE)}.`);
    }
  } finally {
    await shutdown();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(
    `bench/peer: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
