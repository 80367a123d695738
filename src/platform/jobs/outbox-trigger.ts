import type { FastifyBaseLogger } from 'fastify';
import type pg from 'pg';
import type { Database } from '../db/client.ts';
import { createEventListener, type EventWake } from '../events/index.ts';
import { enqueue, type JobShape } from './define-job.ts';

/** What one wake queues: the job's payload and its key (graphile-worker coalesces by key). */
export interface TriggeredJob {
  payload: unknown;
  jobKey: string;
}

/** How long commits are folded into one enqueue: the most a delivery waits under a stream of commits. */
const DEFAULT_WINDOW_MS = 50;

/**
 * Beside a job worker: queues a job when events commit, for consumers that read the
 * outbox from cursors of their own (webhooks, revalidation). A run reads everything
 * committed before it, so one run after a burst does the work of every NOTIFY in it.
 * The first wake queues at once (a lone event goes out without delay); later ones
 * within `windowMs` fold into one enqueue at the window's end, and a resync (the
 * listener reconnected) always queues at once. Queuing per NOTIFY cost every create
 * an add_job call and a job run of its own: with the worker in process, a create took
 * 70% more CPU (bench/cpu.ts, W4).
 */
export function startOutboxTrigger(options: {
  pool: pg.Pool;
  db: Database;
  log?: Pick<FastifyBaseLogger, 'warn'>;
  job: JobShape;
  jobFor: (wake: EventWake) => TriggeredJob;
  windowMs?: number;
}) {
  const { db, log, job, jobFor } = options;
  const windowMs = options.windowMs ?? DEFAULT_WINDOW_MS;
  let windowTimer: NodeJS.Timeout | undefined;
  let folded: EventWake | undefined;

  const queue = (wake: EventWake) => {
    const { payload, jobKey } = jobFor(wake);
    return enqueue(db, job, payload, { jobKey }).catch((error: unknown) => {
      log?.warn({ err: error }, `could not queue ${job.name}`);
    });
  };

  const closeWindow = () => {
    windowTimer = undefined;
    if (!folded) return;
    const wake = folded;
    folded = undefined;
    void queue(wake);
    windowTimer = setTimeout(closeWindow, windowMs);
  };

  const listener = createEventListener({ pool: options.pool, log });
  listener.subscribe((wake) => {
    if ('resync' in wake || !windowTimer) {
      void queue(wake);
      windowTimer ??= setTimeout(closeWindow, windowMs);
      return;
    }
    folded = wake;
  });
  void listener.start();
  return {
    /** Stops listening; a wake still folded is queued first, so no commit goes unannounced. */
    close: async () => {
      clearTimeout(windowTimer);
      windowTimer = undefined;
      const wake = folded;
      folded = undefined;
      await listener.close();
      if (wake) await queue(wake);
    },
  };
}
