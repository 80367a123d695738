import { Type } from '@sinclair/typebox';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../../test/helpers/database.ts';
import { connectDatabase, type DatabaseHandle } from '../db/client.ts';
import { defineJob, enqueue, type JobDefinition } from './define-job.ts';
import { startTcpProxy, targetOf, throughProxy, type TcpProxy } from '../../../test/resilience/helpers.ts';
import { startWorker, superviseWorker } from './worker.ts';

/**
 * Stopping a worker (shutdown): a running job either finishes within the grace it is
 * given, or goes back to the queue once, unlocked, for the next worker to run again.
 */
describe('job worker stop', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let handle: DatabaseHandle;
  const log = pino({ level: process.env.DEBUG_WORKER ? 'info' : 'silent' });
  const finished: string[] = [];
  const started = new Set<string>();

  const slowJob = defineJob({
    name: 'test.slow',
    payload: Type.Object({ id: Type.String(), ms: Type.Number() }),
    maxAttempts: 5,
    async handler({ id, ms }) {
      started.add(id);
      await new Promise((resolve) => setTimeout(resolve, ms));
      finished.push(id);
    },
  });

  const jobRow = async (id: string) => {
    const { rows } = await handle.pool.query<{
      attempts: number;
      locked_by: string | null;
      last_error: string | null;
    }>(
      `SELECT attempts, locked_by, last_error FROM graphile_worker._private_jobs WHERE payload->>'id' = $1`,
      [id],
    );
    return rows[0];
  };

  const waitForStart = async (id: string) => {
    for (let i = 0; i < 200 && !started.has(id); i++) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(started.has(id)).toBe(true);
  };

  beforeAll(async () => {
    database = await createTestDatabase();
    handle = connectDatabase({ url: database.url, poolMax: 6, statementTimeoutMs: 10_000 });
  });

  afterAll(async () => {
    await handle.close();
    await database.drop();
  });

  it('lets a running job finish within the grace', async () => {
    const worker = await startWorker({ pool: handle.pool, jobs: [slowJob], concurrency: 1, log });
    await enqueue(handle.db, slowJob, { id: 'short', ms: 500 });
    await waitForStart('short');
    await worker.stop(10_000);
    expect(finished).toContain('short');
    expect(await jobRow('short')).toBeUndefined();
  });

  it('hands a job still running at the end of the grace back to the queue, once', async () => {
    const worker = await startWorker({ pool: handle.pool, jobs: [slowJob], concurrency: 1, log });
    await enqueue(handle.db, slowJob, { id: 'long', ms: 8000 });
    await waitForStart('long');
    await worker.stop(300);
    expect(finished).not.toContain('long');
    expect(await jobRow('long')).toMatchObject({
      attempts: 1,
      locked_by: null,
      last_error: expect.any(String),
    });
  });

  /** A supervised worker whose pool reaches PostgreSQL through a proxy the test can blackhole. */
  async function behindProxy(jobs: JobDefinition[], body: (proxy: TcpProxy) => Promise<void>) {
    const proxy = await startTcpProxy(targetOf(database.url, 5432));
    const through = connectDatabase({
      url: throughProxy(database.url, proxy),
      poolMax: 4,
      statementTimeoutMs: 300,
      connectTimeoutMs: 300,
    });
    const worker = superviseWorker({ pool: through.pool, jobs, concurrency: 1, log, retryMs: 100 });
    try {
      await body(proxy);
    } finally {
      await worker.stop(2000);
      await through.close(500);
      await proxy.close();
    }
  }

  const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  it('starts again by itself after PostgreSQL went away under a running job', async () => {
    await behindProxy([slowJob], async (proxy) => {
      await enqueue(handle.db, slowJob, { id: 'cut-off', ms: 1000 });
      await waitForStart('cut-off');
      // The job ends while its worker cannot record it: graphile-worker stops on that error.
      proxy.blackhole();
      await pause(3000);
      proxy.restore();
      await enqueue(handle.db, slowJob, { id: 'after-outage', ms: 0 });
      await waitForStart('after-outage');
    });
  });

  // The cron loop reads the database on each minute's tick only: the test blackholes
  // across the next one. An unhandled rejection there fails the run (vitest reports it).
  it('outlives a cron tick that finds PostgreSQL gone', { timeout: 90_000 }, async () => {
    const tick = defineJob({
      name: 'test.tick',
      payload: Type.Object({}),
      cron: '* * * * *',
      async handler() {},
    });
    await behindProxy([slowJob, tick], async (proxy) => {
      await pause(Math.max(0, 60_000 - (Date.now() % 60_000) - 1500));
      proxy.blackhole();
      await pause(4000);
      proxy.restore();
      await enqueue(handle.db, slowJob, { id: 'after-cron-outage', ms: 0 });
      await waitForStart('after-cron-outage');
    });
  });
});
