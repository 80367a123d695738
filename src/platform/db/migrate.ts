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

/** The schemas the API and worker read and write: ours and graphile-worker's job queue. */
const APP_SCHEMAS = 'public, graphile_worker';

/**
 * Lets `role` serve without owning anything: read and write rows and use sequences and
 * functions, but no DDL (only an owner may ALTER a table, so it cannot disable the
 * audit log's append-only trigger) and no UPDATE, DELETE or TRUNCATE on the audit log.
 * Granted after every migration run, so tables added later are covered too.
 */
async function grantAppRole(client: pg.PoolClient, role: string): Promise<void> {
  const { rows } = await client.query<{ exists: boolean; owner: boolean }>(
    'SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1) AS exists, current_user = $1 AS owner',
    [role],
  );
  if (rows[0]?.owner) return;
  if (!rows[0]?.exists)
    throw new Error(
      `The database role "${role}" (DATABASE_APP_ROLE, or the user of DATABASE_URL) does not exist: create it (CREATE ROLE ${role} LOGIN PASSWORD '...') before migrating.`,
    );
  const app = client.escapeIdentifier(role);
  await client.query(`GRANT USAGE ON SCHEMA ${APP_SCHEMAS} TO ${app}`);
  await client.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA ${APP_SCHEMAS} TO ${app}`);
  await client.query(`GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA ${APP_SCHEMAS} TO ${app}`);
  await client.query(`GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA ${APP_SCHEMAS} TO ${app}`);
  await client.query(`REVOKE UPDATE, DELETE, TRUNCATE ON audit_log FROM ${app}`);
  // graphile-worker turns on row-level security without policies, so only the owner of its
  // tables sees rows. Its maintainers suggest handing the tables to the serving role; a
  // policy for that role keeps it an owner of nothing, with its grants as the only limit.
  const policy = client.escapeIdentifier(`${role}_rows`);
  const { rows: guarded } = await client.query<{ name: string }>(
    `SELECT format('%I.%I', n.nspname, c.relname) AS name FROM pg_class c
       JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = 'graphile_worker' AND c.relkind = 'r' AND c.relrowsecurity
        AND NOT EXISTS (SELECT 1 FROM pg_policy p WHERE p.polrelid = c.oid AND p.polname = $1)`,
    [`${role}_rows`],
  );
  for (const { name } of guarded)
    await client.query(`CREATE POLICY ${policy} ON ${name} FOR ALL TO ${app} USING (true) WITH CHECK (true)`);
}

/**
 * Applies pending migrations (ours, then graphile-worker's job queue schema), as the
 * owner of the schema, then grants `appRole` (when given) what serving needs.
 * Processes starting together queue on one advisory lock; each then sees what the first
 * applied, so every migration runs exactly once.
 */
export async function runMigrations(pool: pg.Pool, options: { appRole?: string } = {}): Promise<void> {
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
      if (options.appRole) await grantAppRole(client, options.appRole);
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]);
    }
  } finally {
    await client.query('RESET statement_timeout').catch(() => undefined);
    client.release();
  }
}
