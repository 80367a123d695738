import type pg from 'pg';
import type { FastifyBaseLogger } from 'fastify';
import type { Database } from './platform/db/client.ts';
import { startRevalidationTrigger } from './modules/revalidation/index.ts';
import { startDispatchTrigger } from './modules/webhooks/index.ts';

/** Beside a job worker: the outbox consumers' wake-ups (webhook and revalidation dispatch). */
export function startOutboxTriggers(options: {
  pool: pg.Pool;
  db: Database;
  log?: Pick<FastifyBaseLogger, 'warn'>;
}) {
  const triggers = [startDispatchTrigger(options), startRevalidationTrigger(options)];
  return {
    close: async () => {
      await Promise.all(triggers.map((trigger) => trigger.close()));
    },
  };
}
