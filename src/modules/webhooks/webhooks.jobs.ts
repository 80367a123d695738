import { Type } from '@sinclair/typebox';
import type pg from 'pg';
import type { FastifyBaseLogger } from 'fastify';
import type { Database } from '../../platform/db/client.ts';
import { defineJob, type JobDefinition } from '../../platform/jobs/define-job.ts';
import { startOutboxTrigger } from '../../platform/jobs/outbox-trigger.ts';
import { deliverLaneJob, dispatchJob, type Delivery } from './webhooks.delivery.ts';
import { pruneDeliveries } from './webhooks.repository.ts';

const DAY_MS = 86_400_000;

/** The webhook jobs: dispatch (also every minute, sweeping), lane delivery, the log's prune. */
export function createWebhooksJobs(deps: {
  db: Database;
  delivery: Pick<Delivery, 'dispatch' | 'deliverLane'>;
  retentionDays: number;
}): JobDefinition[] {
  return [
    defineJob({
      ...dispatchJob,
      payload: Type.Object({ sweep: Type.Optional(Type.Boolean()) }),
      handler: async ({ sweep }) => {
        await deps.delivery.dispatch({ sweep });
      },
    }),
    defineJob({
      name: 'webhooks.sweep',
      payload: Type.Object({}),
      // The safety net: events whose NOTIFY no worker heard, lanes whose sender died.
      cron: '* * * * *',
      handler: async () => {
        await deps.delivery.dispatch({ sweep: true });
      },
    }),
    defineJob({
      ...deliverLaneJob,
      payload: Type.Object({ endpoint_id: Type.Integer(), lane: Type.String() }),
      handler: async ({ endpoint_id, lane }) => {
        await deps.delivery.deliverLane(endpoint_id, lane);
      },
    }),
    defineJob({
      name: 'webhooks.prune-deliveries',
      payload: Type.Object({}),
      cron: '27 3 * * *',
      handler: async (_payload, { log }) => {
        const deleted = await pruneDeliveries(deps.db, new Date(Date.now() - deps.retentionDays * DAY_MS));
        log('pruned webhook deliveries', { deleted });
      },
    }),
  ] as JobDefinition[];
}

/**
 * Beside a job worker: queues `webhooks.dispatch` when events commit, and once with a
 * sweep when the listener (re)connects, so a worker that starts after a crash takes up
 * lanes left mid-delivery at once.
 */
export function startDispatchTrigger(options: {
  pool: pg.Pool;
  db: Database;
  log?: Pick<FastifyBaseLogger, 'warn'>;
}) {
  return startOutboxTrigger({
    ...options,
    job: dispatchJob,
    jobFor: (wake) =>
      'resync' in wake
        ? { payload: { sweep: true }, jobKey: 'webhooks.dispatch:sweep' }
        : { payload: {}, jobKey: 'webhooks.dispatch' },
  });
}
