import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { spawnOpsdesk } from '../helpers/cli.ts';

type Server = ReturnType<typeof spawnOpsdesk> & { url: string };

/** `opsdesk serve` on a free port of the test's database; resolves once it listens. */
async function serve(databaseUrl: string): Promise<Server> {
  const child = spawnOpsdesk(['serve'], {
    DATABASE_URL: databaseUrl,
    PORT: '0',
    WORKER_IN_PROCESS: 'false',
    AUTO_MIGRATE: 'false',
    IDEMPOTENCY_TAKEOVER_SECONDS: '2',
  });
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const match = /serving at (http:\/\/\S+)/.exec(child.output());
    if (match?.[1]) return Object.assign(child, { url: match[1] });
    if (child.exitCode !== null) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  child.kill('SIGKILL');
  throw new Error(`opsdesk serve did not start:\n${child.output()}`);
}

async function until<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('an Idempotency-Key claimed by a process killed mid-request', () => {
  let t: TestApp;
  let sql: pg.Client;
  let server: Server | undefined;
  let token: string;

  beforeAll(async () => {
    t = await createTestApp();
    sql = new pg.Client({ connectionString: t.config.databaseUrl });
    await sql.connect();
    const admin = await t.login(await t.user({ role: 'admin' }));
    token = (await admin.post('/api/v2/tokens', { name: 'crash test' })).json<{ token: string }>().token;
  });
  afterAll(async () => {
    server?.kill('SIGKILL');
    await sql.end();
    await t.close();
  });

  it('is taken over by a retry after the take-over time, and the location is created once', async () => {
    const key = `crash-${randomUUID()}`;
    const name = `Crash ${key}`;
    const post = (base: string) =>
      fetch(`${base}/api/v2/locations`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/json',
          'idempotency-key': key,
        },
        body: JSON.stringify({ name }),
      });

    const first = await serve(t.config.databaseUrl ?? '');
    server = first;
    // Holding the table keeps the first request inside its handler, after it claimed the key.
    const blocker = new pg.Client({ connectionString: t.config.databaseUrl });
    await blocker.connect();
    await blocker.query('BEGIN');
    await blocker.query('LOCK TABLE locations IN ACCESS EXCLUSIVE MODE');
    const inFlight = post(first.url).catch(() => undefined);
    await until('the claim', async () => {
      const { rowCount } = await sql.query('SELECT 1 FROM idempotency_keys WHERE key = $1', [key]);
      return rowCount ? true : undefined;
    });
    await until('the request to wait on the table', async () => {
      const { rowCount } = await sql.query(
        `SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`,
      );
      return rowCount ? true : undefined;
    });
    first.kill('SIGKILL');
    await new Promise((resolve) => first.once('exit', resolve));
    await inFlight;
    await blocker.query('ROLLBACK');
    await blocker.end();

    server = await serve(t.config.databaseUrl ?? '');
    const retry = await post(server.url);
    expect(retry.status).toBe(201);
    const created = (await retry.json()) as { id: number };
    expect(retry.headers.get('idempotent-replayed')).toBeNull();

    const again = await post(server.url);
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(((await again.json()) as { id: number }).id).toBe(created.id);

    const { rows } = await sql.query<{ count: number }>(
      'SELECT count(*)::int AS count FROM locations WHERE name = $1',
      [name],
    );
    expect(rows[0]?.count).toBe(1);
  }, 120_000);
});
