/**
 * `npm run bench`: loads the data set if needed (bench/generate.ts), starts the API
 * against it, and measures each scenario with autocannon, then the same SQL straight
 * through a pg Pool (bench/direct.ts). Prints one table and records it in
 * bench/RESULTS.md. See bench/README.md.
 */
import http from 'node:http';
import { readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import pg from 'pg';
import { BENCH_PASSWORD, benchSettings, generate } from './generate.ts';
import { runDirect, startCapturer, type LoadResult, type Waves } from './direct.ts';
import { loginAndCreateToken, repoRoot, rssOf, startServer, type RunningServer } from './server.ts';
import { COMMON_WORD, RARE_WORD, TYPO_WORD } from './vocabulary.ts';

const CONNECTIONS = 10;
const WARMUP_SECONDS = 2;
/** The server's pool; the direct-SQL pool gets the same size. */
const POOL_MAX = 20;
const DETAIL_SAMPLE = 500;
const EXPORT_TIMEOUT_MS = 10 * 60_000;
const RESULTS_FILE = path.join(repoRoot, 'bench', 'RESULTS.md');
const START = '<!-- bench:results:start -->';
const END = '<!-- bench:results:end -->';

type Target =
  | { kind: 'ratio'; min: number }
  | { kind: 'p99'; maxMs: number }
  | { kind: 'none' };

interface Scenario {
  name: string;
  method: 'GET' | 'POST';
  /** A fixed path, or one per sampled ticket (detail: each request picks one at random). */
  path: string | ((index: number) => string);
  body?: string;
  target: Target;
  /** The SQL this scenario's request runs, for the direct comparison. */
  direct?: () => Waves;
}

interface Row {
  scenario: string;
  api?: LoadResult;
  sql?: LoadResult;
  target: Target;
}

const log = (line: string) => process.stdout.write(`${line}\n`);

const randomIndex = (size: number) => Math.floor(Math.random() * size);

async function autocannonRun(baseUrl: string, token: string, scenario: Scenario, seconds: number, sampleSize: number): Promise<LoadResult> {
  const headers: Record<string, string> = { authorization: `Bearer ${token}`, accept: 'application/json' };
  if (scenario.body) headers['content-type'] = 'application/json';
  const pathOf = scenario.path;
  const result = await autocannon({
    url: baseUrl,
    connections: CONNECTIONS,
    duration: seconds,
    timeout: 30,
    headers,
    requests: [
      typeof pathOf === 'string'
        ? { method: scenario.method, path: pathOf, ...(scenario.body !== undefined && { body: scenario.body }) }
        : { method: scenario.method, setupRequest: (request) => ({ ...request, path: pathOf(randomIndex(sampleSize)) }) },
    ],
  });
  const seconds_ = result.duration || seconds;
  return {
    requests: result.requests.total,
    seconds: seconds_,
    perSecond: result.requests.total / seconds_,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.timeouts + result.non2xx,
  };
}

/** One GET of the whole list as CSV: rows/s, and the server's peak RSS growth while it streams. */
async function exportRun(baseUrl: string, token: string, server: RunningServer) {
  const before = await rssOf(server.pid);
  let peak = before ?? 0;
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      const rss = await rssOf(server.pid);
      if (rss !== undefined && rss > peak) peak = rss;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  })();
  const started = performance.now();
  try {
    const { newlines, bytes, status } = await new Promise<{ newlines: number; bytes: number; status: number }>(
      (resolve, reject) => {
        const request = http.get(
          `${baseUrl}/api/v2/tickets?format=csv`,
          { headers: { authorization: `Bearer ${token}` }, agent: false, timeout: EXPORT_TIMEOUT_MS },
          (response) => {
            let count = 0;
            let size = 0;
            response.on('data', (chunk: Buffer) => {
              size += chunk.length;
              for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) count++;
            });
            response.on('end', () => resolve({ newlines: count, bytes: size, status: response.statusCode ?? 0 }));
            response.on('error', reject);
          },
        );
        request.on('timeout', () => request.destroy(new Error('export timed out')));
        request.on('error', reject);
      },
    );
    const seconds = (performance.now() - started) / 1000;
    if (status !== 200) throw new Error(`export: HTTP ${status}`);
    const rows = Math.max(0, newlines - 1); // minus the header line
    return { rows, bytes, seconds, rowsPerSecond: rows / seconds, rssBefore: before, rssPeak: peak };
  } finally {
    sampling = false;
    await sampler;
  }
}

