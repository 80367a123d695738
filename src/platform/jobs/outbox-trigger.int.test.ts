import { Type } from '@sinclair/typebox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../../test/helpers/database.ts';
import { thingMoved } from '../../../test/helpers/events.ts';
import { eventually } from '../../../test/helpers/webhook-receiver.ts';
import { systemContext } from '../auth/actor.ts';
import { connectDatabase, type DatabaseHandle } from '../db/client.ts';
import { recordEvent } from '../events/index.ts';
import { startOutboxTrigger } from './outbox-trigger.ts';
import { migrateJobQueue } from './worker.ts';

const consumeJob = { name: 'test.consume', payload: Type.Object({}) };
const WINDOW_MS = 300;

/**
 * The trigger that wakes outbox consumers folds a burst of commits into few enqueues,
 * and still queues one after the burst's last commit (no worker runs here, so the job
 * row keeps every add_job: its revision counts them).
 */
describe('outbox trigger', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let handle: DatabaseHandle;

  beforeAll(async () => {
    database = await createTestDatabase();
    handle = connectDatabase({ url: database.url, poolMax: 6, statementTimeoutMs: 10_000 });
    await migrateJobQueue(handle.pool);
  });

  afterAll(async () => {
    await handle.close();
    await database.drop();
  });

  const queued = async () => {
    const { rows } = await handle.pool.query<{ revision: number; updated_at: Date }>(
      "SELECT revision, updated_at FROM graphile_worker._private_jobs WHERE key = 'test.consume'",
    );
    return rows[0];
  };

  it('queues once per window under a burst, and once after its last commit', async () => {
    const trigger = startOutboxTrigger({
      pool: handle.pool,
      db: handle.db,
      job: consumeJob,
      jobFor: () => ({ payload: {}, jobKey: 'test.consume' }),
      windowMs: WINDOW_MS,
    });
    try {
      // The listener's first connection queues at once (a resync).
      const first = await eventually('the resync enqueue', queued);
      await new Promise((resolve) => setTimeout(resolve, WINDOW_MS * 2));

      const commits = 30;
      for (let index = 0; index < commits; index += 1)
        await handle.db.transaction((tx) =>
          recordEvent(tx, systemContext('trigger-test'), thingMoved, {
            subjectId: index,
            payload: { to: `room ${index}` },
          }),
        );
      const {
        rows: [last],
      } = await handle.pool.query<{ at: Date }>('SELECT clock_timestamp() AS at');

      const after = await eventually('an enqueue after the last commit', async () => {
        const job = await queued();
        return job && last && job.updated_at >= last.at ? job : undefined;
      });
      const enqueues = after.revision - first.revision;
      expect(enqueues).toBeGreaterThanOrEqual(1);
      expect(enqueues).toBeLessThan(commits / 2);
    } finally {
      await trigger.close();
    }
  });
});
