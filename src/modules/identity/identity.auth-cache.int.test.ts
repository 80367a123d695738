import type { LightMyRequestResponse } from 'fastify';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemContext } from '../../platform/auth/actor.ts';
import { Browser, createTestApp, type TestApp } from '../../../test/helpers/app.ts';
import { spawnOpsdesk } from '../../../test/helpers/cli.ts';

/** Every statement a pool runs, in order (transactions included), for asserting what a request read. */
function recordStatements(pool: pg.Pool): { statements: string[]; reset(): void } {
  const statements: string[] = [];
  const textOf = (query: unknown) =>
    typeof query === 'string' ? query : String((query as { text?: string }).text);
  // pool.query() runs on an acquired client too, so wrapping each client once sees every statement.
  pool.on('acquire', (client: pg.PoolClient & { recorded?: boolean }) => {
    if (client.recorded) return;
    client.recorded = true;
    const clientQuery = client.query.bind(client);
    client.query = ((...args: unknown[]): unknown => {
      statements.push(textOf(args[0]));
      return Reflect.apply(clientQuery, undefined, args);
    }) as typeof client.query;
  });
  return { statements, reset: () => statements.splice(0) };
}

/** The statements that resolve a session or a token to its user. */
const credentialLookups = (statements: string[]) =>
  statements.filter((statement) => /"sessions"\."key" = |"api_tokens"\."token_hash" = /.test(statement));
