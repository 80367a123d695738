import pg from 'pg';
import type { Config } from '../../config.ts';
import { connectDatabase, type DatabaseHandle } from './client.ts';
import { startEmbeddedPostgres, type EmbeddedPostgres } from './embedded.ts';
import { runMigrations } from './migrate.ts';

export interface OpenDatabase extends DatabaseHandle {
  /** Set when this process runs the embedded PostgreSQL. */
  embedded: EmbeddedPostgres | undefined;
  url: string;
  /** Closes the pool only; an embedded server keeps running (for the processes a cluster primary forks). */
  disconnect(graceMs?: number): Promise<void>;
}

/** Migrates over `ownerUrl` when the schema owner is another role than the one serving. */
async function migrateAsOwner(pool: pg.Pool, ownerUrl: string | undefined, appRole: string | undefined) {
  if (!ownerUrl) {
    await runMigrations(pool, { appRole });
    return;
  }
  const owner = new pg.Pool({ connectionString: ownerUrl, max: 1, application_name: 'opsdesk-migrate' });
  owner.on('error', () => undefined);
  try {
    await runMigrations(owner, { appRole });
  } finally {
    await owner.end();
  }
}

/**
 * Connects to DATABASE_URL, or starts (or joins) the embedded PostgreSQL when it is
 * unset, and applies pending migrations when asked (over MIGRATION_DATABASE_URL, or the
 * embedded server's owner, when the serving role is another). `close()` also stops an embedded
 * server this process started.
 */
export async function openDatabase(
  config: Config,
  options: { migrate: boolean; poolMax?: number; applicationName?: string },
): Promise<OpenDatabase> {
  const embedded = config.databaseUrl ? undefined : await startEmbeddedPostgres(config.dataDir);
  const url = config.databaseUrl ?? (embedded as EmbeddedPostgres).url;
  const migrationUrl = embedded?.ownerUrl ?? config.migrationDatabaseUrl ?? url;
  const appRole =
    config.databaseAppRole ??
    (migrationUrl === url ? undefined : decodeURIComponent(new URL(url).username) || undefined);
  const handle = connectDatabase({
    url,
    poolMax: options.poolMax ?? config.databasePoolMax,
    statementTimeoutMs: config.statementTimeoutMs,
    connectTimeoutMs: config.databaseConnectTimeoutMs,
    preparedStatements: config.databasePreparedStatements,
    queryTimeoutMs: config.databaseQueryTimeoutMs,
    applicationName: options.applicationName,
  });
  try {
    if (options.migrate)
      await migrateAsOwner(handle.pool, migrationUrl === url ? undefined : migrationUrl, appRole);
  } catch (error) {
    await handle.close();
    await embedded?.stop();
    throw error;
  }
  return {
    ...handle,
    embedded,
    url,
    disconnect: (graceMs) => handle.close(graceMs),
    close: async (graceMs) => {
      await handle.close(graceMs);
      await embedded?.stop();
    },
  };
}