// ---------------------------------------------------------------------------
// The table

const fmt = (value: number | undefined, digits = 0) =>
  value === undefined || !Number.isFinite(value)
    ? '—'
    : value.toLocaleString('en', { minimumFractionDigits: digits, maximumFractionDigits: digits });

function targetText(target: Target): string {
  if (target.kind === 'ratio') return `≥ ${Math.round(target.min * 100)}% of SQL`;
  if (target.kind === 'p99') return `p99 < ${target.maxMs} ms`;
  return '—';
}

function met(row: Row): string {
  const { api, sql, target } = row;
  if (!api) return 'not run';
  if (api.errors > 0 && api.errors >= api.requests * 0.01) return `**no** (${fmt(api.errors)} errors)`;
  const errors = api.errors > 0 ? ` (${fmt(api.errors)} errors)` : '';
  if (target.kind === 'ratio') {
    if (!sql) return `n/a${errors}`;
    return (api.perSecond / sql.perSecond >= target.min ? 'yes' : '**no**') + errors;
  }
  if (target.kind === 'p99') return (api.p99 < target.maxMs ? 'yes' : '**no**') + errors;
  return errors ? errors.trim() : '—';
}

function table(rows: Row[], exported: Awaited<ReturnType<typeof exportRun>> | undefined, exportError: string | undefined): string {
  const lines = [
    '| scenario | req/s | p50 ms | p99 ms | direct SQL req/s | SQL p50 ms | SQL p99 ms | API/SQL | target | met? |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |',
  ];
  for (const row of rows) {
    const { api, sql } = row;
    lines.push(
      `| ${row.scenario} | ${fmt(api?.perSecond)} | ${fmt(api?.p50, 1)} | ${fmt(api?.p99, 1)} | ${fmt(sql?.perSecond)} | ` +
        `${fmt(sql?.p50, 1)} | ${fmt(sql?.p99, 1)} | ${api && sql ? `${fmt((api.perSecond / sql.perSecond) * 100)}%` : '—'} | ` +
        `${targetText(row.target)} | ${met(row)} |`,
    );
  }
  if (exported) {
    const growth = exported.rssBefore === undefined ? undefined : (exported.rssPeak - exported.rssBefore) / 1024 / 1024;
    lines.push(
      `| export CSV: rows/s (${fmt(exported.rows)} rows in ${fmt(exported.seconds, 1)} s) | ${fmt(exported.rowsPerSecond)} rows/s | | | | | | | ≥ 100,000 rows/s | ${exported.rowsPerSecond >= 100_000 ? 'yes' : '**no**'} |`,
      `| export CSV: peak RSS growth (${fmt((exported.rssBefore ?? 0) / 1024 / 1024)} → ${fmt(exported.rssPeak / 1024 / 1024)} MB) | ${fmt(growth, 1)} MB | | | | | | | < 100 MB | ${growth === undefined ? 'n/a' : growth < 100 ? 'yes' : '**no**'} |`,
    );
  } else {
    lines.push(`| export CSV | failed: ${(exportError ?? 'not run').replace(/\|/g, '/').slice(0, 200)} | | | | | | | ≥ 100,000 rows/s, RSS < 100 MB | **no** |`);
  }
  return lines.join('\n');
}

async function machine(pool: pg.Pool) {
  const { rows } = await pool.query<{ version: string; tickets: string; comments: string }>(
    'SELECT version() AS version, (SELECT count(*) FROM tickets) AS tickets, (SELECT count(*) FROM ticket_comments) AS comments',
  );
  const row = rows[0];
  return {
    cpus: os.availableParallelism(),
    cpuModel: os.cpus()[0]?.model.trim() ?? 'unknown',
    memoryGiB: os.totalmem() / 1024 ** 3,
    node: process.version,
    postgres: row?.version.split(' on ')[0] ?? 'unknown',
    tickets: Number(row?.tickets ?? 0),
    comments: Number(row?.comments ?? 0),
    loadAverage: os.loadavg()[0] ?? 0,
  };
}

