import { drizzle, type NodePgDatabase, type NodePgQueryResultHKT } from 'drizzle-orm/node-postgres';
import type { PgTransaction } from 'drizzle-orm/pg-core';
import type { ExtractTablesWithRelations } from 'drizzle-orm';
import pg from 'pg';
import * as schema from './schema.ts';

export type Schema = typeof schema;
export type Database = NodePgDatabase<Schema>;
export type Transaction = PgTransaction<NodePgQueryResultHKT, Schema, ExtractTablesWithRelations<Schema>>;
/** What repository functions take first: the pool-backed database or an open transaction. */
export type Executor = Database | Transaction;

export interface DatabaseHandle {
  pool: pg.Pool;
  db: Database;
  close(): Promise<void>;
}

// int8 (bigint) ids and counts fit easily in a double for this application's sizes;
// node-postgres returns them as strings by default.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));

export function connectDatabase(options: {
  url: string;
  poolMax: number;
  statementTimeoutMs: number;
  applicationName?: string;
}): DatabaseHandle {
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.poolMax,
    statement_timeout: options.statementTimeoutMs,
    idle_in_transaction_session_timeout: options.statementTimeoutMs * 2,
    application_name: options.applicationName ?? 'opsdesk',
    connectionTimeoutMillis: 10_000,
    // Typo-tolerant search: a misspelt word ("netwrok") scores about 0.5 against the word it
    // means; pg_trgm's default of 0.6 would miss it.
    options: '-c pg_trgm.word_similarity_threshold=0.45',
  });
  // An idle client that loses its connection must not crash the process; the pool replaces it.
  pool.on('error', () => undefined);
  const db = drizzle({ client: pool, schema, casing: 'snake_case' });
  return {
    pool,
    db,
    close: () => pool.end(),
  };
}
