/**
 * `npm run bench`: loads the data set if needed (bench/generate.ts), starts the API
 * against it, and measures each scenario with autocannon, then the same SQL straight
 * through a pg Pool (bench/direct.ts). Prints one table and records it in
 * bench/RESULTS.md. See bench/README.md.
 */
import { readdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import pg from 'pg';
import { runCustomerBench } from './customers.ts';
import { BENCH_PASSWORD, benchSettings, generate } from './generate.ts';
import { runDirect, startCapturer, type Capture, type LoadResult, type Waves } from './direct.ts';
import { ensureServiceDesk } from './service-desk.ts';
import { loadConfig } from '../src/config.ts';
import { connectDatabase } from '../src/platform/db/client.ts';
import { loginAndCreateToken, repoRoot, serverEnv, startServer, type RunningServer } from './server.ts';
import { COMMON_WORD, RARE_WORD, TYPO_WORD } from './vocabulary.ts';
import { exportFormats, exportRun, exportTableLines, type ExportResult } from './export.ts';

const CONNECTIONS = 10;
const WARMUP_SECONDS = 2;
/** The server's pool; the direct-SQL pool gets the same size. */
const POOL_MAX = 20;
const DETAIL_SAMPLE = 500;
const RESULTS_FILE = path.join(repoRoot, 'bench', 'RESULTS.md');
const START = '<!-- bench:results:start -->';
const END = '<!-- bench:results:end -->';

type Target = { kind: 'ratio'; min: number } | { kind: 'p99'; maxMs: number } | { kind: 'none' };

interface Scenario {
  /** For BENCH_ONLY. */
  key: string;
  name: string;
  method: 'GET' | 'POST';
  /** A fixed path, or one per sampled ticket (detail: each request picks one at random). */
  path: string | ((index: number) => string);
  body?: string;
  target: Target;
  /** The SQL this scenario's request runs, for the direct comparison. */
  direct?: () => Waves;
  /** Set when part of the request's SQL could not be recorded (see Capture.dedicated). */
  partialDirect?: boolean;
  /** The recorded round trips, e.g. `1+3`. */
  shape?: string;
}

interface Row {
  scenario: string;
  api?: LoadResult;
  sql?: LoadResult;
  /** The SQL round trips of one request, e.g. `1+3` (one query, then three together). */
  shape?: string;
  target: Target;
}

const log = (line: string) => process.stdout.write(`${line}\n`);

const randomIndex = (size: number) => Math.floor(Math.random() * size);

async function autocannonRun(
  baseUrl: string,
  token: string,
  scenario: Scenario,
  seconds: number,
  sampleSize: number,
): Promise<LoadResult> {
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
        ? {
            method: scenario.method,
            path: pathOf,
            ...(scenario.body !== undefined && { body: scenario.body }),
          }
        : {
            method: scenario.method,
            setupRequest: (request) => ({ ...request, path: pathOf(randomIndex(sampleSize)) }),
          },
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

/**
 * Waits until no other query runs on the bench database: requests still in flight
 * when autocannon stops keep the server and PostgreSQL busy, and would weigh on the
 * next measurement.
 */
async function waitForIdle(pool: pg.Pool): Promise<void> {
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    const { rows } = await pool.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND state = 'active' AND pid <> pg_backend_pid()",
    );
    if (!rows[0]?.n) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
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
  if (api.requests === 0)
    return `**no** (no response within the run${api.errors ? `, ${fmt(api.errors)} errors` : ''})`;
  if (api.errors > 0 && api.errors >= api.requests * 0.01) return `**no** (${fmt(api.errors)} errors)`;
  const errors = api.errors > 0 ? ` (${fmt(api.errors)} errors)` : '';
  if (target.kind === 'ratio') {
    if (!sql) return `n/a${errors}`;
    return (api.perSecond / sql.perSecond >= target.min ? 'yes' : '**no**') + errors;
  }
  if (target.kind === 'p99') return (api.p99 < target.maxMs ? 'yes' : '**no**') + errors;
  return errors ? errors.trim() : '—';
}

function table(rows: Row[], exported: ExportResult[], exportError: string | undefined): string {
  const lines = [
    '| scenario | req/s | p50 ms | p99 ms | direct SQL req/s | SQL p50 ms | SQL p99 ms | SQL queries | API/SQL | target | met? |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |',
  ];
  for (const row of rows) {
    const { api, sql } = row;
    lines.push(
      `| ${row.scenario} | ${fmt(api?.perSecond)} | ${fmt(api?.p50, 1)} | ${fmt(api?.p99, 1)} | ${fmt(sql?.perSecond)} | ` +
        `${fmt(sql?.p50, 1)} | ${fmt(sql?.p99, 1)} | ${row.shape ?? '—'} | ` +
        `${api && sql && sql.perSecond > 0 ? `${fmt((api.perSecond / sql.perSecond) * 100)}%` : '—'} | ` +
        `${targetText(row.target)} | ${met(row)} |`,
    );
  }
  for (const result of exported) lines.push(...exportTableLines(result));
  if (exportError) {
    lines.push(
      `| export | failed: ${exportError.replace(/\|/g, '/').slice(0, 200)} | | | | | | | | ≥ 100,000 rows/s, RSS < 100 MB | **no** |`,
    );
  }
  return lines.join('\n');
}

/** How many vitest processes run on this machine (Linux /proc), to warn about a noisy measurement. */
async function testsRunning(): Promise<number> {
  let count = 0;
  try {
    for (const entry of await readdir('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      const cmdline = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
      if (cmdline.includes('vitest')) count++;
    }
  } catch {
    return 0;
  }
  return count;
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
  if (!Number.isFinite(duration) || duration < 1 || duration > 600)
    throw new Error('BENCH_DURATION must be 1..600 seconds');

  const only = process.env.BENCH_ONLY?.split(',')
    .map((key) => key.trim())
    .filter(Boolean);
  const wanted = (key: string) => !only || only.includes(key);
  // Customer search has its own data set and client (bench/customers.ts): alone, it needs no tickets.
  if (only?.length === 1 && only[0] === 'customers') {
    await runCustomerBench(log);
    return;
  }

  const busy = await testsRunning();
  if (busy)
    log(
      `Warning: ${busy} test processes (vitest) are running; the numbers will be lower than on a quiet machine.`,
    );
  const loadBefore = os.loadavg()[0] ?? 0;

  const generated = await generate({ url, tickets, log });
  // The server's configuration; the direct-SQL pool is made like the server's (size, statement timeout).
  const config = loadConfig(serverEnv(url, POOL_MAX));
  const direct = connectDatabase({
    url,
    poolMax: POOL_MAX,
    statementTimeoutMs: config.statementTimeoutMs,
    applicationName: 'opsdesk-bench-direct',
  });
  const pool = direct.pool;
  let server: RunningServer | undefined;
  // Interrupted (Ctrl-C): stop the server before leaving.
  const stopServer = () => {
    void (server?.stop() ?? Promise.resolve()).finally(() => process.exit(130));
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
    const { rows: found } = await pool.query<{ id: number }>(
      'SELECT id FROM tickets WHERE id = ANY($1::int[]) LIMIT $2',
      [candidates, DETAIL_SAMPLE],
    );
    const ids = found.map((row) => row.id);
    if (ids.length === 0) throw new Error('no tickets to sample');

    const allScenarios: Scenario[] = [
      {
        key: 'v1-list',
        name: 'v1 list (`/api/incident-tickets/?page=3`)',
        method: 'GET',
        path: '/api/incident-tickets/?page=3',
        target: { kind: 'ratio', min: 0.5 },
      },
      {
        key: 'v2-list',
        name: 'v2 list (`/api/v2/tickets?limit=20`)',
        method: 'GET',
        path: '/api/v2/tickets?limit=20',
        target: { kind: 'ratio', min: 0.5 },
      },
      {
        key: 'detail',
        name: 'detail (`/api/v2/tickets/:id`)',
        method: 'GET',
        path: (index) => `/api/v2/tickets/${ids[index] ?? 1}`,
        target: { kind: 'ratio', min: 0.5 },
      },
      {
        key: 'search-common',
        name: `search common (\`${COMMON_WORD}\`)`,
        method: 'GET',
        path: `/api/v2/tickets?search=${COMMON_WORD}`,
        target: { kind: 'p99', maxMs: 50 },
      },
      {
        key: 'search-rare',
        name: `search rare (\`${RARE_WORD}\`)`,
        method: 'GET',
        path: `/api/v2/tickets?search=${RARE_WORD}`,
        target: { kind: 'p99', maxMs: 50 },
      },
      {
        key: 'search-typo',
        name: `search typo (\`${TYPO_WORD}\`)`,
        method: 'GET',
        path: `/api/v2/tickets?search=${TYPO_WORD}`,
        target: { kind: 'p99', maxMs: 50 },
      },
      {
        key: 'filtered',
        name: 'filtered list (open, high, incident)',
        method: 'GET',
        path: '/api/v2/tickets?status=open&priority=high&kind=incident',
        target: { kind: 'none' },
      },
      {
        key: 'create',
        name: 'create (`POST /api/v2/tickets`)',
        method: 'POST',
        path: '/api/v2/tickets',
        body: JSON.stringify({
          kind: 'incident',
          title: 'Bench ticket',
          description: 'created by the benchmark',
          priority: 'medium',
        }),
        target: { kind: 'p99', maxMs: 25 },
      },
      {
        key: 'create-routed',
        name: 'create routed (workflow, SLA clock, assignment)',
        method: 'POST',
        path: '/api/v2/tickets',
        body: JSON.stringify({
          kind: 'service',
          title: 'Bench request',
          description: 'created by the benchmark, routed by the default service workflow',
          priority: 'low',
        }),
        target: { kind: 'none' },
      },
    ];

    const scenarios = allScenarios.filter((scenario) => wanted(scenario.key));
    if (wanted('create-routed')) {
      log(
        'Setting up the routed create (calendar, SLA policy, role of 10 agents, default service workflow) ...',
      );
      await ensureServiceDesk(server.url, authorization, pool);
    }

    // The SQL behind each read scenario, recorded from the real app (bench/direct.ts).
    log('Recording the SQL of each scenario ...');
    const capturer = await startCapturer(config);
    try {
      for (const scenario of scenarios) {
        if (scenario.method !== 'GET') continue;
        const pathOf = scenario.path;
        const captures: Capture[] = [];
        if (typeof pathOf === 'string') captures.push(await capturer.capture(pathOf, authorization));
        else
          for (let index = 0; index < ids.length; index++)
            captures.push(await capturer.capture(pathOf(index), authorization));
        scenario.direct = () => (captures[randomIndex(captures.length)] as Capture).waves;
        const shape = captures[0]?.waves.map((wave) => wave.length).join('+') ?? '';
        scenario.shape = shape;
        log(
          `  ${scenario.name}: waves of ${shape} queries${captures.length > 1 ? ` (${captures.length} tickets)` : ''}`,
        );
        const dedicated = captures.reduce((sum, capture) => sum + capture.dedicated, 0);
        if (dedicated > 0) {
          log(
            `  warning: the request also used ${dedicated} connection(s) of its own (transaction, cursor), not replayed`,
          );
          scenario.partialDirect = true;
        }
      }
    } finally {
      await capturer.close();
    }

    const rows: Row[] = [];
    const ensureAlive = (running: RunningServer) => {
      if (running.child.exitCode !== null || running.child.signalCode !== null) {
        throw new Error(`the server stopped during the run:\n${running.output()}`);
      }
    };
    let disturbed = false;
    for (const scenario of scenarios) {
      ensureAlive(server);
      const testsBefore = await testsRunning();
      log(`${scenario.name}: API ...`);
      await autocannonRun(server.url, token, scenario, WARMUP_SECONDS, ids.length);
      await waitForIdle(pool);
      const api = await autocannonRun(server.url, token, scenario, duration, ids.length);
      await waitForIdle(pool);
      log(
        `  ${fmt(api.perSecond)} req/s, p50 ${fmt(api.p50, 1)} ms, p99 ${fmt(api.p99, 1)} ms${api.errors ? `, ${api.errors} errors` : ''}`,
      );
      let sql: LoadResult | undefined;
      if (scenario.direct) {
        log(`${scenario.name}: direct SQL ...`);
        await runDirect(pool, scenario.direct, CONNECTIONS, WARMUP_SECONDS);
        sql = await runDirect(pool, scenario.direct, CONNECTIONS, duration);
        log(
          `  ${fmt(sql.perSecond)} req/s, p50 ${fmt(sql.p50, 1)} ms, p99 ${fmt(sql.p99, 1)} ms${sql.errors ? `, ${sql.errors} errors` : ''}`,
        );
      }
      const noisy = testsBefore + (await testsRunning()) > 0;
      disturbed ||= noisy;
      rows.push({
        scenario:
          scenario.name + (scenario.partialDirect ? ' (direct SQL partial)' : '') + (noisy ? ' ⚠' : ''),
        api,
        sql,
        shape: scenario.shape,
        target: scenario.target,
      });
    }

    const exported: ExportResult[] = [];
    let exportError: string | undefined;
    if (wanted('export')) {
      ensureAlive(server);
      const { rows: counted } = await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM tickets');
      for (const format of exportFormats()) {
        log(`export ${format} of every ticket ...`);
        await waitForIdle(pool);
        try {
          const testsBefore = await testsRunning();
          const result = await exportRun(server.url, token, server.pid, counted[0]?.n ?? 0, format);
          result.noisy = testsBefore + (await testsRunning()) > 0;
          disturbed ||= result.noisy;
          exported.push(result);
          log(
            `  ${fmt(result.rows)} rows in ${fmt(result.seconds, 1)} s: ${fmt(result.rowsPerSecond)} rows/s`,
          );
          if (result.failure) log(`  failed: ${result.failure}\n  server output:\n${server.output()}`);
        } catch (error) {
          exportError = error instanceof Error ? error.message : String(error);
          log(`  failed: ${exportError}\n  server output:\n${server.output()}`);
        }
      }
    }

    const customers = wanted('customers') ? await runCustomerBench(log) : [];

    const info = await machine(pool);
    const busyAfter = await testsRunning();
    const result = table(rows, exported, exportError);
    const section = [
      `## ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC`,
      '',
      `- Machine: ${info.cpus} CPUs (${info.cpuModel}), ${fmt(info.memoryGiB, 1)} GiB RAM`,
      `- Other load: 1-minute load average ${fmt(loadBefore, 2)} at the start; ${busy} test processes (vitest) running at the start, ${busyAfter} at the end`,
      `- Node ${info.node}, ${info.postgres}`,
      `- Data: ${fmt(info.tickets)} tickets, ${fmt(info.comments)} comments` +
        (generated.generated ? ` (generated in this run in ${fmt(generated.seconds, 1)} s)` : ' (reused)'),
      `- Load: ${CONNECTIONS} connections, ${duration} s per scenario after ${WARMUP_SECONDS} s of warm-up; API pool and direct-SQL pool ${POOL_MAX} connections; autocannon, server and PostgreSQL share the machine`,
      '',
      result,
      '',
      ...(customers.length > 0
        ? [
            `Customer search (bench/customers.ts; single client, one request at a time): ${customers
              .map((figure) => `${figure.name} p50 ${fmt(figure.p50, 1)} ms / p99 ${fmt(figure.p99, 1)} ms`)
              .join('; ')}.`,
            '',
          ]
        : []),
      'Direct SQL replays the queries the API issued for the same request, in the same round trips ("SQL queries": `2+2` is two queries together, then two more together); the API additionally looks up its API token on every request.' +
        (disturbed ? ' ⚠: test processes (vitest) were running on the machine during that scenario.' : ''),
    ].join('\n');
    log(`\n${result}\n`);
    if (only) log('BENCH_ONLY is set: bench/RESULTS.md is left as it was (it records full runs only).');
    else {
      await recordResults(section);
      log(`Recorded in ${path.relative(process.cwd(), RESULTS_FILE)}.`);
    }
  } finally {
    await server?.stop();
    await direct.close();
    process.off('SIGINT', stopServer);
    process.off('SIGTERM', stopServer);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
