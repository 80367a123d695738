import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemContext } from '../../platform/auth/actor.ts';
import { apiKeyHelpers, type KeyCreated } from '../../../test/helpers/api-keys.ts';
import { Browser, createTestApp, type TestApp } from '../../../test/helpers/app.ts';

type Helpers = ReturnType<typeof apiKeyHelpers>;

/** Lets fire-and-forget work (the "last used" touch, a refusal's audit) land. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 100));

describe('API keys for service accounts', () => {
  let t: TestApp;
  let admin: Browser;
  let base: string;
  let serviceAccount: Helpers['serviceAccount'];
  let newKey: Helpers['newKey'];
  let withKey: Helpers['withKey'];
  let auditOf: Helpers['auditOf'];

  beforeAll(async () => {
    t = await createTestApp({ API_KEY_RATE_LIMIT_PER_MINUTE: '1000' });
    admin = await t.login(await t.user({ role: 'admin' }));
    base = await t.app.listen({ port: 0, host: '127.0.0.1' });
    ({ serviceAccount, newKey, withKey, auditOf } = apiKeyHelpers(t, admin));
  });

  afterAll(async () => {
    await t.close();
  });

  describe('service accounts', () => {
    it('are principals of their own kind that can never log in', async () => {
      const id = await serviceAccount({ description: 'Nightly sync', role: 'agent' });
      const account = (await admin.get(`/api/v2/service-accounts/${id}`)).json<Record<string, unknown>>();
      expect(account).toMatchObject({
        id,
        name: expect.stringMatching(/^svc-/),
        description: 'Nightly sync',
        role: 'agent',
      });
      const listed = (await admin.get('/api/v2/service-accounts')).json<{ id: number }[]>();
      expect(listed.map((entry) => entry.id)).toContain(id);
      const browser = new Browser(t.app);
      await browser.fetchCsrf();
      const login = await browser.post('/api/v2/auth/login', {
        username: account.name,
        password: 'anything',
      });
      expect(login.statusCode).toBe(401);
      // No password can be given to one, by any route.
      const person = await admin.get(`/api/v2/users/${id}`);
      const withPassword = await admin.patch(
        `/api/v2/users/${id}`,
        { password: 'a-fine-long-password' },
        { 'if-match': String(person.headers.etag) },
      );
      expect(withPassword.statusCode).toBe(400);
      expect((await auditOf('service_account.created', id)).length).toBe(1);
    });

    it('are managed by admins only', async () => {
      const agent = await t.login(await t.user({ role: 'agent' }));
      expect((await agent.get('/api/v2/service-accounts')).statusCode).toBe(403);
      expect((await agent.post('/api/v2/service-accounts', { name: 'not-mine' })).statusCode).toBe(403);
    });

    it('refuse a name a user already has', async () => {
      const person = await t.user();
      const response = await admin.post('/api/v2/service-accounts', { name: person.user.username });
      expect(response.statusCode).toBe(400);
    });
  });

  describe('creating a key', () => {
    it('shows the secret once, stores only its digest, and lists the prefix', async () => {
      const id = await serviceAccount();
      const created = await newKey(id, { scopes: ['tickets:read'] });
      expect(created.key).toMatch(/^osk_[A-Za-z0-9_-]{43}$/);
      expect(created.prefix).toBe(created.key.slice(0, 12));
      const listing = await admin.get(`/api/v2/service-accounts/${id}/keys`);
      expect(listing.json()).toEqual([expect.objectContaining({ id: created.id, prefix: created.prefix })]);
      expect(listing.body).not.toContain(created.key);
      expect(listing.body).not.toContain(created.key.slice(12));
      const stored = await t.database.pool.query('SELECT * FROM api_keys WHERE id = $1', [created.id]);
      expect(JSON.stringify(stored.rows)).not.toContain(created.key.slice(12));
      const audited = await auditOf('api_key.created', created.id);
      expect(audited).toHaveLength(1);
      expect(JSON.stringify(audited)).toContain(created.prefix);
      expect(JSON.stringify(audited)).not.toContain(created.key.slice(12));
    });

    it('keeps the secret out of stored Idempotency-Key answers', async () => {
      const id = await serviceAccount();
      const headers = { 'idempotency-key': `key-${id}` };
      const body = { name: 'retried', scopes: ['tickets:read'] };
      const first = await admin.post(`/api/v2/service-accounts/${id}/keys`, body, headers);
      const second = await admin.post(`/api/v2/service-accounts/${id}/keys`, body, headers);
      expect([first.statusCode, second.statusCode]).toEqual([201, 201]);
      const secret = first.json<KeyCreated>().key;
      const stored = await t.database.pool.query('SELECT response_body FROM idempotency_keys');
      expect(JSON.stringify(stored.rows)).not.toContain(secret.slice(12));
    });

    it('refuses unknown scopes, listing the valid ones (every registered permission)', async () => {
      const id = await serviceAccount();
      const response = await admin.post(`/api/v2/service-accounts/${id}/keys`, {
        name: 'typo',
        scopes: ['tickets:reed'],
      });
      expect(response.statusCode).toBe(400);
      const detail = JSON.stringify(response.json());
      expect(detail).toContain('tickets:reed');
      for (const permission of t.services.policy.permissions()) expect(detail).toContain(permission);
    });

    it("refuses scopes the account's role does not grant", async () => {
      const id = await serviceAccount({ role: 'viewer' });
      const response = await admin.post(`/api/v2/service-accounts/${id}/keys`, {
        name: 'too much',
        scopes: ['tickets:read', 'tickets:work'],
      });
      expect(response.statusCode).toBe(400);
      expect(response.body).toContain('tickets:work');
    });

    it('hands out no more than the creator holds, even a key acting for an admin account', async () => {
      const provisioner = await newKey(await serviceAccount({ role: 'admin' }), {
        scopes: ['service-accounts:manage', 'tickets:read'],
      });
      const target = await serviceAccount({ role: 'agent' });
      const url = `/api/v2/service-accounts/${target}/keys`;
      const wider = await withKey(provisioner.key, 'POST', url, { name: 'x', scopes: ['tickets:create'] });
      expect(wider.statusCode).toBe(403);
      const same = await withKey(provisioner.key, 'POST', url, { name: 'x', scopes: ['tickets:read'] });
      expect(same.statusCode).toBe(201);
    });

    it('gives a key no personal tokens, which would carry the whole role', async () => {
      const key = await newKey(await serviceAccount({ role: 'agent' }), { scopes: ['tokens:manage'] });
      expect((await withKey(key.key, 'POST', '/api/v2/tokens', { name: 'escape' })).statusCode).toBe(403);
    });
  });

  describe('using a key', () => {
    it('authenticates by X-API-Key (or Bearer) over real HTTP, without CSRF, and records its last use', async () => {
      const id = await serviceAccount({ role: 'agent' });
      const { key, id: keyId } = await newKey(id, { scopes: ['tickets:read', 'tickets:create'] });
      const list = await fetch(`${base}/api/v2/tickets`, { headers: { 'x-api-key': key } });
      expect(list.status).toBe(200);
      const bearer = await fetch(`${base}/api/v2/tickets`, { headers: { authorization: `Bearer ${key}` } });
      expect(bearer.status).toBe(200);
      // A write with no cookie and no CSRF token: nothing for a cross-site request to ride on.
      const created = await fetch(`${base}/api/v2/tickets`, {
        method: 'POST',
        headers: {
          'x-api-key': key,
          'content-type': 'application/json',
          origin: 'https://elsewhere.example',
        },
        body: JSON.stringify({ kind: 'incident', title: 'Reported by the monitor' }),
      });
      expect(created.status).toBe(201);
      expect(((await created.json()) as { reporter: { id: number } }).reporter.id).toBe(id);
      await settle();
      const [row] = (
        await t.database.pool.query('SELECT last_used_at, last_used_ip FROM api_keys WHERE id = $1', [keyId])
      ).rows as { last_used_at: Date | null; last_used_ip: string | null }[];
      expect(row?.last_used_at).not.toBeNull();
      expect(row?.last_used_ip).toBe('127.0.0.1');
    });

    it('writes "last used" at most once a minute, not per request', async () => {
      const { key, id } = await newKey(await serviceAccount(), { scopes: ['tickets:read'] });
      expect((await withKey(key, 'GET', '/api/v2/tickets')).statusCode).toBe(200);
      await settle();
      const first = await t.database.pool.query('SELECT last_used_at FROM api_keys WHERE id = $1', [id]);
      for (let i = 0; i < 5; i++) expect((await withKey(key, 'GET', '/api/v2/tickets')).statusCode).toBe(200);
      await settle();
      const later = await t.database.pool.query('SELECT last_used_at FROM api_keys WHERE id = $1', [id]);
      expect(later.rows).toEqual(first.rows);
    });

    it('is held to its scopes at the route: tickets:read lists but cannot create', async () => {
      const { key } = await newKey(await serviceAccount({ role: 'admin' }), { scopes: ['tickets:read'] });
      expect((await withKey(key, 'GET', '/api/v2/tickets')).statusCode).toBe(200);
      const create = await withKey(key, 'POST', '/api/v2/tickets', { kind: 'incident', title: 'Nope' });
      expect(create.statusCode).toBe(403);
      expect((await withKey(key, 'GET', '/api/v2/users')).statusCode).toBe(403);
    });

    it('is held to its scopes in service-level checks too', async () => {
      const department = await t.services.identity.ensureDepartment(systemContext('test'), 'Scoped');
      const id = await serviceAccount({ role: 'admin', department_id: department.id });
      const reporter = await newKey(id, { scopes: ['tickets:read', 'tickets:create'] });
      const worker = await newKey(id, { scopes: ['tickets:read', 'tickets:create', 'tickets:work'] });
      const ticket = (
        await withKey(reporter.key, 'POST', '/api/v2/tickets', { kind: 'incident', title: 'Scoped' })
      ).json<{ id: number }>();
      const comments = `/api/v2/tickets/${ticket.id}/comments`;
      // The route needs only tickets:read; an internal note needs tickets:work, which the admin role holds.
      const note = { body: 'internal', internal: true };
      expect((await withKey(reporter.key, 'POST', comments, note)).statusCode).toBe(403);
      expect((await withKey(reporter.key, 'POST', comments, { body: 'public' })).statusCode).toBe(201);
      expect((await withKey(worker.key, 'POST', comments, note)).statusCode).toBe(201);

      // Editing people: PATCH /users/:id needs users:read; editing someone else needs users:write.
      const person = await t.user({ role: 'viewer' });
      const reader = await newKey(id, { scopes: ['users:read'] });
      const writer = await newKey(id, { scopes: ['users:read', 'users:write'] });
      const url = `/api/v2/users/${person.user.id}`;
      const edit = async (key: string, change: Record<string, unknown>) => {
        const etag = String((await withKey(key, 'GET', url)).headers.etag);
        return withKey(key, 'PATCH', url, change, { 'if-match': etag });
      };
      for (const change of [{ first_name: 'Renamed' }, { role: 'admin' }]) {
        expect((await edit(reader.key, change)).statusCode).toBe(403);
        expect((await edit(writer.key, change)).statusCode).toBe(200);
      }
    });

    it('stops working at its expiry', async () => {
      const expiresAt = new Date(Date.now() + 1500);
      const { key, id } = await newKey(await serviceAccount(), {
        scopes: ['tickets:read'],
        expires_at: expiresAt.toISOString(),
      });
      expect((await withKey(key, 'GET', '/api/v2/tickets')).statusCode).toBe(200);
      await new Promise((resolve) => setTimeout(resolve, expiresAt.getTime() - Date.now() + 50));
      expect((await withKey(key, 'GET', '/api/v2/tickets')).statusCode).toBe(401);
      await settle();
      expect((await auditOf('api_key.refused', id)).map((row) => row.after)).toEqual([
        expect.objectContaining({ reason: 'expired' }),
      ]);
    });

    it('is rate limited per key: 429 with Retry-After, other keys unaffected', async () => {
      const account = await serviceAccount();
      const limited = await newKey(account, { scopes: ['tickets:read'], rate_limit_per_minute: 3 });
      const other = await newKey(account, { scopes: ['tickets:read'] });
      const statuses: number[] = [];
      let retryAfter: string | null = null;
      for (let i = 0; i < 4; i++) {
        const response = await fetch(`${base}/api/v2/tickets`, { headers: { 'x-api-key': limited.key } });
        statuses.push(response.status);
        if (response.status === 429) retryAfter = response.headers.get('retry-after');
      }
      expect(statuses).toEqual([200, 200, 200, 429]);
      expect(Number(retryAfter)).toBeGreaterThan(0);
      expect(Number(retryAfter)).toBeLessThanOrEqual(60);
      expect((await withKey(other.key, 'GET', '/api/v2/tickets')).statusCode).toBe(200);
    });
  });
});

describe.runIf(process.env.REDIS_URL)('the per-key rate limit, shared through Redis', () => {
  let a: TestApp;
  let b: TestApp;
  beforeAll(async () => {
    const env = { REDIS_URL: process.env.REDIS_URL ?? '', API_KEY_RATE_LIMIT_PER_MINUTE: '4' };
    a = await createTestApp(env);
    b = await createTestApp(env, { databaseUrl: a.config.databaseUrl as string });
  });
  afterAll(async () => {
    await b.close();
    await a.close();
  });

  it('counts one key across two API processes, with the configured default', async () => {
    const { serviceAccount, newKey } = apiKeyHelpers(a, await a.login(await a.user({ role: 'admin' })));
    const { key } = await newKey(await serviceAccount(), { scopes: ['tickets:read'] });
    const statuses: number[] = [];
    for (const node of [a, b, a, b, a, b]) {
      const response = await node.app.inject({
        method: 'GET',
        url: '/api/v2/tickets',
        headers: { 'x-api-key': key },
      });
      statuses.push(response.statusCode);
    }
    expect(statuses).toEqual([200, 200, 200, 200, 429, 429]);
  });
});
