import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { drizzle } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import pg from 'pg';
import { migrateJobQueue } from '../jobs/worker.ts';

export const migrationsFolder = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../../migrations',
);

/** Arbitrary but fixed: every Opsdesk process takes this lock before migrating. */
const MIGRATION_LOCK = 7_201_911_442;

/**
 * Applies pending migrations (ours, then graphile-worker's job queue schema). Processes starting together queue on one advisory lock;
 * each then sees what the first applied, so every migration runs exactly once.
 */
export async function runMigrations(pool: pg.Pool): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('SET statement_timeout = 0');
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    try {
      await migrate(drizzle({ client }), { migrationsFolder });
      // A pool of its own: the caller's pool may have no connection to spare while we hold the lock.
      const jobQueuePool = new pg.Pool({ ...pool.options, max: 1 });
      try {
        await migrateJobQueue(jobQueuePool);
      } finally {
        await jobQueuePool.end();
      }
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]);
    }
  } finally {
    await client.query('RESET statement_timeout').catch(() => undefined);
    client.release();
  }
}