const ctx = systemContext('auth-cache-test');
/** Lets fire-and-forget writes (the session touch) land before statements are counted. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 50));

describe('authentication cache', () => {
  let a: TestApp;
  let b: TestApp;
  let recorded: ReturnType<typeof recordStatements>;

  beforeAll(async () => {
    a = await createTestApp();
    b = await createTestApp({}, { databaseUrl: a.config.databaseUrl as string });
    recorded = recordStatements(b.database.pool);
  });

  afterAll(async () => {
    await b.close();
    await a.close();
  });

  const cookieOf = (browser: Browser) => [...browser.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  const onB = (url: string, headers: Record<string, string>): Promise<LightMyRequestResponse> =>
    b.app.inject({ method: 'GET', url, headers });
  const newToken = async (browser: Browser) =>
    (await browser.post('/api/v2/tokens', { name: 'cache test' })).json<{ id: number; token: string }>();

  describe('public routes', () => {
    it('do no credential work, whatever credentials come with the request', async () => {
      const browser = await b.login(await b.user());
      const cookie = cookieOf(browser);
      await settle();
      recorded.reset();
      const everyKind: Record<string, string>[] = [
        { cookie },
        { authorization: 'Token not-a-real-token' },
        { authorization: 'not even a scheme' },
      ];
      for (const headers of everyKind) {
        const live = await onB('/health/live', headers);
        expect(live.statusCode).toBe(200);
      }
      expect(recorded.statements).toEqual([]);
    });

    it('still log out the caller (logout resolves the actor)', async () => {
      const person = await b.user();
      const browser = await b.login(person);
      expect((await browser.post('/api/v2/auth/logout')).statusCode).toBe(200);
      const left = await b.database.pool.query('SELECT count(*)::int AS n FROM sessions WHERE user_id = $1', [
        person.user.id,
      ]);
      expect(left.rows[0].n).toBe(0);
    });
  });

  it('serves a known session or token from the cache: no lookup after the first request', async () => {
    // Logged in through the other process: B has seen neither credential yet.
    const browser = await a.login(await a.user());
    const { token } = await newToken(browser);
    const credentials: Record<string, string>[] = [
      { cookie: cookieOf(browser) },
      { authorization: `Token ${token}` },
    ];
    for (const headers of credentials) {
      recorded.reset();
      expect((await onB('/api/v2/me', headers)).statusCode).toBe(200);
      expect(credentialLookups(recorded.statements)).toHaveLength(1);
      await settle();
      recorded.reset();
      expect((await onB('/api/v2/me', headers)).statusCode).toBe(200);
      expect((await onB('/api/v2/tokens', headers)).statusCode).toBe(200);
      expect(credentialLookups(recorded.statements)).toEqual([]);
    }
  });

  describe('a change refuses the next request at once, in the process that made it', () => {
    it('logout', async () => {
      const browser = await b.login(await b.user());
      const cookie = cookieOf(browser);
      expect((await onB('/api/v2/me', { cookie })).statusCode).toBe(200);
      expect((await browser.post('/api/v2/auth/logout')).statusCode).toBe(200);
      expect((await onB('/api/v2/me', { cookie })).statusCode).toBe(401);
    });

    it('token revoke', async () => {
      const browser = await b.login(await b.user());
      const { id, token } = await newToken(browser);
      const headers = { authorization: `Token ${token}` };
      expect((await onB('/api/v2/me', headers)).statusCode).toBe(200);
      expect((await browser.delete(`/api/v2/tokens/${id}`)).statusCode).toBe(204);
      expect((await onB('/api/v2/me', headers)).statusCode).toBe(401);
    });

    it('password set by an administrator: the sessions and the API tokens end', async () => {
      const person = await b.user();
      const browser = await b.login(person);
      const { token } = await newToken(browser);
      const session = { cookie: cookieOf(browser) };
      const byToken = { authorization: `Token ${token}` };
      for (const headers of [session, byToken])
        expect((await onB('/api/v2/me', headers)).statusCode).toBe(200);
      await b.services.identity.updatePerson(
        ctx,
        { userId: person.user.id },
        { password: 'violet-kettle-harbour' },
      );
      for (const headers of [session, byToken])
        expect((await onB('/api/v2/me', headers)).statusCode).toBe(401);
    });

    it('deactivation, for sessions and tokens', async () => {
      const person = await b.user();
      const browser = await b.login(person);
      const { token } = await newToken(browser);
      const credentials: Record<string, string>[] = [
        { cookie: cookieOf(browser) },
        { authorization: `Token ${token}` },
      ];
      for (const headers of credentials) expect((await onB('/api/v2/me', headers)).statusCode).toBe(200);
      await b.services.identity.deactivatePerson(ctx, { userId: person.user.id });
      for (const headers of credentials) expect((await onB('/api/v2/me', headers)).statusCode).toBe(401);
    });

    it('role change', async () => {
      const person = await b.user({ role: 'manager', department: 'Role Dept' });
      const browser = await b.login(person);
      expect((await browser.get('/api/v2/users')).statusCode).toBe(200);
      await b.services.identity.updatePerson(ctx, { userId: person.user.id }, { role: 'agent' });
      const refused = await browser.post('/api/v2/users', { username: 'made_by_an_agent' });
      expect(refused.statusCode).toBe(403);
    });

    it('department change (a manager sees the inactive people of their department only)', async () => {
      const manager = await b.user({ role: 'manager', department: 'Dept A' });
      const hidden = await b.user({ department: 'Dept B', isActive: false });
      const cookie = cookieOf(await b.login(manager));
      expect((await onB(`/api/v2/users/${hidden.user.id}`, { cookie })).statusCode).toBe(404);
      await b.services.identity.updatePerson(ctx, { userId: manager.user.id }, { departmentName: 'Dept B' });
      expect((await onB(`/api/v2/users/${hidden.user.id}`, { cookie })).statusCode).toBe(200);
    });
  });

  it('keeps nothing cached while the listener is down: a change made then is seen after it is back', async () => {
    const browser = await b.login(await b.user());
    const cookie = cookieOf(browser);
    expect((await onB('/api/v2/me', { cookie })).statusCode).toBe(200);
    const epochBefore = b.services.invalidation.epoch;
    await b.database.pool.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
        WHERE datname = current_database() AND application_name LIKE 'opsdesk-listener:%'`,
    );
    // The termination reaches B's listener as a socket event: wait until B has dropped its caches for it.
    await expect.poll(() => b.services.invalidation.epoch, { timeout: 5_000 }).toBeGreaterThan(epochBefore);
    // A change that publishes nothing, as if its notification had been missed.
    await b.database.pool.query('DELETE FROM sessions');
    expect((await onB('/api/v2/me', { cookie })).statusCode).toBe(401);
    await new Promise((resolve) => setTimeout(resolve, 500));
    const again = await b.login(await b.user());
    const fresh = cookieOf(again);
    expect((await onB('/api/v2/me', { cookie: fresh })).statusCode).toBe(200);
    await again.post('/api/v2/auth/logout');
    expect((await onB('/api/v2/me', { cookie: fresh })).statusCode).toBe(401);
  });

  it('a revoke made in one process refuses the very next request in another (20 times)', async () => {
    const person = await a.user();
    for (let round = 0; round < 20; round++) {
      const browser = await a.login(person);
      const byToken = round % 2 === 1;
      const credential: Record<string, string> = byToken
        ? { authorization: `Token ${(await newToken(browser)).token}` }
        : { cookie: cookieOf(browser) };
      expect((await onB('/api/v2/me', credential)).statusCode).toBe(200);
      recorded.reset();
      expect((await onB('/api/v2/me', credential)).statusCode).toBe(200);
      expect(credentialLookups(recorded.statements)).toEqual([]);
      if (byToken) {
        const [token] = (await browser.get('/api/v2/tokens')).json<{ id: number }[]>();
        expect((await browser.delete(`/api/v2/tokens/${token?.id}`)).statusCode).toBe(204);
      } else {
        expect((await browser.post('/api/v2/auth/logout')).statusCode).toBe(200);
      }
      expect((await onB('/api/v2/me', credential)).statusCode, `round ${round}`).toBe(401);
    }
  });

  it('deactivation in one process refuses the next request in a separate server process', async () => {
    const server = spawnOpsdesk(['serve'], {
      DATABASE_URL: a.config.databaseUrl as string,
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      WORKER_IN_PROCESS: 'false',
      WEB_CONCURRENCY: '1',
    });
    try {
      let base: string | undefined;
      // A loaded CI machine can take tens of seconds to start a process.
      for (const started = Date.now(); !base && Date.now() - started < 90_000;) {
        base = /serving at (http:\/\/\S+)/.exec(server.output())?.[1];
        if (!base) await new Promise((resolve) => setTimeout(resolve, 100));
      }
      if (!base) throw new Error(`server did not start: ${server.output()}`);
      for (let round = 0; round < 5; round++) {
        const person = await a.user();
        const { token } = await newToken(await a.login(person));
        const me = () => fetch(`${base}/api/v2/me`, { headers: { authorization: `Token ${token}` } });
        expect((await me()).status).toBe(200);
        expect((await me()).status).toBe(200);
        await a.services.identity.deactivatePerson(ctx, { userId: person.user.id });
        expect((await me()).status, `round ${round}`).toBe(401);
      }
    } finally {
      server.kill('SIGTERM');
      await new Promise((resolve) => server.once('exit', resolve));
    }
  }, 150_000);
});
