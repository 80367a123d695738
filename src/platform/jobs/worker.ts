import { EventEmitter } from 'node:events';
import { Value } from '@sinclair/typebox/value';
import {
  Logger,
  parseCronItems,
  run,
  runMigrations as runWorkerMigrations,
  runOnce,
  type ParsedCronItem,
  type TaskList,
  type WorkerEvents,
  type WorkerPool,
} from 'graphile-worker';
import type pg from 'pg';
import { settledWithin } from '../process/deadline.ts';
import type { FastifyBaseLogger } from 'fastify';
import type { JobDefinition } from './define-job.ts';

/** graphile-worker's task list from our job definitions; fails on a duplicate name. */
export function taskListOf(jobs: readonly JobDefinition[], log: FastifyBaseLogger): TaskList {
  const tasks: TaskList = {};
  for (const job of jobs) {
    if (job.name in tasks) throw new Error(`Job ${job.name} is defined twice`);
    tasks[job.name] = async (payload, helpers) => {
      // Payloads are checked when the job runs, not only when queued: old jobs may outlive a schema change.
      const input = payload ?? {};
      if (!Value.Check(job.payload, input)) {
        throw new Error(
          `Job ${job.name} got an invalid payload: ${[...Value.Errors(job.payload, input)].map((e) => `${e.path} ${e.message}`).join('; ')}`,
        );
      }
      const jobLog = log.child({ job: job.name, job_id: helpers.job.id });
      await job.handler(input, {
        jobId: helpers.job.id,
        attempt: helpers.job.attempts,
        log: (message, extra) => {
          jobLog.info(extra ?? {}, message);
        },
      });
    };
  }
  return tasks;
}

/** Schedules as cron items: the crontab text format would refuse our dotted job names. */
function cronItemsOf(jobs: readonly JobDefinition[]): ParsedCronItem[] {
  return parseCronItems(
    jobs.flatMap((job) => (job.cron ? [{ task: job.name, match: job.cron, identifier: job.name }] : [])),
  );
}

function loggerFor(log: FastifyBaseLogger): Logger {
  // LogLevel is a const enum (not importable with isolated modules); its values are these strings.
  const methods: Record<string, 'error' | 'warn' | 'info' | 'debug'> = {
    error: 'error',
    warning: 'warn',
    info: 'info',
  };
  return new Logger(() => (level, message, meta) => {
    log[methods[level as string] ?? 'debug'](meta ?? {}, message);
  });
}

/** Installs or upgrades graphile-worker's own schema (called with the app's migrations). */
export async function migrateJobQueue(pool: pg.Pool): Promise<void> {
  await runWorkerMigrations({ pgPool: pool });
}

export interface JobWorker {
  /** Settles when the worker stops (rejects when it stops on an error). */
  promise: Promise<void>;
  /**
   * Takes no new job and waits up to `graceMs` for the running ones; a job still
   * running then is handed back to the queue (failed once, retried later by any worker).
   */
  stop(graceMs: number): Promise<void>;
}

/**
 * Runs the worker until `stop()`; jobs are picked up within milliseconds through LISTEN/NOTIFY.
 *
 * graphile-worker 0.16 is patched (patches/, applied by patch-package on install): with
 * PostgreSQL gone, two of its paths ended the whole process with an unhandled rejection,
 * a `.finally()` on the cron and pool promises (a cron tick that failed) and a second
 * release of the LISTEN client (a LISTEN that failed during shutdown). 0.17 changes
 * shutdown and job completion in ways our stop() relies on, and 0.18 needs Node 22.
 */
export async function startWorker(options: {
  pool: pg.Pool;
  jobs: readonly JobDefinition[];
  concurrency: number;
  log: FastifyBaseLogger;
}): Promise<JobWorker> {
  const events = new EventEmitter() as WorkerEvents;
  const pools: WorkerPool[] = [];
  events.on('pool:create', ({ workerPool }) => pools.push(workerPool));
  const runner = await run({
    pgPool: options.pool,
    taskList: taskListOf(options.jobs, options.log),
    parsedCronItems: cronItemsOf(options.jobs),
    concurrency: options.concurrency,
    noHandleSignals: true,
    logger: loggerFor(options.log),
    events,
  });
  // graphile-worker drops a worker that could not record its job's end (the database was
  // gone) and runs on with one worker fewer; this worker counts as failed then.
  const failed = new Promise<never>((_, reject) => {
    events.once('worker:fatalError', ({ error }) => {
      reject(error instanceof Error ? error : new Error(String(error)));
    });
  });
  failed.catch(() => undefined);
  let stopped: Promise<void> | undefined;
  return {
    promise: Promise.race([runner.promise, failed]),
    stop(graceMs) {
      stopped ??= (async () => {
        const graceful = runner.stop().then(() => 'stopped' as const);
        if ((await settledWithin(graceful, graceMs)) === 'stopped') return;
        options.log.warn(
          { grace_ms: graceMs },
          'jobs still running at the shutdown deadline: handing them back',
        );
        await Promise.allSettled(pools.map((pool) => pool.forcefulShutdown('Opsdesk is shutting down')));
      })();
      return stopped;
    },
  };
}

/**
 * The job worker of an API process: started again (after `retryMs`) when it fails or
 * cannot start, e.g. after PostgreSQL was out of reach, so that an outage never leaves
 * the process with fewer workers, or none, nor ends it with an unhandled rejection.
 */
export function superviseWorker(
  options: Parameters<typeof startWorker>[0] & { retryMs?: number },
): Pick<JobWorker, 'stop'> {
  let current: JobWorker | undefined;
  let stopping = false;
  // Read through a call: the flag changes while the loop awaits.
  const stopped = () => stopping;
  let wake: (() => void) | undefined;
  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  const loop = (async () => {
    while (!stopped()) {
      try {
        current = await startWorker(options);
        if (stopped()) {
          await current.stop(0);
          return;
        }
        await current.promise;
        // Only our own stop() may end the loop: a runner that ends by itself failed.
        if (stopped()) return;
        throw new Error('the job worker stopped by itself');
      } catch (error) {
        if (stopped()) return;
        options.log.error({ err: error }, 'job worker failed; starting it again');
        await current?.stop(options.retryMs ?? 5000).catch(() => undefined);
        current = undefined;
        await pause(options.retryMs ?? 5000);
      }
    }
  })();
  return {
    async stop(graceMs) {
      stopping = true;
      wake?.();
      await current?.stop(graceMs);
      await settledWithin(loop, 1000);
    },
  };
}

/** Runs every job that is due now, then returns (tests, one-shot maintenance). */
export function runDueJobs(options: {
  pool: pg.Pool;
  jobs: readonly JobDefinition[];
  log: FastifyBaseLogger;
}): Promise<void> {
  return runOnce({
    pgPool: options.pool,
    taskList: taskListOf(options.jobs, options.log),
    noHandleSignals: true,
    logger: loggerFor(options.log),
  });
}
