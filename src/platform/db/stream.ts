import type { SQL } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import type pg from 'pg';
import QueryStream from 'pg-query-stream';

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
    // a large export off midway.
    await client.query("SET LOCAL statement_timeout = '30min'");
    // The stream buffers one fetch (its high-water mark) while the consumer works on the last.
    stream = client.query(
      new QueryStream(sql, params, { batchSize, highWaterMark: batchSize, rowMode: 'array' }),
    );
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
