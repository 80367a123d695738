import type pg from 'pg';
import QueryStream from 'pg-query-stream';

/**
 * Streams the rows of a select through a server-side cursor, in batches: one query,
 * one consistent snapshot (REPEATABLE READ), and memory bounded by the batch size
 * however many rows match. `keys` names the columns in select order (the select's
 * field names), since rows travel as arrays.
 */
export async function* streamSelect<T>(
  pool: pg.Pool,
  query: { toSQL(): { sql: string; params: unknown[] } },
  keys: readonly string[],
  batchSize = 1000,
): AsyncGenerator<T[]> {
  const { sql, params } = query.toSQL();
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
    stream = client.query(new QueryStream(sql, params, { batchSize, rowMode: 'array' }));
    let batch: T[] = [];
    for await (const values of stream as AsyncIterable<unknown[]>) {
      const row: Record<string, unknown> = {};
      for (let i = 0; i < keys.length; i++) row[keys[i] as string] = values[i];
      batch.push(row as T);
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
