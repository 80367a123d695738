/**
 * Export throughput and memory: `npx tsx bench/export.ts` exports every ticket of the
 * bench database as CSV and as NDJSON from a real server process (bench/server.ts) and
 * prints rows/s with the server's RSS before, at its peak and after (VmRSS every
 * 100 ms), then stalls a client mid-export to show that a slow reader costs no memory
 * and that a client that goes away closes the cursor. `npm run bench` runs the same
 * measurements as its `export` scenario. See bench/README.md.
 */
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import { pathToFileURL } from 'node:url';
import pg from 'pg';
import { BENCH_PASSWORD, benchSettings } from './generate.ts';
import { loginAndCreateToken, rssOf, startServer, type RunningServer } from './server.ts';

const EXPORT_TIMEOUT_MS = 10 * 60_000;
const POOL_MAX = 20;
const MB = 1024 * 1024;

export type ExportFormat = 'csv' | 'ndjson';

export interface ExportResult {
  format: ExportFormat;
  /** The expected row count: every ticket (the export is unfiltered). */
  expected: number;
  rows: number;
  bytes: number;
  seconds: number;
  firstByteSeconds: number | undefined;
  rowsPerSecond: number;
  rssBefore: number | undefined;
  rssPeak: number;
  /** RSS 2 s after the response ended. */
  rssAfter: number | undefined;
  /** Set when the response ended early (the server hit an error mid-stream). */
  failure: string | undefined;
  /** Test processes were running on the machine during the export. */
  noisy?: boolean;
}

