import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { migrationsFolder, runMigrations } from './migrate.ts';

interface Journal {
  entries: { idx: number; tag: string }[];
}

describe('runMigrations', () => {
  const serverUrl = inject('serverUrl');
  const name = `opsdesk_m_${randomBytes(6).toString('hex')}`;
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const pools: pg.Pool[] = [];
  let journal: Journal;

  const admin = async <T>(run: (client: pg.Client) => Promise<T>): Promise<T> => {
    const client = new pg.Client({ connectionString: serverUrl });
    await client.connect();
    try {
      return await run(client);
    } finally {
      await client.end();
    }
  };

  const pool = () => {
    const created = new pg.Pool({ connectionString: url.toString(), max: 2 });
    created.on('error', () => undefined);
    pools.push(created);
    return created;
  };

  beforeAll(async () => {
    journal = JSON.parse(
      await fs.readFile(path.join(migrationsFolder, 'meta', '_journal.json'), 'utf8'),
    ) as Journal;
    // An EMPTY database, not a clone of the migrated template.
    await admin((client) => client.query(`CREATE DATABASE ${name}`));
  });

  afterAll(async () => {
    await Promise.all(pools.map((p) => p.end().catch(() => undefined)));
    await admin((client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
  });

  it('starts from a database with no schema at all', async () => {
    const check = pool();
    const { rows } = await check.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema IN ('public', 'drizzle')",
    );
    expect(rows[0]?.n).toBe(0);
  });

  it('applies every migration exactly once when five processes migrate at the same time', async () => {
    expect(journal.entries.length).toBeGreaterThan(0);
    const racers = Array.from({ length: 5 }, () => pool());
    const results = await Promise.allSettled(racers.map((racer) => runMigrations(racer)));
    expect(results.map((result) => result.status)).toEqual(Array(5).fill('fulfilled'));

    const check = pool();
    const applied = await check.query<{ id: number; hash: string; created_at: string }>(
      'SELECT id, hash, created_at FROM drizzle.__drizzle_migrations ORDER BY id',
    );
    expect(applied.rowCount).toBe(journal.entries.length);
    expect(new Set(applied.rows.map((row) => row.hash)).size).toBe(journal.entries.length);

    // The schema the migrations describe is really there (the append-only trigger from the last one too).
    const tables = await check.query<{ table_name: string }>(
      "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'",
    );
    expect(tables.rows.map((row) => row.table_name)).toEqual(
      expect.arrayContaining([
        'users',
        'profiles',
        'sessions',
        'api_tokens',
        'locations',
        'facilities',
        'audit_log',
      ]),
    );
    const trigger = await check.query("SELECT 1 FROM pg_trigger WHERE tgname = 'audit_log_append_only'");
    expect(trigger.rowCount).toBe(1);
    // No migration lock is left behind.
    const locks = await check.query(
      "SELECT 1 FROM pg_locks l JOIN pg_database d ON d.oid = l.database WHERE l.locktype = 'advisory' AND d.datname = $1",
      [name],
    );
    expect(locks.rowCount).toBe(0);
  });

  it('is a no-op when run again', async () => {
    const check = pool();
    const read = () =>
      check.query<{ id: number; hash: string; created_at: string }>(
        'SELECT id, hash, created_at FROM drizzle.__drizzle_migrations ORDER BY id',
      );
    const before = (await read()).rows;
    await check.query("INSERT INTO locations (name) VALUES ('survives a re-run')");

    await expect(runMigrations(pool())).resolves.toBeUndefined();

    expect((await read()).rows).toEqual(before);
    const kept = await check.query("SELECT 1 FROM locations WHERE name = 'survives a re-run'");
    expect(kept.rowCount).toBe(1);
  });
});
