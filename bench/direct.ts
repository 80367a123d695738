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
import { loadConfig } from '../src/config.ts';
import { connectDatabase, type DatabaseHandle } from '../src/platform/db/client.ts';

export interface CapturedQuery {
  config: pg.QueryConfig;
  values: unknown[] | undefined;
}

/** Queries in the order of the request's round trips; the queries of one wave run concurrently. */
export type Waves = CapturedQuery[][];

const AUTHENTICATION = /"(api_tokens|sessions)"/;

export interface Capturer {
  /** Issues the request in-process and returns the SQL waves it caused. */
  capture(path: string, headers: Record<string, string>): Promise<Waves>;
  close(): Promise<void>;
}

export async function startCapturer(databaseUrl: string, poolMax: number): Promise<Capturer> {
  const config = loadConfig({
    NODE_ENV: 'development',
    DATABASE_URL: databaseUrl,
    DATABASE_POOL_MAX: String(poolMax),
    SEED_DEMO: 'false',
    RATE_LIMIT_PER_MINUTE: '0',
    LOGIN_RATE_LIMIT_PER_MINUTE: '0',
    LOG_LEVEL: 'silent',
    WORKER_IN_PROCESS: 'false',
  });
  const database: DatabaseHandle = connectDatabase({
    url: databaseUrl,
    poolMax,
    statementTimeoutMs: config.statementTimeoutMs,
    applicationName: 'opsdesk-bench-capture',
  });

  let waves: Waves | undefined;
  let current: CapturedQuery[] | undefined;
  const pool = database.pool as unknown as { query: (config: unknown, values?: unknown) => Promise<unknown> };
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
    return original(queryConfig, values);
  };

  const { buildApp } = await import('../src/app.ts');
  const app: FastifyInstance = await buildApp({ config, database, logger: false });
  await app.ready();

  return {
    async capture(path, headers) {
      waves = [];
      current = undefined;
      try {
        const response = await app.inject({ method: 'GET', url: path, headers });
        if (response.statusCode !== 200) {
          throw new Error(`capture of GET ${path}: HTTP ${response.statusCode} ${response.body.slice(0, 300)}`);
        }
        return waves;
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
  sorted.length === 0 ? 0 : (sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0);

/**
 * `concurrency` loops, each issuing one "request" (its waves, in order) after another
 * for `seconds`: the same closed-loop load autocannon puts on the API.
 */
export async function runDirect(pool: pg.Pool, next: () => Waves, concurrency: number, seconds: number): Promise<LoadResult> {
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
          await Promise.all(wave.map((query) => pool.query({ ...query.config }, query.values)));
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
