import { Type } from '@sinclair/typebox';
import type { Database } from '../db/client.ts';
import { defineJob } from '../jobs/define-job.ts';
import { pruneEvents } from './outbox.ts';

const DAY_MS = 86_400_000;

/** Nightly: deletes outbox events older than EVENTS_RETENTION_DAYS. */
export const pruneEventsJob = (db: Database, retentionDays: number, now: () => Date = () => new Date()) =>
  defineJob({
    name: 'events.prune',
    payload: Type.Object({}),
    cron: '17 3 * * *',
    async handler(_payload, { log }) {
      const deleted = await pruneEvents(db, new Date(now().getTime() - retentionDays * DAY_MS));
      log('pruned outbox events', { deleted, retention_days: retentionDays });
    },
  });