/** The formats to measure: BENCH_EXPORT_FORMATS (default both). */
export function exportFormats(env: NodeJS.ProcessEnv = process.env): ExportFormat[] {
  const asked = (env.BENCH_EXPORT_FORMATS ?? 'csv,ndjson').split(',').map((format) => format.trim());
  const formats = asked.filter((format): format is ExportFormat => format === 'csv' || format === 'ndjson');
  if (formats.length === 0) throw new Error('BENCH_EXPORT_FORMATS must name csv and/or ndjson');
  return formats;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A process and its descendants (a cluster primary's API processes). */
async function processTree(pid: number): Promise<number[]> {
  const children = await readFile(`/proc/${pid}/task/${pid}/children`, 'utf8').catch(() => '');
  const ids = children.split(' ').filter(Boolean).map(Number);
  return [pid, ...(await Promise.all(ids.map(processTree))).flat()];
}

/** The RSS of the server: its process and its children (with WEB_CONCURRENCY > 1, the API processes). */
export async function serverRss(pid: number): Promise<number | undefined> {
  const sizes = await Promise.all((await processTree(pid)).map(rssOf));
  const known = sizes.filter((size): size is number => size !== undefined);
  return known.length ? known.reduce((sum, size) => sum + size, 0) : undefined;
}

/** Samples the server's RSS every 100 ms until stopped; answers the peak. */
function sampleRss(pid: number, start: number) {
  let peak = start;
  let sampling = true;
  const done = (async () => {
    while (sampling) {
      const rss = await serverRss(pid);
      if (rss !== undefined && rss > peak) peak = rss;
      await sleep(100);
    }
  })();
  return {
    stop: async () => {
      sampling = false;
      await done;
      return peak;
    },
  };
}

/**
 * One GET of the whole v2 list in `format`: rows/s, and the server's RSS before, at its
 * peak while it streams, and after. A response cut off mid-stream is reported with the
 * rows that arrived.
 */
export async function exportRun(
  baseUrl: string,
  token: string,
  pid: number,
  expected: number,
  format: ExportFormat,
): Promise<ExportResult> {
  const before = await serverRss(pid);
  const sampler = sampleRss(pid, before ?? 0);
  const started = performance.now();
  let firstByte: number | undefined;
  let outcome: { newlines: number; bytes: number; failure?: string };
  let rssPeak = before ?? 0;
  try {
    outcome = await new Promise((resolve, reject) => {
      const request = http.get(
        `${baseUrl}/api/v2/tickets?format=${format}`,
        { headers: { authorization: `Bearer ${token}` }, agent: false, timeout: EXPORT_TIMEOUT_MS },
        (response) => {
          let newlines = 0;
          let bytes = 0;
          let body = '';
          response.on('data', (chunk: Buffer) => {
            firstByte ??= performance.now();
            bytes += chunk.length;
            if (response.statusCode !== 200 && body.length < 2000) body += chunk.toString('utf8');
            for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) newlines++;
          });
          response.on('end', () => {
            if (response.statusCode === 200) resolve({ newlines, bytes });
            else
              resolve({ newlines: 0, bytes, failure: `HTTP ${response.statusCode} ${body.slice(0, 300)}` });
          });
          const cutOff = () => {
            resolve({ newlines, bytes, failure: 'the server cut the response off' });
          };
          response.on('aborted', cutOff);
          response.on('error', cutOff);
        },
      );
      request.on('timeout', () => request.destroy(new Error(`no data for ${EXPORT_TIMEOUT_MS / 1000} s`)));
      request.on('error', reject);
    });
  } finally {
    rssPeak = await sampler.stop();
  }
  const seconds = (performance.now() - started) / 1000;
  await sleep(2000);
  const rssAfter = await serverRss(pid);
  // Quoted CSV cells may hold line breaks; the bench data has none. The CSV header is one line.
  const rows = Math.max(0, outcome.newlines - (format === 'csv' ? 1 : 0));
  return {
    format,
    expected,
    rows,
    bytes: outcome.bytes,
    seconds,
    firstByteSeconds: firstByte === undefined ? undefined : (firstByte - started) / 1000,
    rowsPerSecond: rows / seconds,
    rssBefore: before,
    rssPeak,
    rssAfter,
    failure: outcome.failure ?? (rows < expected ? `only ${rows} of ${expected} rows` : undefined),
  };
}

export interface StallResult {
  /** Bytes the client had read when it stopped reading. */
  bytesRead: number;
  rssAtStall: number | undefined;
  rssPeakDuringStall: number;
  /** The server's open export transactions while the client stalls, and after it went away. */
  exportsOpenDuringStall: number;
  exportsOpenAfterAbort: number;
}

/** Backends of the server inside a transaction: with no other load, the export cursors. */
async function openExports(pool: pg.Pool): Promise<number> {
  const { rows } = await pool.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM pg_stat_activity
      WHERE datname = current_database() AND application_name = 'opsdesk' AND xact_start IS NOT NULL`,
  );
  return rows[0]?.n ?? 0;
}

/**
 * A client that reads 1 MB of an NDJSON export, stops reading for `stallMs` (the server
 * must stop reading its cursor, not buffer the rest), then goes away (the server must
 * close the cursor and give the connection back).
 */
export async function stallRun(
  baseUrl: string,
  token: string,
  pid: number,
  pool: pg.Pool,
  stallMs = 5000,
): Promise<StallResult> {
  const request = http.get(`${baseUrl}/api/v2/tickets?format=ndjson`, {
    headers: { authorization: `Bearer ${token}` },
    agent: false,
  });
  const response = await new Promise<http.IncomingMessage>((resolve, reject) => {
    request.once('response', resolve);
    request.once('error', reject);
  });
  let bytesRead = 0;
  await new Promise<void>((resolve) => {
    const onData = (chunk: Buffer) => {
      bytesRead += chunk.length;
      if (bytesRead < MB) return;
      response.off('data', onData);
      response.pause();
      resolve();
    };
    response.on('data', onData);
  });
  const rssAtStall = await serverRss(pid);
  const sampler = sampleRss(pid, rssAtStall ?? 0);
  await sleep(stallMs);
  const exportsOpenDuringStall = await openExports(pool);
  const rssPeakDuringStall = await sampler.stop();
  request.destroy();
  let exportsOpenAfterAbort = await openExports(pool);
  for (let i = 0; i < 50 && exportsOpenAfterAbort > 0; i++) {
    await sleep(100);
    exportsOpenAfterAbort = await openExports(pool);
  }
  return { bytesRead, rssAtStall, rssPeakDuringStall, exportsOpenDuringStall, exportsOpenAfterAbort };
}

const fmt = (value: number | undefined, digits = 0) =>
  value === undefined || !Number.isFinite(value)
    ? '—'
    : value.toLocaleString('en', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const mb = (bytes: number | undefined) => (bytes === undefined ? '—' : fmt(bytes / MB));

/** Table rows (the columns of bench/run.ts's table) for an export run. */
export function exportTableLines(exported: ExportResult): string[] {
  const label = exported.format === 'csv' ? 'CSV' : 'NDJSON';
  const growth = exported.rssBefore === undefined ? undefined : (exported.rssPeak - exported.rssBefore) / MB;
  const noisy = exported.noisy ? ' ⚠' : '';
  const failed = exported.failure ? `; **failed**: ${exported.failure.replace(/\|/g, '/')}` : '';
  const firstByte =
    exported.firstByteSeconds === undefined
      ? ''
      : `, first byte after ${fmt(exported.firstByteSeconds, 1)} s`;
  const fast = !exported.failure && exported.rowsPerSecond >= 100_000;
  const lean = growth !== undefined && growth < 100 && !exported.failure;
  return [
    `| export ${label}: rows/s (${fmt(exported.rows)} of ${fmt(exported.expected)} rows in ${fmt(exported.seconds, 1)} s${firstByte}${failed})${noisy} | ${fmt(exported.rowsPerSecond)} rows/s | | | | | | | | ≥ 100,000 rows/s | ${fast ? 'yes' : '**no**'} |`,
    `| export ${label}: peak RSS growth (${mb(exported.rssBefore)} → ${mb(exported.rssPeak)} MB, ${mb(exported.rssAfter)} MB after)${noisy} | ${fmt(growth, 1)} MB | | | | | | | | < 100 MB | ${growth === undefined ? 'n/a' : lean ? 'yes' : '**no**'} |`,
  ];
}

function stallLine(stall: StallResult): string {
  const growth =
    stall.rssAtStall === undefined ? undefined : (stall.rssPeakDuringStall - stall.rssAtStall) / MB;
  return `client stalled after ${mb(stall.bytesRead)} MB for 5 s: server RSS +${fmt(growth, 1)} MB; export cursors open during the stall ${stall.exportsOpenDuringStall}, 5 s after the client left ${stall.exportsOpenAfterAbort}`;
}

async function main(): Promise<void> {
  const { url } = benchSettings();
  const pool = new pg.Pool({ connectionString: url, max: 2, application_name: 'opsdesk-bench-export' });
  let server: RunningServer | undefined;
  try {
    const { rows: counted } = await pool
      .query<{ n: number }>('SELECT count(*)::int AS n FROM tickets')
      .catch((error: unknown) => {
        throw new Error(
          `no bench data at ${url} (${String(error)}): run \`npx tsx bench/generate.ts\` first (BENCH_TICKETS=100000 for a smaller set)`,
        );
      });
    const expected = counted[0]?.n ?? 0;
    const load = () =>
      os
        .loadavg()
        .map((value) => value.toFixed(2))
        .join(' ');
    process.stdout.write(
      `${fmt(expected)} tickets at ${url}; load average ${load()} (${os.cpus().length} CPUs)\n`,
    );
    // One API process: the RSS measured is the one process that serves the export.
    server = await startServer(url, POOL_MAX, { WEB_CONCURRENCY: '1' });
    const token = await loginAndCreateToken(server.url, 'bench1', BENCH_PASSWORD);
    for (const format of exportFormats()) {
      const result = await exportRun(server.url, token, server.pid, expected, format);
      process.stdout.write(
        `${format}: ${fmt(result.rows)} rows in ${fmt(result.seconds, 1)} s = ${fmt(result.rowsPerSecond)} rows/s, ` +
          `${fmt(result.bytes / MB)} MB; server RSS ${mb(result.rssBefore)} MB before, ${mb(result.rssPeak)} MB peak, ` +
          `${mb(result.rssAfter)} MB after${result.failure ? `; FAILED: ${result.failure}` : ''}; load average ${load()}\n`,
      );
    }
    process.stdout.write(
      `${stallLine(await stallRun(server.url, token, server.pid, pool))}; load average ${load()}\n`,
    );
  } finally {
    await server?.stop();
    await pool.end();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    process.stderr.write(
      `bench/export: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exit(1);
  });
}
