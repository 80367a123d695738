import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiKeyHelpers } from '../../../test/helpers/api-keys.ts';
import { createTestApp, type Browser, type TestApp } from '../../../test/helpers/app.ts';
import { spawnOpsdesk } from '../../../test/helpers/cli.ts';

type Helpers = ReturnType<typeof apiKeyHelpers>;

/** Lets fire-and-forget work (a refusal's audit) land. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 100));

/** How many statements a pool runs that look up an API key by its digest. */
function countKeyLookups(pool: pg.Pool): { count: () => number; reset(): void } {
  let lookups = 0;
  pool.on('acquire', (client: pg.PoolClient & { counted?: boolean }) => {
    if (client.counted) return;
    client.counted = true;
    const clientQuery = client.query.bind(client);
    client.query = ((...args: unknown[]): unknown => {
      const query = args[0];
      const text = typeof query === 'string' ? query : String((query as { text?: string }).text);
      if (text.includes('"api_keys"."key_hash" = ')) lookups += 1;
      return Reflect.apply(clientQuery, undefined, args);
    }) as typeof client.query;
  });
  return { count: () => lookups, reset: () => (lookups = 0) };
}

/** Revoking, leaks and refusals, with two API processes on one database (and a third as a real server). */
describe('API keys: revoking, leaks and refused credentials', () => {
  let t: TestApp;
  let b: TestApp;
  let admin: Browser;
  let base: string;
  let lookupsOnB: ReturnType<typeof countKeyLookups>;
  let serviceAccount: Helpers['serviceAccount'];
  let newKey: Helpers['newKey'];
  let withKey: Helpers['withKey'];
  let revoke: Helpers['revoke'];
  let auditOf: Helpers['auditOf'];

  beforeAll(async () => {
    t = await createTestApp();
    b = await createTestApp({}, { databaseUrl: t.config.databaseUrl as string });
    lookupsOnB = countKeyLookups(b.database.pool);
    admin = await t.login(await t.user({ role: 'admin' }));
    base = await t.app.listen({ port: 0, host: '127.0.0.1' });
    ({ serviceAccount, newKey, withKey, revoke, auditOf } = apiKeyHelpers(t, admin));
  });

  afterAll(async () => {
    await b.close();
    await t.close();
  });

  const onB = (key: string, url = '/api/v2/tickets') =>
    b.app.inject({ method: 'GET', url, headers: { 'x-api-key': key } });

  describe('revoking', () => {
    it('refuses the key on the very next request, and audits the revoke', async () => {
      const account = await serviceAccount();
      const { key, id } = await newKey(account, { scopes: ['tickets:read'] });
      for (let i = 0; i < 2; i++) expect((await withKey(key, 'GET', '/api/v2/tickets')).statusCode).toBe(200);
      expect((await revoke(account, id)).statusCode).toBe(204);
      expect((await withKey(key, 'GET', '/api/v2/tickets')).statusCode).toBe(401);
      expect(await auditOf('api_key.revoked', id)).toHaveLength(1);
      expect((await revoke(account, id)).statusCode).toBe(404);
    });

    it('a revoke in one process refuses the very next request in another, where the key was cached (20 times)', async () => {
      const account = await serviceAccount();
      for (let round = 0; round < 20; round++) {
        const { key, id } = await newKey(account, { scopes: ['tickets:read'] });
        expect((await onB(key)).statusCode).toBe(200);
        lookupsOnB.reset();
        expect((await onB(key)).statusCode).toBe(200);
        expect(lookupsOnB.count(), 'served from the cache').toBe(0);
        expect((await revoke(account, id)).statusCode).toBe(204);
        expect((await onB(key)).statusCode, `round ${round}`).toBe(401);
      }
    });

    it('a revoke refuses the next request in a separate server process', async () => {
      const server = spawnOpsdesk(['serve'], {
        DATABASE_URL: t.config.databaseUrl as string,
        PORT: '0',
        HOST: '127.0.0.1',
        LOG_LEVEL: 'warn',
        WORKER_IN_PROCESS: 'false',
      });
      try {
        let other: string | undefined;
        for (let waited = 0; !other && waited < 90_000; waited += 100) {
          other = /serving at (http:\/\/\S+)/.exec(server.output())?.[1];
          if (!other) await new Promise((resolve) => setTimeout(resolve, 100));
        }
        if (!other) throw new Error(`server did not start: ${server.output()}`);
        const account = await serviceAccount();
        for (let round = 0; round < 5; round++) {
          const { key, id } = await newKey(account, { scopes: ['tickets:read'] });
          const list = () => fetch(`${other}/api/v2/tickets`, { headers: { 'x-api-key': key } });
          expect((await list()).status).toBe(200);
          expect((await list()).status).toBe(200);
          expect((await revoke(account, id)).statusCode).toBe(204);
          expect((await list()).status, `round ${round}`).toBe(401);
        }
      } finally {
        server.kill('SIGTERM');
        await new Promise((resolve) => server.once('exit', resolve));
      }
    }, 120_000);

    it('rotates: a new key works while the old one does, then the old one is revoked', async () => {
      const account = await serviceAccount();
      const old = await newKey(account, { scopes: ['tickets:read'] });
      const next = await newKey(account, { scopes: old.scopes });
      for (const key of [old.key, next.key])
        expect((await withKey(key, 'GET', '/api/v2/tickets')).statusCode).toBe(200);
      await revoke(account, old.id);
      expect((await withKey(old.key, 'GET', '/api/v2/tickets')).statusCode).toBe(401);
      expect((await withKey(next.key, 'GET', '/api/v2/tickets')).statusCode).toBe(200);
    });

    it('deactivating the account revokes every key at once', async () => {
      const account = await serviceAccount();
      const keys = [
        await newKey(account, { scopes: ['tickets:read'] }),
        await newKey(account, { scopes: ['tickets:read'] }),
      ];
      for (const { key } of keys) expect((await withKey(key, 'GET', '/api/v2/tickets')).statusCode).toBe(200);
      const response = await admin.post(`/api/v2/service-accounts/${account}/deactivate`);
      expect(response.json()).toMatchObject({ is_active: false });
      for (const { key } of keys) expect((await withKey(key, 'GET', '/api/v2/tickets')).statusCode).toBe(401);
      expect(await auditOf('service_account.deactivated', account)).toHaveLength(1);
      for (const { id } of keys) expect(await auditOf('api_key.revoked', id)).toHaveLength(1);
      const more = await admin.post(`/api/v2/service-accounts/${account}/keys`, {
        name: 'x',
        scopes: ['tickets:read'],
      });
      expect(more.statusCode).toBe(409);
    });
  });

  describe('use of a revoked credential', () => {
    it('is a plain 401, audited once with the prefix (never the secret) under a flood', async () => {
      const account = await serviceAccount();
      const { key, id, prefix } = await newKey(account, { scopes: ['tickets:read'] });
      await revoke(account, id);
      const responses = await Promise.all(Array.from({ length: 40 }, () => onB(key)));
      expect(new Set(responses.map((response) => response.statusCode))).toEqual(new Set([401]));
      expect(responses[0]?.json()).toMatchObject({ code: 'INVALID_API_KEY' });
      await settle();
      // Known dead now: refused without a database read.
      lookupsOnB.reset();
      for (let i = 0; i < 10; i++) expect((await onB(key)).statusCode).toBe(401);
      expect(lookupsOnB.count()).toBe(0);
      const audited = await auditOf('api_key.refused', id);
      expect(audited).toEqual([
        { actor_label: prefix, before: null, after: expect.objectContaining({ prefix, reason: 'revoked' }) },
      ]);
      expect(JSON.stringify(audited)).not.toContain(key.slice(12));
    });

    it('is audited for personal tokens too', async () => {
      const owner = await t.login(await t.user());
      const token = (await owner.post('/api/v2/tokens', { name: 'laptop' })).json<{
        id: number;
        token: string;
      }>();
      await owner.delete(`/api/v2/tokens/${token.id}`);
      for (let i = 0; i < 10; i++) {
        const response = await t.app.inject({
          method: 'GET',
          url: '/api/v2/me',
          headers: { authorization: `Token ${token.token}` },
        });
        expect(response.statusCode).toBe(401);
      }
      await settle();
      const audited = await auditOf('token.refused', token.id);
      expect(audited).toHaveLength(1);
      expect(JSON.stringify(audited)).not.toContain(token.token.slice(12));
    });

    it('is not audited for a key that never existed', async () => {
      const before = await t.database.pool.query(
        `SELECT count(*)::int AS n FROM audit_log WHERE action = 'api_key.refused'`,
      );
      const made = `osk_${'x'.repeat(43)}`;
      expect((await withKey(made, 'GET', '/api/v2/tickets')).statusCode).toBe(401);
      await settle();
      const after = await t.database.pool.query(
        `SELECT count(*)::int AS n FROM audit_log WHERE action = 'api_key.refused'`,
      );
      expect(after.rows).toEqual(before.rows);
    });
  });

  describe('in the query string', () => {
    it('is refused with 400, and the key is revoked since URLs are logged', async () => {
      const { key, id } = await newKey(await serviceAccount(), { scopes: ['tickets:read'] });
      for (const name of ['api_key', 'apikey', 'api-key', 'access_token', 'token', 'anything']) {
        const response = await fetch(`${base}/api/v2/tickets?${name}=${key}`);
        expect(response.status, name).toBe(400);
        const body = await response.text();
        expect(body).toContain('X-API-Key');
        expect(body).not.toContain(key);
      }
      expect((await withKey(key, 'GET', '/api/v2/tickets')).statusCode).toBe(401);
      const leaked = await auditOf('api_key.leaked', id);
      expect(leaked).toHaveLength(1);
      expect(JSON.stringify(leaked)).not.toContain(key.slice(12));
    });

    it('is refused even with a valid header, and for personal tokens and JWTs', async () => {
      const { key } = await newKey(await serviceAccount(), { scopes: ['tickets:read'] });
      const jwt = 'eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl';
      for (const query of ['api_key=whatever', `access_token=${jwt}`, 'apikey=']) {
        const response = await withKey(key, 'GET', `/api/v2/tickets?${query}`);
        expect(response.statusCode, query).toBe(400);
        expect(response.json()).toMatchObject({ code: 'CREDENTIALS_IN_QUERY' });
      }
      const owner = await t.login(await t.user());
      const token = (await owner.post('/api/v2/tokens', { name: 'cli' })).json<{
        id: number;
        token: string;
      }>();
      expect((await t.app.inject({ method: 'GET', url: `/api/v2/me?token=${token.token}` })).statusCode).toBe(
        400,
      );
      const byHeader = await t.app.inject({
        method: 'GET',
        url: '/api/v2/me',
        headers: { authorization: `Token ${token.token}` },
      });
      expect(byHeader.statusCode).toBe(401);
      expect(await auditOf('token.leaked', token.id)).toHaveLength(1);
    });

    it('leaves ordinary parameters alone', async () => {
      expect(
        (await t.app.inject({ method: 'GET', url: '/health/live?token=abc&key=status' })).statusCode,
      ).toBe(200);
    });
  });
});
