/** What running an import shares between modules: rows in batches, and the all-or-nothing rollback. */

/** Rows in lists of `size`. */
export async function* batches<R>(rows: AsyncIterable<R>, size: number): AsyncGenerator<R[]> {
  let batch: R[] = [];
  for await (const row of rows) {
    batch.push(row);
    if (batch.length >= size) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length > 0) yield batch;
}

/** Thrown inside the all-or-nothing transaction to roll it back once every row was checked. */
export class RolledBack extends Error {}
