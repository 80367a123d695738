import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../../test/helpers/database.ts';
import { connectDatabase, type DatabaseHandle } from './client.ts';

/**
 * Planning, not execution, is what a hot query costs (ARCHITECTURE.md, "Performance
 * facts"): every parameterised statement runs prepared by name, so a connection parses
 * and plans each text once.
 */
describe('prepared statements', () => {
  let database: { url: string; drop(): Promise<void> };
  let handle: DatabaseHandle;

  beforeAll(async () => {
    database = await createTestDatabase();
    // One connection: what is prepared on it is what the next query sees.
    handle = connectDatabase({ url: database.url, poolMax: 1, statementTimeoutMs: 5000 });
  });

  afterAll(async () => {
    await handle.close();
    await database.drop();
  });

  const preparedTexts = async () => {
    const { rows } = await handle.pool.query<{ statement: string }>(
      'select statement from pg_prepared_statements order by prepare_time',
    );
    return rows.map((row) => row.statement);
  };

  it('prepares each parameterised text once per connection and answers as before', async () => {
    const query = (value: number) =>
      handle.db.execute<{ doubled: number }>(sql`select ${value}::int * 2 as doubled`);
    expect((await query(2)).rows).toEqual([{ doubled: 4 }]);
    expect((await query(21)).rows).toEqual([{ doubled: 42 }]);
    const { rows } = await handle.pool.query<{ sum: number }>('select $1::int + $2::int as sum', [1, 2]);
    expect(rows).toEqual([{ sum: 3 }]);

    const texts = await preparedTexts();
    expect(texts.filter((text) => text === 'select $1::int * 2 as doubled')).toHaveLength(1);
    expect(texts).toContain('select $1::int + $2::int as sum');
  });

  it('leaves statements without parameters unnamed', async () => {
    await handle.pool.query('select 40 + 2 as answer');
    expect(await preparedTexts()).not.toContain('select 40 + 2 as answer');
  });

  it('keeps prepared statements across transactions and through failures', async () => {
    await expect(handle.pool.query('select $1::int / 0', [1])).rejects.toThrow(/division by zero/);
    const result = await handle.db.transaction(async (tx) =>
      tx.execute<{ value: string }>(sql`select ${'inside'}::text as value`),
    );
    expect(result.rows).toEqual([{ value: 'inside' }]);
    expect(await preparedTexts()).toContain('select $1::text as value');
  });
});

describe('stale prepared statements', () => {
  let database: { url: string; drop(): Promise<void> };
  let handle: DatabaseHandle;

  beforeAll(async () => {
    database = await createTestDatabase();
    handle = connectDatabase({ url: database.url, poolMax: 1, statementTimeoutMs: 5000 });
    await handle.pool.query('create table gauges (id int primary key, reading int)');
    await handle.pool.query('insert into gauges values (1, 10), (2, 20)');
  });

  afterAll(async () => {
    await handle.close();
    await database.drop();
  });

  const reading = (id: number) => handle.pool.query('select * from gauges where id = $1', [id]);

  it('prepares again what a pooler discarded (DISCARD ALL), and answers', async () => {
    expect((await reading(1)).rows).toEqual([{ id: 1, reading: 10 }]);
    await handle.pool.query('discard all');
    expect((await reading(2)).rows).toEqual([{ id: 2, reading: 20 }]);
    const { rows } = await handle.pool.query<{ count: number }>(
      "select count(*)::int as count from pg_prepared_statements where statement like 'select * from gauges%'",
    );
    expect(rows).toEqual([{ count: 1 }]);
  });

  it('prepares again a statement whose result a migration changed, and answers with the new columns', async () => {
    expect((await reading(1)).rows).toEqual([{ id: 1, reading: 10 }]);
    await handle.pool.query("alter table gauges add column unit text not null default 'bar'");
    expect((await reading(1)).rows).toEqual([{ id: 1, reading: 10, unit: 'bar' }]);
    expect((await reading(2)).rows).toEqual([{ id: 2, reading: 20, unit: 'bar' }]);
  });

  it('inside a transaction, fails that transaction (the error aborted it), and the next use recovers', async () => {
    const inTransaction = (id: number) =>
      handle.db.transaction(async (tx) => tx.execute(sql`select * from gauges where id = ${id}`));
    expect((await inTransaction(1)).rows).toEqual([{ id: 1, reading: 10, unit: 'bar' }]);
    await handle.pool.query('alter table gauges add column serial text');
    await expect(inTransaction(1)).rejects.toMatchObject({ cause: { code: '0A000' } });
    expect((await inTransaction(1)).rows).toEqual([{ id: 1, reading: 10, unit: 'bar', serial: null }]);
  });
});

describe('prepared statements turned off (DATABASE_PREPARED_STATEMENTS=false)', () => {
  it('prepares nothing, so a transaction-pooling PgBouncer can sit in between', async () => {
    const database = await createTestDatabase();
    const handle = connectDatabase({
      url: database.url,
      poolMax: 1,
      statementTimeoutMs: 5000,
      preparedStatements: false,
    });
    try {
      await handle.db.execute(sql`select ${1}::int * 2 as doubled`);
      const { rows } = await handle.pool.query<{ count: number }>(
        'select count(*)::int as count from pg_prepared_statements',
      );
      expect(rows).toEqual([{ count: 0 }]);
    } finally {
      await handle.close();
      await database.drop();
    }
  });
});
