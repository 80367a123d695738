import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';

/** A database of this test file's own, cloned from the migrated template. */
export async function createTestDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const serverUrl = inject('serverUrl');
  const template = inject('templateDatabase');
  const name = `opsdesk_t_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name} TEMPLATE ${template}`);
  } finally {
    await admin.end();
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const client = new pg.Client({ connectionString: serverUrl });
      await client.connect();
      try {
        await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await client.end();
      }
    },
  };
}

/** How many queries `run` sends through `pool` (a page's relations: one query each, whatever its size). */
export async function countQueries(pool: pg.Pool, run: () => Promise<void>): Promise<number> {
  const original = pool.query.bind(pool);
  let calls = 0;
  pool.query = ((...args: unknown[]) => {
    calls += 1;
    return (original as (...a: unknown[]) => unknown)(...args);
  }) as typeof pool.query;
  try {
    await run();
  } finally {
    delete (pool as { query?: unknown }).query;
  }
  return calls;
}
