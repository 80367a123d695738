import { Type } from '@sinclair/typebox';
import type pg from 'pg';
import type { FastifyBaseLogger } from 'fastify';
import type { Database } from '../../platform/db/client.ts';
import { defineJob, type JobDefinition } from '../../platform/jobs/define-job.ts';
import { startOutboxTrigger } from '../../platform/jobs/outbox-trigger.ts';
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

/** Beside a job worker: queues `revalidation.dispatch` when events commit (platform/jobs/outbox-trigger.ts). */
export function startRevalidationTrigger(options: {
  pool: pg.Pool;
  db: Database;
  log?: Pick<FastifyBaseLogger, 'warn'>;
}) {
  return startOutboxTrigger({
    ...options,
    job: dispatchJob,
    jobFor: () => ({ payload: {}, jobKey: 'revalidation.dispatch' }),
  });
}
