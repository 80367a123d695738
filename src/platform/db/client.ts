import { drizzle, type NodePgDatabase, type NodePgQueryResultHKT } from 'drizzle-orm/node-postgres';
import type { PgTransaction } from 'drizzle-orm/pg-core';
import type { ExtractTablesWithRelations } from 'drizzle-orm';
import { createHash } from 'node:crypto';
import pg from 'pg';
import { settledWithin } from '../process/deadline.ts';
import * as schema from './schema.ts';

export type Schema = typeof schema;
export type Database = NodePgDatabase<Schema>;
export type Transaction = PgTransaction<NodePgQueryResultHKT, Schema, ExtractTablesWithRelations<Schema>>;
/** What repository functions take first: the pool-backed database or an open transaction. */
export type Executor = Database | Transaction;

export interface DatabaseHandle {
  pool: pg.Pool;
  db: Database;
  /** Ends the pool; connections that do not say goodbye within `graceMs` are cut. */
  close(graceMs?: number): Promise<void>;
}

export interface ConnectOptions {
  url: string;
  poolMax: number;
  statementTimeoutMs: number;
  /** Longest wait for a connection, from the pool or a new one (handshake included). */
  connectTimeoutMs?: number;
  /** Named prepared statements for parameterised queries (default); false behind a transaction-pooling PgBouncer. */
  preparedStatements?: boolean;
  /** Longest wait for a statement's answer on the client side (the server's timeout cannot fire across a partition). */
  queryTimeoutMs?: number;
  applicationName?: string;
}

// int8 (bigint) ids and counts fit easily in a double for this application's sizes;
// node-postgres returns them as strings by default.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));

/** pg keeps a query whose read timed out as the connection's active one; no public accessor says so. */
const awaitsAnswer = (client: pg.PoolClient) =>
  Boolean((client as unknown as { _getActiveQuery?: () => unknown })._getActiveQuery?.());

/** Most distinct statements one connection keeps prepared; past it, new texts run unnamed. */
const PREPARED_PER_CONNECTION = 200;

/**
 * A connection that prepares its parameterised statements by name, so PostgreSQL parses
 * each text once per connection and, after a few runs, reuses its plan: planning, not
 * execution, is what a ticket page or detail costs (ARCHITECTURE.md, "Performance
 * facts"). The name is a hash of the text, so one name never means two texts, and a
 * query whose shape varies (filters, sort) gets one statement per shape. Statements
 * without parameters (BEGIN, SET LOCAL, scripts of several statements) and cursors
 * stay as they are.
 */
export class PreparingClient extends pg.Client {
  readonly preparedNames = new Set<string>();
  /** Texts whose statement went stale on this connection, and the name each runs under now. */
  readonly renamed = new Map<string, string>();
}

const unnamedQuery = Object.getOwnPropertyDescriptor(pg.Client.prototype, 'query')?.value as (
  this: pg.Client,
  ...args: unknown[]
) => unknown;

/** The statement is gone from the server: a pooler's DISCARD ALL (or DEALLOCATE ALL) dropped every one. */
const STATEMENT_GONE = '26000';
/** A migration changed what the statement's tables return: "cached plan must not change result type". */
const PLAN_CHANGED = '0A000';

type Callback = (error: Error | null, result?: pg.QueryResult) => void;

interface ConnectionState {
  parsedStatements: Record<string, string>;
}

/**
 * Runs a named statement; when the server no longer knows it (a pooler discarded the
 * session's statements) or can no longer run it (a migration changed its result type),
 * it is prepared again and run once more, unless a transaction is open: the failure has
 * aborted that transaction, so it is the caller's to see, and the next use prepares anew.
 */
async function runNamed(
  client: PreparingClient,
  config: pg.QueryConfig,
  values: unknown,
): Promise<pg.QueryResult> {
  const run = (query: pg.QueryConfig) => unnamedQuery.call(client, query, values) as Promise<pg.QueryResult>;
  try {
    return await run(config);
  } catch (error) {
    const { code, message } = error as { code?: unknown; message?: unknown };
    const name = config.name;
    const stale =
      code === STATEMENT_GONE ||
      (code === PLAN_CHANGED && typeof message === 'string' && message.includes('cached plan'));
    if (!stale || !name) throw error;
    const parsed = (client as unknown as { connection: ConnectionState }).connection.parsedStatements;
    let retry = config;
    if (code === STATEMENT_GONE) {
      // The server forgot them all; each is parsed again at its next use.
      for (const known of Object.keys(parsed)) Reflect.deleteProperty(parsed, known);
    } else {
      // The old statement cannot be deallocated inside an aborted transaction: the text moves to a new name.
      Reflect.deleteProperty(parsed, name);
      const fresh = `${name.replace(/_r\d+$/, '')}_r${client.renamed.size + 1}`;
      if (client.renamed.get(config.text) === name || !client.renamed.has(config.text))
        client.renamed.set(config.text, fresh);
      retry = { ...config, name: client.renamed.get(config.text) };
    }
    const status = (client as unknown as { _txStatus?: string | null })._txStatus;
    if (status !== 'I') throw error;
    return run(retry);
  }
}

