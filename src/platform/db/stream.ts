import type { SQL } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import type pg from 'pg';
import QueryStream from 'pg-query-stream';

/** Longest an export may run, its cursor open. */
const EXPORT_LIMIT_MINUTES = 30;

/** Renders statements as the database client does (client.ts: snake_case columns). */
const dialect = new PgDialect({ casing: 'snake_case' });

/**
 * Streams the rows of a select through a server-side cursor, as arrays in select order,
 * `batchSize` at a time: one query, one consistent snapshot (REPEATABLE READ), and
 * memory bounded by the batch size however many rows match. The cursor is read only as
 * fast as the consumer asks for batches; a consumer that stops early (a client that
 * went away) closes it and gives the connection up.
 */
export async function* streamRows(pool: pg.Pool, query: SQL, batchSize = 1000): AsyncGenerator<unknown[][]> {
  const { sql, params } = dialect.sqlToQuery(query);
  const client = await pool.connect();
  let stream: QueryStream | undefined;
  let completed = false;
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    // A slow reader (a download over a slow link) may leave the cursor idle for a while.
    await client.query("SET LOCAL idle_in_transaction_session_timeout = '10min'");
    // The cursor's fetches count as one statement: the pool's statement_timeout would cut
    // a large export off midway, and so would the client's read timeout (query_timeout),
    // which node-postgres counts from the query's start to its end.
    await client.query(`SET LOCAL statement_timeout = '${EXPORT_LIMIT_MINUTES}min'`);
    // Rows go out in the list's order as they are read. Planned for its whole result (a
    // portal is), the statement would sort every matching row before the first one left
    // (a million rows: a sort on disk); with sorts as the last resort it walks the index
    // that gives the order, so the first row leaves at once, and a sort remains only where
    // no index serves the order. JIT compiling, seconds under load, would come first too.
    await client.query('SET LOCAL enable_sort = off');
    await client.query('SET LOCAL jit = off');
    // The stream buffers one fetch (its high-water mark) while the consumer works on the last.
    const cursor = new QueryStream(sql, params, { batchSize, highWaterMark: batchSize, rowMode: 'array' });
    stream = client.query(Object.assign(cursor, { query_timeout: EXPORT_LIMIT_MINUTES * 60_000 }));
    let batch: unknown[][] = [];
    for await (const values of stream as AsyncIterable<unknown[]>) {
      batch.push(values);
      if (batch.length >= batchSize) {
        yield batch;
        batch = [];
      }
    }
    if (batch.length > 0) yield batch;
    await client.query('COMMIT');
    completed = true;
  } finally {
    if (completed) client.release();
    else {
      // Failed, or the reader stopped early (a client that disconnected): the connection
      // is mid-cursor, so it is discarded rather than returned to the pool.
      stream?.destroy();
      client.release(true);
    }
  }
}
