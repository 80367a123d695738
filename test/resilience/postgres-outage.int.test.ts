import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../helpers/database.ts';
import {
  login,
  startServer,
  startTcpProxy,
  targetOf,
  throughProxy,
  waitUntil,
  type ServerProcess,
  type TcpProxy,
} from './helpers.ts';

/**
 * A real `opsdesk serve` reaches its PostgreSQL through a TCP proxy that the test can
 * blackhole. Without its database the server answers 503 with Retry-After at once,
 * stays live, reports not ready, recovers by itself, and still shuts down cleanly.
 */
describe('PostgreSQL unreachable', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let proxy: TcpProxy;
  let server: ServerProcess | undefined;
  let headers: Record<string, string>;

  // A hang would run into this bound long before the test's own timeout.
  const patience = () => AbortSignal.timeout(10_000);
  const get = (path: string) => fetch(`${server?.url}${path}`, { headers, signal: patience() });

  beforeAll(async () => {
    database = await createTestDatabase();
    proxy = await startTcpProxy(targetOf(database.url, 5432));
    server = await startServer({
      DATABASE_URL: throughProxy(database.url, proxy),
      SEED_DEMO: 'true',
      LOG_LEVEL: 'info',
      RATE_LIMIT_PER_MINUTE: '0',
      DATABASE_CONNECT_TIMEOUT_MS: '1000',
      DATABASE_QUERY_TIMEOUT_MS: '2000',
      DATABASE_STATEMENT_TIMEOUT_MS: '1500',
    });
    headers = await login(server.url, 'admin', 'opsdesk-demo-lantern');
  });

  afterAll(async () => {
    proxy.restore();
    if (server) process.stderr.write(server.output().slice(-6000));
    await server?.stop('SIGKILL');
    await proxy.close();
    await database.drop();
  });

  it('answers 503 with Retry-After while blackholed, stays live, and recovers without a restart', async () => {
    expect((await get('/api/service-tickets/')).status).toBe(200);

    proxy.blackhole();
    const v1 = await get('/api/service-tickets/');
    expect(v1.status).toBe(503);
    expect(Number(v1.headers.get('retry-after'))).toBeGreaterThan(0);
    const v1Body = (await v1.json()) as { detail: string; code: string };
    expect(v1Body.code).toBe('DATABASE_UNAVAILABLE');
    expect(v1Body.detail).toMatch(/database/i);

    const v2 = await get('/api/v2/tickets');
    expect(v2.status).toBe(503);
    expect(v2.headers.get('content-type')).toContain('application/problem+json');
    expect(Number(v2.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(((await v2.json()) as { code: string }).code).toBe('DATABASE_UNAVAILABLE');

    // A second round finds the pool's connections in whatever state the first left them.
    expect((await get('/api/service-tickets/')).status).toBe(503);
    expect((await get('/health/live')).status).toBe(200);
    expect((await get('/health/ready')).status).toBe(503);

    proxy.restore();
    await waitUntil(
      'the list answers again',
      async () => (await get('/api/service-tickets/')).status === 200,
    );
    expect((await get('/health/ready')).status).toBe(200);
  });

  it('recovers when PostgreSQL terminates its connections, and logs the error without the client', async () => {
    const admin = new pg.Client({ connectionString: database.url });
    await admin.connect();
    try {
      const { rows } = await admin.query<{ terminated: boolean }>(
        `SELECT pg_terminate_backend(pid) AS terminated FROM pg_stat_activity
          WHERE datname = current_database() AND pid <> pg_backend_pid()`,
      );
      expect(rows.length).toBeGreaterThan(0);
    } finally {
      await admin.end();
    }
    const statuses: number[] = [];
    await waitUntil('the list answers again', async () => {
      const { status } = await get('/api/service-tickets/');
      statuses.push(status);
      return status === 200;
    });
    expect(statuses.filter((status) => status !== 200 && status !== 503)).toEqual([]);

    // The LISTEN connections (events, cache invalidation) log why they were lost; that
    // may come after a request on a fresh pooled connection has already answered.
    await waitUntil('the termination is logged', async () => /terminat/i.test(server?.output() ?? ''));
    for (const line of (server?.output() ?? '').split('\n')) {
      expect(line).not.toMatch(/connectionParameters|_queryable|"_types"/);
    }
  });

  it('ends cleanly on SIGTERM while the database is gone', async () => {
    proxy.blackhole();
    // Requests and the job worker hold connections that will never answer.
    const pending = [get('/api/service-tickets/'), get('/api/v2/tickets')].map((request) =>
      request.then((response) => response.status).catch(() => 0),
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    const exit = await (server as ServerProcess).stop('SIGTERM', 40_000);
    server = undefined;
    const crash = /uncaught/i.exec(exit.output);
    if (exit.code !== 0 || crash)
      process.stderr.write(
        crash
          ? exit.output.slice(Math.max(0, crash.index - 4000), crash.index + 4000)
          : exit.output.slice(-8000),
      );
    expect(exit.signal).toBeNull();
    expect(exit.code).toBe(0);
    expect(exit.output).not.toMatch(/uncaught/i);
    for (const status of await Promise.all(pending)) expect([503, 0]).toContain(status);
  });
});
