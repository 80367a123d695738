/**
 * "The database alone": the exact SQL the API issues for a request, replayed straight
 * through a pg Pool with the same concurrency, so the API's overhead shows as a ratio.
 *
 * The SQL is not retyped here. The real app (`buildApp`, the same code the server
 * runs) answers each scenario's request once in-process through `inject()`, on a pool
 * whose `query` records every call: text, parameters and query options (row mode,
 * statement name if any), grouped in waves of queries issued together (a page's rows
 * and count run in parallel, then its people, facilities and departments in parallel).
 * Replaying keeps those waves. Authentication queries (API token lookup) are left out:
 * they are part of the API's overhead, not of the scenario's data access.
 */
import pg from 'pg';
import type { FastifyInstance } from 'fastify';
import type { Config } from '../src/config.ts';
import { connectDatabase, type DatabaseHandle } from '../src/platform/db/client.ts';

export interface CapturedQuery {
  config: pg.QueryConfig;
  values: unknown[] | undefined;
}

/** Queries in the order of the request's round trips; the queries of one wave run concurrently. */
export type Waves = CapturedQuery[][];

const AUTHENTICATION = /"(api_tokens|sessions)"/;

export interface Capture {
  waves: Waves;
  /**
   * Connections the request checked out for itself (a transaction, a cursor): what ran
   * on them is not recorded, so the replay would miss it.
   */
  dedicated: number;
}

export interface Capturer {
  /**
   * Issues the request in-process twice and returns the SQL the second one caused: the
   * steady state, with the app's caches (counts) warm as they are under load.
   */
  capture(path: string, headers: Record<string, string>): Promise<Capture>;
  close(): Promise<void>;
}

/** Runs the app in-process with the server's configuration (`config`), recording its SQL. */
export async function startCapturer(config: Config): Promise<Capturer> {
  const database: DatabaseHandle = connectDatabase({
    url: config.databaseUrl ?? '',
    poolMax: config.databasePoolMax,
    statementTimeoutMs: config.statementTimeoutMs,
    applicationName: 'opsdesk-bench-capture',
  });

  let waves: Waves | undefined;
  let current: CapturedQuery[] | undefined;
  let dedicated = 0;
  let inPoolQuery = false;
  const pool = database.pool as unknown as {
    query: (config: unknown, values?: unknown) => Promise<unknown>;
    connect: (...args: unknown[]) => unknown;
  };
  const originalConnect = pool.connect.bind(pool);
  pool.connect = (...args: unknown[]) => {
    // pool.query checks out a client synchronously inside itself; any other checkout is the app's own.
    if (waves && !inPoolQuery) dedicated++;
    return originalConnect(...args);
  };
  const original = pool.query.bind(pool);
  pool.query = (queryConfig: unknown, values?: unknown) => {
    if (waves) {
      const normalised: pg.QueryConfig =
        typeof queryConfig === 'string' ? { text: queryConfig } : { ...(queryConfig as pg.QueryConfig) };
      if (!AUTHENTICATION.test(normalised.text)) {
        if (!current) {
          const wave: CapturedQuery[] = [];
          current = wave;
          waves.push(wave);
          // Queries issued before the event loop turns belong to the same wave.
          setImmediate(() => {
            if (current === wave) current = undefined;
          });
        }
        current.push({ config: normalised, values: values as unknown[] | undefined });
      }
    }
    inPoolQuery = true;
    try {
      return original(queryConfig, values);
    } finally {
      inPoolQuery = false;
    }
  };

  const { buildApp } = await import('../src/app.ts');
  const app: FastifyInstance = await buildApp({
    config: { ...config, logLevel: 'silent' },
    database,
    logger: false,
  });
  await app.ready();

  return {
    async capture(path, headers) {
      const get = async () => {
        const response = await app.inject({ method: 'GET', url: path, headers });
        if (response.statusCode !== 200) {
          throw new Error(
            `capture of GET ${path}: HTTP ${response.statusCode} ${response.body.slice(0, 300)}`,
          );
        }
      };
      await get();
      waves = [];
      current = undefined;
      dedicated = 0;
      try {
        await get();
        return { waves, dedicated };
      } finally {
        waves = undefined;
        current = undefined;
      }
    },
    async close() {
      await app.close();
      await database.close();
    },
  };
}

export interface LoadResult {
  requests: number;
  seconds: number;
  perSecond: number;
  p50: number;
  p99: number;
  errors: number;
}

const percentile = (sorted: number[], p: number) =>
  sorted.length === 0
    ? 0
    : (sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0);

/**
 * `concurrency` loops, each issuing one "request" (its waves, in order) after another
 * for `seconds`: the same closed-loop load autocannon puts on the API.
 */
export async function runDirect(
  pool: pg.Pool,
  next: () => Waves,
  concurrency: number,
  seconds: number,
): Promise<LoadResult> {
  const latencies: number[] = [];
  let errors = 0;
  const started = performance.now();
  const deadline = started + seconds * 1000;
  const loop = async () => {
    while (performance.now() < deadline) {
      const waves = next();
      const t0 = performance.now();
      try {
        for (const wave of waves) {
          // Settled, not raced: a failed query must not leave its siblings running into the next request.
          const settled = await Promise.allSettled(
            wave.map((query) => pool.query({ ...query.config }, query.values)),
          );
          const failed = settled.find((outcome) => outcome.status === 'rejected');
          if (failed) throw failed.reason;
        }
        latencies.push(performance.now() - t0);
      } catch {
        errors++;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, loop));
  const elapsed = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    requests: latencies.length,
    seconds: elapsed,
    perSecond: latencies.length / elapsed,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    errors,
  };
}
