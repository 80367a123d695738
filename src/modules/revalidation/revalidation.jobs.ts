import { Type } from '@sinclair/typebox';
import type pg from 'pg';
import type { FastifyBaseLogger } from 'fastify';
import type { Database } from '../../platform/db/client.ts';
import { createEventListener } from '../../platform/events/index.ts';
import { defineJob, enqueue, type JobDefinition } from '../../platform/jobs/define-job.ts';
import { deliverJob, dispatchJob, type RevalidationSender } from './revalidation.delivery.ts';
import { pruneDeliveries } from './revalidation.repository.ts';

const DAY_MS = 86_400_000;

/** Dispatch (on every commit of events, and each minute as a safety net), delivery, the log's prune. */
export function createRevalidationJobs(deps: {
  db: Database;
  sender: Pick<RevalidationSender, 'dispatch' | 'deliver'>;
  retentionDays: number;
}): JobDefinition[] {
  return [
    defineJob({
      ...dispatchJob,
      payload: Type.Object({}),
      handler: async () => {
        await deps.sender.dispatch();
      },
    }),
    defineJob({
      name: 'revalidation.sweep',
      payload: Type.Object({}),
      // Events whose NOTIFY no worker heard.
      cron: '* * * * *',
      handler: async () => {
        await deps.sender.dispatch();
      },
    }),
    defineJob({
      ...deliverJob,
      payload: Type.Object({ delivery_id: Type.Integer() }),
      handler: async ({ delivery_id }) => {
        await deps.sender.deliver(delivery_id);
      },
    }),
    defineJob({
      name: 'revalidation.prune-deliveries',
      payload: Type.Object({}),
      cron: '37 3 * * *',
      handler: async (_payload, { log }) => {
        const deleted = await pruneDeliveries(deps.db, new Date(Date.now() - deps.retentionDays * DAY_MS));
        log('pruned revalidation deliveries', { deleted });
      },
    }),
  ] as JobDefinition[];
}

/** Beside a job worker: queues `revalidation.dispatch` when events commit (coalesced by its job key). */
export function startRevalidationTrigger(options: {
  pool: pg.Pool;
  db: Database;
  log?: Pick<FastifyBaseLogger, 'warn'>;
}) {
  const listener = createEventListener({ pool: options.pool, log: options.log });
  listener.subscribe(() => {
    enqueue(options.db, dispatchJob, {}, { jobKey: 'revalidation.dispatch' }).catch((error: unknown) =>
      options.log?.warn({ err: error }, 'could not queue revalidation.dispatch'),
    );
  });
  void listener.start();
  return { close: () => listener.close() };
}