async function recordResults(section: string): Promise<void> {
  let existing = '';
  try {
    existing = await readFile(RESULTS_FILE, 'utf8');
  } catch {
    existing = '';
  }
  const block = `${START}\n${section}\n${END}`;
  const start = existing.indexOf(START);
  const end = existing.indexOf(END);
  const next =
    start !== -1 && end > start
      ? existing.slice(0, start) + block + existing.slice(end + END.length)
      : `# Benchmark results\n\nWritten by \`npm run bench\` (bench/run.ts); the section between the markers is replaced on every run. How to read it: bench/README.md.\n\n${block}\n`;
  await writeFile(RESULTS_FILE, next);
}

// ---------------------------------------------------------------------------

async function main(): Promise<void> {
  const { url, tickets } = benchSettings();
  const duration = Number(process.env.BENCH_DURATION ?? 10);
  if (!Number.isFinite(duration) || duration < 1 || duration > 600) throw new Error('BENCH_DURATION must be 1..600 seconds');

  const generated = await generate({ url, tickets, log });
  const pool = new pg.Pool({ connectionString: url, max: POOL_MAX, application_name: 'opsdesk-bench-direct' });
  pool.on('error', () => undefined);
  let server: RunningServer | undefined;
  const stopServer = () => {
    void server?.stop();
  };
  process.once('SIGINT', stopServer);
  process.once('SIGTERM', stopServer);

  try {
    log('Starting the server ...');
    server = await startServer(url, POOL_MAX);
    log(`Server at ${server.url} (pid ${server.pid}).`);
    const token = await loginAndCreateToken(server.url, 'bench1', BENCH_PASSWORD);
    const authorization = { authorization: `Bearer ${token}`, accept: 'application/json' };

    // Ids spread over the whole table, for the detail scenario.
    const { rows: range } = await pool.query<{ max: number }>('SELECT max(id) AS max FROM tickets');
    const maxId = range[0]?.max ?? 0;
    const candidates = Array.from({ length: DETAIL_SAMPLE * 2 }, () => 1 + Math.floor(Math.random() * maxId));
    const { rows: found } = await pool.query<{ id: number }>('SELECT id FROM tickets WHERE id = ANY($1::int[]) LIMIT $2', [
      candidates,
      DETAIL_SAMPLE,
    ]);
    const ids = found.map((row) => row.id);
    if (ids.length === 0) throw new Error('no tickets to sample');

    const scenarios: Scenario[] = [
      { name: 'v1 list (`/api/incident-tickets/?page=3`)', method: 'GET', path: '/api/incident-tickets/?page=3', target: { kind: 'ratio', min: 0.5 } },
      { name: 'v2 list (`/api/v2/tickets?limit=20`)', method: 'GET', path: '/api/v2/tickets?limit=20', target: { kind: 'ratio', min: 0.5 } },
      { name: 'detail (`/api/v2/tickets/:id`)', method: 'GET', path: (index) => `/api/v2/tickets/${ids[index] ?? 1}`, target: { kind: 'ratio', min: 0.5 } },
      { name: `search common (\`${COMMON_WORD}\`)`, method: 'GET', path: `/api/v2/tickets?search=${COMMON_WORD}`, target: { kind: 'p99', maxMs: 50 } },
      { name: `search rare (\`${RARE_WORD}\`)`, method: 'GET', path: `/api/v2/tickets?search=${RARE_WORD}`, target: { kind: 'p99', maxMs: 50 } },
      { name: `search typo (\`${TYPO_WORD}\`)`, method: 'GET', path: `/api/v2/tickets?search=${TYPO_WORD}`, target: { kind: 'p99', maxMs: 50 } },
      { name: 'filtered list (open, high, incident)', method: 'GET', path: '/api/v2/tickets?status=open&priority=high&kind=incident', target: { kind: 'none' } },
      {
        name: 'create (`POST /api/v2/tickets`)',
        method: 'POST',
        path: '/api/v2/tickets',
        body: JSON.stringify({ kind: 'incident', title: 'Bench ticket', description: 'created by the benchmark', priority: 'medium' }),
        target: { kind: 'p99', maxMs: 25 },
      },
    ];

    // The SQL behind each read scenario, recorded from the real app (bench/direct.ts).
    log('Recording the SQL of each scenario ...');
    const capturer = await startCapturer(url, POOL_MAX);
    try {
      for (const scenario of scenarios) {
        if (scenario.method !== 'GET') continue;
        const pathOf = scenario.path;
        if (typeof pathOf !== 'string') {
          const perTicket: Waves[] = [];
          for (let index = 0; index < ids.length; index++) perTicket.push(await capturer.capture(pathOf(index), authorization));
          scenario.direct = () => perTicket[randomIndex(perTicket.length)] as Waves;
          log(`  ${scenario.name}: waves of ${JSON.stringify(perTicket[0]?.map((wave) => wave.length))} queries (${ids.length} tickets)`);
          continue;
        }
        const waves = await capturer.capture(pathOf, authorization);
        scenario.direct = () => waves;
        log(`  ${scenario.name}: waves of ${JSON.stringify(waves.map((wave) => wave.length))} queries`);
      }
    } finally {
      await capturer.close();
    }

    const rows: Row[] = [];
    for (const scenario of scenarios) {
      log(`${scenario.name}: API ...`);
      await autocannonRun(server.url, token, scenario, WARMUP_SECONDS, ids.length);
      const api = await autocannonRun(server.url, token, scenario, duration, ids.length);
      log(`  ${fmt(api.perSecond)} req/s, p50 ${fmt(api.p50, 1)} ms, p99 ${fmt(api.p99, 1)} ms${api.errors ? `, ${api.errors} errors` : ''}`);
      let sql: LoadResult | undefined;
      if (scenario.direct) {
        log(`${scenario.name}: direct SQL ...`);
        await runDirect(pool, scenario.direct, CONNECTIONS, WARMUP_SECONDS);
        sql = await runDirect(pool, scenario.direct, CONNECTIONS, duration);
        log(`  ${fmt(sql.perSecond)} req/s, p50 ${fmt(sql.p50, 1)} ms, p99 ${fmt(sql.p99, 1)} ms${sql.errors ? `, ${sql.errors} errors` : ''}`);
      }
      rows.push({ scenario: scenario.name, api, sql, target: scenario.target });
    }

    log('export CSV of every ticket ...');
    let exported: Awaited<ReturnType<typeof exportRun>> | undefined;
    let exportError: string | undefined;
    try {
      exported = await exportRun(server.url, token, server);
      log(`  ${fmt(exported.rows)} rows in ${fmt(exported.seconds, 1)} s: ${fmt(exported.rowsPerSecond)} rows/s`);
    } catch (error) {
      exportError = error instanceof Error ? error.message : String(error);
      log(`  failed: ${exportError}`);
    }

    const info = await machine(pool);
    const result = table(rows, exported, exportError);
    const section = [
      `## ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC`,
      '',
      `- Machine: ${info.cpus} CPUs (${info.cpuModel}), ${fmt(info.memoryGiB, 1)} GiB RAM; load average before the table was written: ${fmt(info.loadAverage, 2)}`,
      `- Node ${info.node}, ${info.postgres}`,
      `- Data: ${fmt(info.tickets)} tickets, ${fmt(info.comments)} comments` +
        (generated.generated ? ` (generated in this run in ${fmt(generated.seconds, 1)} s)` : ' (reused)'),
      `- Load: ${CONNECTIONS} connections, ${duration} s per scenario after ${WARMUP_SECONDS} s of warm-up; API pool and direct-SQL pool ${POOL_MAX} connections; autocannon, server and PostgreSQL share the machine`,
      '',
      result,
      '',
      'Direct SQL replays the queries the API issued for the same request (rows, count, and the people, facilities and departments of the page), in the same waves; the API additionally looks up its API token on every request.',
    ].join('\n');
    log(`\n${result}\n`);
    await recordResults(section);
    log(`Recorded in ${path.relative(process.cwd(), RESULTS_FILE)}.`);
  } finally {
    await server?.stop();
    await pool.end();
    process.off('SIGINT', stopServer);
    process.off('SIGTERM', stopServer);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