PreparingClient.prototype.query = function (this: PreparingClient, ...args: unknown[]) {
  const named = namedConfig(this, args[0], args[1]);
  if (!named) return unnamedQuery.apply(this, args);
  const callback = typeof args[args.length - 1] === 'function' ? (args.pop() as Callback) : undefined;
  const result = runNamed(this, named, Array.isArray(args[1]) ? args[1] : undefined);
  if (!callback) return result;
  result.then(
    (answer) => {
      callback(null, answer);
    },
    (error: unknown) => {
      callback(error as Error);
    },
  );
  return undefined;
} as pg.Client['query'];

function namedConfig(client: PreparingClient, config: unknown, values: unknown): pg.QueryConfig | undefined {
  const query: pg.QueryConfig | undefined =
    typeof config === 'string'
      ? { text: config }
      : config && typeof config === 'object' && !('submit' in config)
        ? (config as pg.QueryConfig)
        : undefined;
  if (!query || query.name || typeof query.text !== 'string') return undefined;
  const parameters = Array.isArray(values) ? values : query.values;
  if (!parameters?.length) return undefined;
  const name =
    client.renamed.get(query.text) ??
    `opsdesk_${createHash('sha1').update(query.text).digest('base64url').slice(0, 20)}`;
  const prepared = client.preparedNames;
  if (!prepared.has(name)) {
    if (prepared.size >= PREPARED_PER_CONNECTION) return undefined;
    prepared.add(name);
  }
  return { ...query, name };
}

export function connectDatabase(options: ConnectOptions): DatabaseHandle {
  const pool = new pg.Pool({
    Client: options.preparedStatements === false ? pg.Client : PreparingClient,
    connectionString: options.url,
    max: options.poolMax,
    statement_timeout: options.statementTimeoutMs,
    query_timeout: options.queryTimeoutMs ?? options.statementTimeoutMs + 1000,
    idle_in_transaction_session_timeout: options.statementTimeoutMs * 2,
    application_name: options.applicationName ?? 'opsdesk',
    connectionTimeoutMillis: options.connectTimeoutMs ?? 3000,
    // A peer that vanished without a FIN (a partition, a dead host) is found by the kernel.
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
    // Typo-tolerant search: a misspelt word ("netwrok") scores about 0.5 against the word it
    // means; pg_trgm's default of 0.6 would miss it.
    // No JIT: it compiles any statement whose estimated cost passes jit_above_cost, counting
    // branches that never run (a search statement's gated fallbacks), and compiling took
    // 10-900 ms here, more than any query of this API can win back.
    options: '-c pg_trgm.word_similarity_threshold=0.45 -c jit=off',
  });
  // A connection that fails, idle or checked out, must not crash the process: the pool
  // drops it, and its holder learns at its next query ("not queryable", a 503).
  pool.on('error', () => undefined);
  pool.on('connect', (client) => client.on('error', () => undefined));
  // A transaction's client comes back without an error even when its last query timed out
  // and is still unanswered: end it rather than lend a connection that answers nothing.
  pool.on('release', (error: Error | undefined, client) => {
    if (!error && awaitsAnswer(client)) void client.end().catch(() => undefined);
  });
  const db = drizzle({ client: pool, schema, casing: 'snake_case' });
  return {
    pool,
    db,
    close: (graceMs = 5000) => endPool(pool, graceMs),
  };
}

/** Cuts a connection's socket: for a server that is unreachable and so never answers a goodbye. */
function cutSocket(client: pg.Client | pg.PoolClient): void {
  (client as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream?.destroy();
}

/**
 * `pool.end()` waits for every connection to say goodbye, which never happens when the
 * server is unreachable; after `graceMs` the remaining sockets are cut, and a holder
 * that still does not give its connection back is not waited for.
 */
async function endPool(pool: pg.Pool, graceMs: number): Promise<void> {
  const clients = (pool as unknown as { _clients?: pg.PoolClient[] })._clients ?? [];
  const ended = pool.end().then(
    () => 'ended' as const,
    () => 'ended' as const,
  );
  if ((await settledWithin(ended, graceMs)) === 'ended') return;
  for (const client of clients) cutSocket(client);
  await settledWithin(ended, Math.min(graceMs, 1000));
}

/** Ends one connection of its own (not pooled), cutting it after `graceMs` like `endPool`. */
export async function endClient(client: pg.Client, graceMs: number): Promise<void> {
  const ended = client.end().then(
    () => 'ended' as const,
    () => 'ended' as const,
  );
  if ((await settledWithin(ended, graceMs)) === 'ended') return;
  cutSocket(client);
  await settledWithin(ended, Math.min(graceMs, 1000));
}
