import type { Config } from '../../config.ts';
import { connectDatabase, type DatabaseHandle } from './client.ts';
import { startEmbeddedPostgres, type EmbeddedPostgres } from './embedded.ts';
import { runMigrations } from './migrate.ts';

export interface OpenDatabase extends DatabaseHandle {
  /** Set when this process runs the embedded PostgreSQL. */
  embedded: EmbeddedPostgres | undefined;
  url: string;
}

/**
 * Connects to DATABASE_URL, or starts (or joins) the embedded PostgreSQL when it is
 * unset, and applies pending migrations when asked. `close()` also stops an embedded
 * server this process started.
 */
export async function openDatabase(
  config: Config,
  options: { migrate: boolean; poolMax?: number; applicationName?: string },
): Promise<OpenDatabase> {
  const embedded = config.databaseUrl ? undefined : await startEmbeddedPostgres(config.dataDir);
  const url = config.databaseUrl ?? (embedded as EmbeddedPostgres).url;
  const handle = connectDatabase({
    url,
    poolMax: options.poolMax ?? config.databasePoolMax,
    statementTimeoutMs: config.statementTimeoutMs,
    connectTimeoutMs: config.databaseConnectTimeoutMs,
    queryTimeoutMs: config.databaseQueryTimeoutMs,
    applicationName: options.applicationName,
  });
  try {
    if (options.migrate) await runMigrations(handle.pool);
  } catch (error) {
    await handle.close();
    await embedded?.stop();
    throw error;
  }
  return {
    ...handle,
    embedded,
    url,
    close: async (graceMs) => {
      await handle.close(graceMs);
      await embedded?.stop();
    },
  };
}
