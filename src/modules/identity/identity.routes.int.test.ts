import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemContext } from '../../platform/auth/actor.ts';
import { Browser, createTestApp, PASSWORD, type TestApp } from '../../../test/helpers/app.ts';

interface Cookie {
  name: string;
  value: string;
  httpOnly?: boolean;
  sameSite?: string;
  path?: string;
}

const USER_V1_KEYS = [
  'date_joined',
  'email',
  'first_name',
  'id',
  'is_active',
  'is_staff',
  'last_login',
  'last_name',
  'username',
];
const BAD_CREDENTIALS = 'Unable to log in with provided credentials.';
const NOT_PROVIDED = 'Authentication credentials were not provided.';

const cookieOf = (response: LightMyRequestResponse, name: string): Cookie | undefined =>
  (response.cookies as Cookie[]).find((cookie) => cookie.name === name);

const detailOf = (response: LightMyRequestResponse): unknown => response.json<{ detail?: unknown }>().detail;

describe('identity routes', () => {
  let t: TestApp;
  let admin: Awaited<ReturnType<TestApp['user']>>;
  let adminBrowser: Browser;

  /** A request with exactly these cookies and headers: nothing added on the caller's behalf. */
  const raw = (
    options: InjectOptions & { url: string },
    cookies: Record<string, string> = {},
  ): Promise<LightMyRequestResponse> => {
    const headers: Record<string, string> = { ...(options.headers as Record<string, string> | undefined) };
    const cookie = Object.entries(cookies)
      .map(([key, value]) => `${key}=${value}`)
      .join('; ');
    if (cookie) headers.cookie = cookie;
    return t.app.inject({ ...options, headers });
  };

  /** The browser's cookies, for replaying them in a hand-made request. */
  const jar = (browser: Browser): Record<string, string> => Object.fromEntries(browser.cookies);

  const withToken = (key: string, scheme: 'Token' | 'Bearer' = 'Token') => ({
    authorization: `${scheme} ${key}`,
  });

  beforeAll(async () => {
    t = await createTestApp();
    admin = await t.user({ role: 'admin' });
    adminBrowser = await t.login(admin);
  });
  afterAll(async () => {
    await t.close();
  });

  describe('the BMS session flow', () => {
    it('GET /api/csrf/ answers the token and sets the csrftoken cookie', async () => {
      const response = await raw({ method: 'GET', url: '/api/csrf/' });
      expect(response.statusCode).toBe(200);
      const body = response.json<{ csrfToken: string }>();
      expect(Object.keys(body)).toEqual(['csrfToken']);
      expect(body.csrfToken).toMatch(/^[A-Za-z0-9_-]{32,64}$/);
      const cookie = cookieOf(response, 'csrftoken');
      expect(cookie?.value).toBe(body.csrfToken);
      expect(cookie?.sameSite).toBe('Lax');
      // The frontend's JavaScript reads it: it must not be HttpOnly.
      expect(cookie?.httpOnly).toBeFalsy();
    });

    it('refuses a login without X-CSRFToken with 403 "CSRF Failed: ..."', async () => {
      const person = await t.user();
      const browser = new Browser(t.app);
      const token = await browser.fetchCsrf();
      expect(token).toBeTruthy();
      const response = await raw(
        {
          method: 'POST',
          url: '/api/auth/login/',
          payload: { username: person.user.username, password: PASSWORD },
        },
        jar(browser),
      );
      expect(response.statusCode).toBe(403);
      expect(detailOf(response)).toBe('CSRF Failed: CSRF token missing.');
      expect(cookieOf(response, 'sessionid')).toBeUndefined();

      // Without even the cookie (a cross-site form): refused as well.
      const bare = await raw({
        method: 'POST',
        url: '/api/auth/login/',
        payload: { username: person.user.username, password: PASSWORD },
      });
      expect(bare.statusCode).toBe(403);
      expect(detailOf(bare)).toMatch(/^CSRF Failed: /);
    });

    it('logs in with the token and answers the User object with an HttpOnly, SameSite=Lax sessionid', async () => {
      const person = await t.user({ role: 'agent' });
      const browser = new Browser(t.app);
      const csrfBefore = await browser.fetchCsrf();
      const response = await browser.post('/api/auth/login/', {
        username: person.user.username,
        password: PASSWORD,
      });
      expect(response.statusCode).toBe(200);
      const user = response.json<Record<string, unknown>>();
      expect(Object.keys(user).sort()).toEqual(USER_V1_KEYS);
      expect(user).toMatchObject({
        id: person.user.id,
        username: person.user.username,
        email: person.user.email,
        first_name: 'Test',
        is_staff: false,
        is_active: true,
      });
      expect(typeof user.date_joined).toBe('string');
      expect(Number.isNaN(Date.parse(String(user.date_joined)))).toBe(false);
      expect(typeof user.last_login).toBe('string');

      const session = cookieOf(response, 'sessionid');
      expect(session?.value).toBeTruthy();
      expect(session?.httpOnly).toBe(true);
      expect(session?.sameSite).toBe('Lax');
      expect(session?.path).toBe('/');
      // The CSRF token is not rotated at login (the BMS frontend keeps the one it fetched).
      const rotated = cookieOf(response, 'csrftoken');
      expect(rotated === undefined || rotated.value === csrfBefore).toBe(true);
      expect(browser.cookies.get('csrftoken')).toBe(csrfBefore);

      const me = await browser.get('/api/auth/user/');
      expect(me.statusCode).toBe(200);
      expect(Object.keys(me.json<object>()).sort()).toEqual(USER_V1_KEYS);
      expect(me.json()).toMatchObject({ id: person.user.id, username: person.user.username });
    });

    it('accepts a write after login with the CSRF token fetched before login', async () => {
      const person = await t.user({ role: 'viewer' });
      const browser = new Browser(t.app);
      const before = await browser.fetchCsrf();
      const login = await browser.post('/api/auth/login/', {
        username: person.user.username,
        password: PASSWORD,
      });
      expect(login.statusCode).toBe(200);
      expect(browser.csrfToken).toBe(before);
      const patch = await browser.patch(`/api/profiles/${person.profile.id}/`, { phone: '+49 30 1234567' });
      expect(patch.statusCode).toBe(200);
      expect(patch.json()).toMatchObject({ id: person.profile.id, phone: '+49 30 1234567' });
      // Read back through the API as the admin: the change is stored.
      const stored = await adminBrowser.get(`/api/profiles/${person.profile.id}/`);
      expect(stored.json()).toMatchObject({ phone: '+49 30 1234567' });
    });

    it('issues a new session id at every login', async () => {
      const person = await t.user();
      const browser = new Browser(t.app);
      await browser.fetchCsrf();
      const first = await browser.post('/api/auth/login/', {
        username: person.user.username,
        password: PASSWORD,
      });
      const firstId = cookieOf(first, 'sessionid')?.value;
      // The second login comes from the same browser, carrying the first session cookie.
      expect(browser.cookies.get('sessionid')).toBe(firstId);
      const second = await browser.post('/api/auth/login/', {
        username: person.user.username,
        password: PASSWORD,
      });
      expect(second.statusCode).toBe(200);
      const secondId = cookieOf(second, 'sessionid')?.value;
      expect(firstId).toBeTruthy();
      expect(secondId).toBeTruthy();
      expect(secondId).not.toBe(firstId);
      expect((await browser.get('/api/auth/user/')).statusCode).toBe(200);
    });

    it('logs out server-side: the old session cookie replayed afterwards is refused', async () => {
      const person = await t.user();
      const browser = await t.login(person);
      const stolen = jar(browser);
      expect(stolen.sessionid).toBeTruthy();
      expect((await raw({ method: 'GET', url: '/api/auth/user/' }, stolen)).statusCode).toBe(200);

      const logout = await browser.post('/api/auth/logout/');
      expect(logout.statusCode).toBe(200);
      expect(logout.json()).toEqual({ detail: 'Successfully logged out.' });
      expect(browser.cookies.has('sessionid')).toBe(false);

      const replay = await raw({ method: 'GET', url: '/api/auth/user/' }, stolen);
      expect([401, 403]).toContain(replay.statusCode);
      expect(detailOf(replay)).toBe(NOT_PROVIDED);
      const count = await t.database.pool.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM sessions WHERE user_id = $1',
        [person.user.id],
      );
      expect(count.rows[0]?.n).toBe(0);
      expect((await browser.get('/api/auth/user/')).statusCode).toBe(401);
    });

    it('answers 400 {detail} when a login field is missing', async () => {
      const person = await t.user();
      const browser = new Browser(t.app);
      await browser.fetchCsrf();
      for (const payload of [{ username: person.user.username }, { password: PASSWORD }, {}]) {
        const response = await browser.post('/api/auth/login/', payload);
        expect(response.statusCode).toBe(400);
        expect(typeof detailOf(response)).toBe('string');
        expect(String(detailOf(response))).toMatch(/username.*password/);
        expect(cookieOf(response, 'sessionid')).toBeUndefined();
      }
    });

    it('answers 401 with one message for a wrong password, an inactive user and an unknown user', async () => {
      const person = await t.user();
      const inactive = await t.user({ isActive: false });
      const browser = new Browser(t.app);
      await browser.fetchCsrf();

      const wrong = await browser.post('/api/auth/login/', {
        username: person.user.username,
        password: 'not-the-password',
      });
      expect(wrong.statusCode).toBe(401);
      expect(detailOf(wrong)).toBe(BAD_CREDENTIALS);

      const asInactive = await browser.post('/api/auth/login/', {
        username: inactive.user.username,
        password: PASSWORD,
      });
      expect(asInactive.statusCode).toBe(401);
      expect(detailOf(asInactive)).toBe(BAD_CREDENTIALS);

      const unknown = await browser.post('/api/auth/login/', {
        username: 'nobody-by-this-name',
        password: PASSWORD,
      });
      expect(unknown.statusCode).toBe(401);
      expect(detailOf(unknown)).toBe(detailOf(wrong));

      for (const response of [wrong, asInactive, unknown]) {
        expect(cookieOf(response, 'sessionid')).toBeUndefined();
      }
      expect(browser.cookies.has('sessionid')).toBe(false);
    });

    it('answers 401 "Authentication credentials were not provided." without credentials', async () => {
      const response = await raw({ method: 'GET', url: '/api/profiles/' });
      expect(response.statusCode).toBe(401);
      expect(detailOf(response)).toBe(NOT_PROVIDED);
      const me = await raw({ method: 'GET', url: '/api/auth/user/' });
      expect([401, 403]).toContain(me.statusCode);
      expect(detailOf(me)).toBe(NOT_PROVIDED);
    });
  });

  describe('CSRF on session writes', () => {
    const locationPayload = (name: string) => ({ name, description: 'csrf test' });

    it('refuses POST, PATCH and DELETE without X-CSRFToken: 403 "CSRF Failed: CSRF token missing."', async () => {
      const created = await adminBrowser.post('/api/locations/', locationPayload('CSRF target'));
      expect(created.statusCode).toBe(201);
      const id = created.json<{ id: number }>().id;
      const cookies = jar(adminBrowser);
      const requests: (InjectOptions & { url: string })[] = [
        { method: 'POST', url: '/api/locations/', payload: locationPayload('CSRF never') },
        { method: 'PATCH', url: `/api/locations/${id}/`, payload: { description: 'changed' } },
        { method: 'DELETE', url: `/api/locations/${id}/` },
      ];
      for (const request of requests) {
        const response = await raw(request, cookies);
        expect(response.statusCode, `${String(request.method)} ${request.url}`).toBe(403);
        expect(detailOf(response)).toBe('CSRF Failed: CSRF token missing.');
      }
      // Nothing happened.
      const after = await adminBrowser.get(`/api/locations/${id}/`);
      expect(after.statusCode).toBe(200);
      expect(after.json()).toMatchObject({ description: 'csrf test' });
      const list = await adminBrowser.get('/api/locations/?search=CSRF%20never');
      expect(list.json()).toMatchObject({ count: 0 });
    });

    it('refuses a mismatched token with 403', async () => {
      const response = await raw(
        {
          method: 'POST',
          url: '/api/locations/',
          payload: locationPayload('CSRF mismatch'),
          headers: { 'x-csrftoken': 'A'.repeat(43) },
        },
        jar(adminBrowser),
      );
      expect(response.statusCode).toBe(403);
      expect(detailOf(response)).toBe('CSRF Failed: CSRF token incorrect.');

      // A token that matches a different browser's cookie does not help either.
      const other = new Browser(t.app);
      const otherToken = await other.fetchCsrf();
      expect(otherToken).not.toBe(adminBrowser.csrfToken);
      const crossed = await raw(
        {
          method: 'POST',
          url: '/api/locations/',
          payload: locationPayload('CSRF mismatch'),
          headers: { 'x-csrftoken': otherToken },
        },
        jar(adminBrowser),
      );
      expect(crossed.statusCode).toBe(403);
      expect((await adminBrowser.get('/api/locations/?search=CSRF%20mismatch')).json()).toMatchObject({
        count: 0,
      });
    });

    it('refuses a foreign Origin and accepts an allowlisted one', async () => {
      const evil = await adminBrowser.post('/api/locations/', locationPayload('CSRF evil'), {
        origin: 'http://evil.example',
      });
      expect(evil.statusCode).toBe(403);
      expect(String(detailOf(evil))).toMatch(/^CSRF Failed: /);

      const friendly = await adminBrowser.post('/api/locations/', locationPayload('CSRF friendly'), {
        origin: 'http://localhost:8080',
      });
      expect(friendly.statusCode).toBe(201);
      expect(friendly.headers['access-control-allow-origin']).toBe('http://localhost:8080');
      expect(friendly.headers['access-control-allow-credentials']).toBe('true');
    });
  });

  describe('API tokens', () => {
    it('creates a token whose secret is shown once; the list shows the prefix only', async () => {
      const person = await t.user();
      const browser = await t.login(person);
      const created = await browser.post('/api/v2/tokens', { name: 'script' });
      expect(created.statusCode).toBe(201);
      const body = created.json<{ id: number; token: string; prefix: string; name: string }>();
      expect(body.token).toMatch(/^odk_[A-Za-z0-9_-]{20,}$/);
      expect(body.name).toBe('script');
      expect(body.token.startsWith(body.prefix)).toBe(true);
      expect(body.prefix.length).toBeLessThan(body.token.length);

      const list = await browser.get('/api/v2/tokens');
      expect(list.statusCode).toBe(200);
      const tokens = list.json<Record<string, unknown>[]>();
      expect(tokens).toHaveLength(1);
      expect(tokens[0]).toMatchObject({ id: body.id, name: 'script', prefix: body.prefix });
      expect(tokens[0]).not.toHaveProperty('token');
      expect(list.body).not.toContain(body.token);
      // The database keeps only a digest.
      const stored = await t.database.pool.query('SELECT * FROM api_tokens WHERE id = $1', [body.id]);
      expect(JSON.stringify(stored.rows)).not.toContain(body.token);
    });

    it('authenticates with "Token <key>" and "Bearer <key>", with no CSRF needed', async () => {
      const person = await t.user({ role: 'manager', department: 'Token Dept' });
      const browser = await t.login(person);
      const key = (await browser.post('/api/v2/tokens', { name: 'ci' })).json<{ token: string }>().token;

      for (const scheme of ['Token', 'Bearer'] as const) {
        const me = await raw({ method: 'GET', url: '/api/auth/user/', headers: withToken(key, scheme) });
        expect(me.statusCode, scheme).toBe(200);
        expect(me.json()).toMatchObject({ id: person.user.id, username: person.user.username });
        const v2 = await raw({ method: 'GET', url: '/api/v2/me', headers: withToken(key, scheme) });
        expect(v2.statusCode).toBe(200);
        expect(v2.json()).toMatchObject({ id: person.user.id, role: 'manager' });
      }

      // A write with no cookie and no X-CSRFToken, authenticated by the header.
      const post = await raw({
        method: 'POST',
        url: '/api/locations/',
        payload: { name: 'Token-made location' },
        headers: withToken(key, 'Bearer'),
      });
      expect(post.statusCode).toBe(201);
      expect(post.json()).toMatchObject({ name: 'Token-made location' });
      const tokenScheme = await raw({
        method: 'POST',
        url: '/api/v2/tokens',
        payload: { name: 'second' },
        headers: withToken(key, 'Token'),
      });
      expect(tokenScheme.statusCode).toBe(201);
    });

    it('refuses a revoked token and a garbage token with 401', async () => {
      const person = await t.user();
      const browser = await t.login(person);
      const { id, token } = (await browser.post('/api/v2/tokens', { name: 'short-lived' })).json<{
        id: number;
        token: string;
      }>();
      expect((await raw({ method: 'GET', url: '/api/v2/me', headers: withToken(token) })).statusCode).toBe(
        200,
      );

      const revoke = await browser.delete(`/api/v2/tokens/${id}`);
      expect(revoke.statusCode).toBe(204);
      const revoked = await raw({ method: 'GET', url: '/api/auth/user/', headers: withToken(token) });
      expect(revoked.statusCode).toBe(401);
      expect(detailOf(revoked)).toBe('Invalid token.');
      expect((await browser.get('/api/v2/tokens')).json()).toEqual([]);

      const garbage = await raw({
        method: 'GET',
        url: '/api/auth/user/',
        headers: withToken('odk_this-is-not-a-real-token-at-all'),
      });
      expect(garbage.statusCode).toBe(401);
      const malformed = await raw({
        method: 'GET',
        url: '/api/auth/user/',
        headers: { authorization: 'Basic dXNlcjpwYXNz' },
      });
      expect(malformed.statusCode).toBe(401);
    });

    it("does not let user B revoke user A's token (404) — BOLA", async () => {
      const a = await t.user();
      const b = await t.user();
      const aBrowser = await t.login(a);
      const bBrowser = await t.login(b);
      const { id, token } = (await aBrowser.post('/api/v2/tokens', { name: "A's" })).json<{
        id: number;
        token: string;
      }>();
      const attempt = await bBrowser.delete(`/api/v2/tokens/${id}`);
      expect(attempt.statusCode).toBe(404);
      const missing = await bBrowser.delete('/api/v2/tokens/999999');
      expect(missing.statusCode).toBe(404);
      expect(detailOf(attempt)).toBe(detailOf(missing));
      // B's list never shows A's tokens, and A's token still works.
      expect((await bBrowser.get('/api/v2/tokens')).json()).toEqual([]);
      const me = await raw({ method: 'GET', url: '/api/v2/me', headers: withToken(token) });
      expect(me.statusCode).toBe(200);
      expect(me.json()).toMatchObject({ id: a.user.id });
    });
  });

  describe('RBAC', () => {
    it('refuses a viewer creating a location (403)', async () => {
      const viewer = await t.login(await t.user({ role: 'viewer' }));
      const response = await viewer.post('/api/locations/', { name: 'Viewer location' });
      expect(response.statusCode).toBe(403);
      expect(detailOf(response)).toBe('You do not have permission to perform this action.');
      expect((await adminBrowser.get('/api/locations/?search=Viewer%20location')).json()).toMatchObject({
        count: 0,
      });
    });

    it('refuses an agent creating users or reading the audit log (403)', async () => {
      const agent = await t.login(await t.user({ role: 'agent' }));
      const create = await agent.post('/api/v2/users', {
        username: 'agent_made',
        email: 'agent_made@example.test',
        role: 'viewer',
      });
      expect(create.statusCode).toBe(403);
      expect(create.headers['content-type']).toMatch(/^application\/problem\+json/);
      const audit = await agent.get('/api/v2/audit-log');
      expect(audit.statusCode).toBe(403);
      const taken = await t.database.pool.query('SELECT 1 FROM users WHERE username = $1', ['agent_made']);
      expect(taken.rowCount).toBe(0);
    });

    it('lets a manager create an agent in their own department but not an admin', async () => {
      const manager = await t.user({ role: 'manager', department: 'Broadcast' });
      const browser = await t.login(manager);
      const asAdmin = await browser.post('/api/v2/users', {
        username: 'would_be_admin',
        email: 'would_be_admin@example.test',
        role: 'admin',
      });
      expect(asAdmin.statusCode).toBe(403);
      const asManager = await browser.post('/api/v2/users', {
        username: 'would_be_manager',
        email: 'would_be_manager@example.test',
        role: 'manager',
      });
      expect(asManager.statusCode).toBe(403);
      const none = await t.database.pool.query(
        "SELECT 1 FROM users WHERE username IN ('would_be_admin', 'would_be_manager')",
      );
      expect(none.rowCount).toBe(0);

      const other = await t.services.identity.ensureDepartment(systemContext('test'), 'Elsewhere');
      const agent = await browser.post('/api/v2/users', {
        username: 'new_agent',
        email: 'new_agent@example.test',
        role: 'agent',
        // A manager's hires land in the manager's department, whatever the body says.
        department_id: other.id,
      });
      expect(agent.statusCode).toBe(201);
      const created = agent.json<{
        id: number;
        role: string;
        department: { id: number; name: string } | null;
      }>();
      expect(created.role).toBe('agent');
      expect(created.department).toEqual({ id: manager.user.departmentId, name: 'Broadcast' });
      expect(agent.headers.location).toBe(`/api/v2/users/${created.id}`);
    });

    it('lets a user change their own phone but not their own role (403)', async () => {
      const agent = await t.user({ role: 'agent' });
      const browser = await t.login(agent);
      const phone = await browser.patch(`/api/profiles/${agent.profile.id}/`, { phone: '555-0100' });
      expect(phone.statusCode).toBe(200);
      expect(phone.json()).toMatchObject({ phone: '555-0100' });

      const role = await browser.patch(`/api/profiles/${agent.profile.id}/`, { role: 'admin' });
      expect(role.statusCode).toBe(403);
      const v2 = await browser.patch(
        `/api/v2/users/${agent.user.id}`,
        { role: 'manager' },
        { 'if-match': '*' },
      );
      expect(v2.statusCode).toBe(403);
      const active = await browser.patch(`/api/profiles/${agent.profile.id}/`, { status: 'Inactive' });
      expect(active.statusCode).toBe(403);
      const stored = await t.database.pool.query<{ role: string; is_active: boolean }>(
        'SELECT role, is_active FROM users WHERE id = $1',
        [agent.user.id],
      );
      expect(stored.rows[0]).toEqual({ role: 'agent', is_active: true });
    });

    it('does not let a manager move themselves into another department or make themselves staff', async () => {
      const manager = await t.user({ role: 'manager', department: 'Home Dept' });
      const hidden = await t.user({ role: 'agent', department: 'Foreign Dept', isActive: false });
      const browser = await t.login(manager);
      const move = await browser.patch(
        `/api/v2/users/${manager.user.id}`,
        { department_id: hidden.user.departmentId },
        { 'if-match': '*' },
      );
      expect(move.statusCode).toBe(403);
      const moveV1 = await browser.patch(`/api/profiles/${manager.profile.id}/`, {
        department: 'Foreign Dept',
      });
      expect(moveV1.statusCode).toBe(403);
      const staff = await browser.patch(
        `/api/v2/users/${manager.user.id}`,
        { is_staff: true },
        { 'if-match': '*' },
      );
      expect(staff.statusCode).toBe(403);
      // Contact details stay theirs to change.
      const phone = await browser.patch(`/api/profiles/${manager.profile.id}/`, { phone: '555-0199' });
      expect(phone.statusCode).toBe(200);

      const stored = await t.database.pool.query<{ department_id: number; is_staff: boolean }>(
        'SELECT department_id, is_staff FROM users WHERE id = $1',
        [manager.user.id],
      );
      expect(stored.rows[0]).toEqual({ department_id: manager.user.departmentId, is_staff: false });
      expect((await browser.get(`/api/profiles/${hidden.profile.id}/`)).statusCode).toBe(404);
    });

    it("refuses an agent editing someone else's profile (403)", async () => {
      const agent = await t.login(await t.user({ role: 'agent' }));
      const colleague = await t.user({ role: 'agent' });
      const response = await agent.patch(`/api/profiles/${colleague.profile.id}/`, { phone: '000' });
      expect(response.statusCode).toBe(403);
    });
  });

  describe('object-level visibility', () => {
    let inactiveHere: Awaited<ReturnType<TestApp['user']>>;
    let inactiveThere: Awaited<ReturnType<TestApp['user']>>;
    let viewer: Browser;
    let agent: Browser;
    let manager: Browser;

    beforeAll(async () => {
      inactiveHere = await t.user({ role: 'agent', department: 'Visibility Here', isActive: false });
      inactiveThere = await t.user({ role: 'agent', department: 'Visibility There', isActive: false });
      viewer = await t.login(await t.user({ role: 'viewer' }));
      agent = await t.login(await t.user({ role: 'agent', department: 'Visibility Here' }));
      manager = await t.login(await t.user({ role: 'manager', department: 'Visibility Here' }));
    });

    const listedIds = async (browser: Browser): Promise<number[]> => {
      const response = await browser.get('/api/profiles/?page_size=100');
      expect(response.statusCode).toBe(200);
      const page = response.json<{ count: number; results: { id: number }[] }>();
      expect(page.count).toBe(page.results.length);
      return page.results.map((profile) => profile.id);
    };

    it('hides inactive people from viewers and agents (list and detail 404)', async () => {
      for (const browser of [viewer, agent]) {
        const ids = await listedIds(browser);
        expect(ids).toContain(admin.profile.id);
        expect(ids).not.toContain(inactiveHere.profile.id);
        expect(ids).not.toContain(inactiveThere.profile.id);
        for (const person of [inactiveHere, inactiveThere]) {
          const detail = await browser.get(`/api/profiles/${person.profile.id}/`);
          expect(detail.statusCode).toBe(404);
          expect(detailOf(detail)).toBe('Not found.');
          expect((await browser.get(`/api/v2/users/${person.user.id}`)).statusCode).toBe(404);
        }
      }
    });

    it('shows inactive people to an admin', async () => {
      const ids = await listedIds(adminBrowser);
      expect(ids).toEqual(expect.arrayContaining([inactiveHere.profile.id, inactiveThere.profile.id]));
      const detail = await adminBrowser.get(`/api/profiles/${inactiveThere.profile.id}/`);
      expect(detail.statusCode).toBe(200);
      expect(detail.json()).toMatchObject({ status: 'Inactive', department: 'Visibility There' });
    });

    it('shows a manager the inactive people of their own department only', async () => {
      const ids = await listedIds(manager);
      expect(ids).toContain(inactiveHere.profile.id);
      expect(ids).not.toContain(inactiveThere.profile.id);
      expect((await manager.get(`/api/profiles/${inactiveHere.profile.id}/`)).statusCode).toBe(200);
      expect((await manager.get(`/api/profiles/${inactiveThere.profile.id}/`)).statusCode).toBe(404);
    });

    it('answers 404 on every id-based identity endpoint for an invisible person (BOLA)', async () => {
      const target = inactiveThere;
      const attempts: [Browser, string, () => Promise<LightMyRequestResponse>][] = [];
      for (const [name, browser] of [
        ['agent', agent],
        ['manager', manager],
      ] as const) {
        attempts.push(
          [browser, `${name} GET profile`, () => browser.get(`/api/profiles/${target.profile.id}/`)],
          [
            browser,
            `${name} PATCH profile`,
            () => browser.patch(`/api/profiles/${target.profile.id}/`, { phone: 'pwned' }),
          ],
          [
            browser,
            `${name} PUT profile`,
            () => browser.put(`/api/profiles/${target.profile.id}/`, { phone: 'pwned' }),
          ],
          [browser, `${name} GET user`, () => browser.get(`/api/v2/users/${target.user.id}`)],
          [
            browser,
            `${name} PATCH user`,
            () => browser.patch(`/api/v2/users/${target.user.id}`, { phone: 'pwned' }, { 'if-match': '*' }),
          ],
        );
      }
      // Deleting needs users:write, which only the manager holds; the person is still invisible.
      attempts.push(
        [manager, 'manager DELETE profile', () => manager.delete(`/api/profiles/${target.profile.id}/`)],
        [
          manager,
          'manager DELETE user',
          () => manager.delete(`/api/v2/users/${target.user.id}`, { 'if-match': '*' }),
        ],
      );
      for (const [, label, attempt] of attempts) {
        const response = await attempt();
        expect(response.statusCode, label).toBe(404);
      }
      const stored = await t.database.pool.query<{ phone: string | null }>(
        'SELECT phone FROM profiles WHERE id = $1',
        [target.profile.id],
      );
      expect(stored.rows[0]?.phone).toBeNull();
      const audit = await t.database.pool.query(
        "SELECT 1 FROM audit_log WHERE resource_type = 'user' AND resource_id = $1 AND action <> 'user.created'",
        [String(target.user.id)],
      );
      expect(audit.rowCount).toBe(0);
    });
  });

  describe('v2 users', () => {
    it('walks every user of a department once with limit=2 cursors', async () => {
      const people = [];
      for (let i = 0; i < 5; i++) people.push(await t.user({ role: 'viewer', department: 'Cursor Walk' }));
      const departmentId = people[0]!.user.departmentId;
      const seen: number[] = [];
      let url: string | null = `/api/v2/users?department=${departmentId}&limit=2`;
      let pages = 0;
      while (url) {
        const response = await adminBrowser.get(url);
        expect(response.statusCode).toBe(200);
        const page = response.json<{
          data: { id: number }[];
          next_cursor: string | null;
          has_more: boolean;
        }>();
        pages += 1;
        expect(page.data.length).toBeLessThanOrEqual(2);
        seen.push(...page.data.map((user) => user.id));
        expect(page.has_more).toBe(page.next_cursor !== null);
        if (page.next_cursor) {
          expect(response.headers.link).toContain('rel="next"');
          url = `/api/v2/users?department=${departmentId}&limit=2&cursor=${encodeURIComponent(page.next_cursor)}`;
        } else {
          expect(response.headers.link).toBeUndefined();
          url = null;
        }
        expect(pages).toBeLessThan(10);
      }
      expect(pages).toBe(3);
      expect(seen).toHaveLength(5);
      expect(new Set(seen).size).toBe(5);
      expect([...seen].sort((a, b) => a - b)).toEqual(people.map((p) => p.user.id).sort((a, b) => a - b));
    });

    it('rejects a garbage cursor with 400', async () => {
      const response = await adminBrowser.get('/api/v2/users?limit=2&cursor=not-a-cursor');
      expect(response.statusCode).toBe(400);
    });

    it('answers an ETag on GET and requires a current If-Match on PATCH (428, 412)', async () => {
      const person = await t.user({ role: 'viewer' });
      const get = await adminBrowser.get(`/api/v2/users/${person.user.id}`);
      expect(get.statusCode).toBe(200);
      const etag = get.headers.etag;
      expect(etag).toBe(`"${get.json<{ version: number }>().version}"`);

      const notModified = await adminBrowser.get(`/api/v2/users/${person.user.id}`, {
        'if-none-match': String(etag),
      });
      expect(notModified.statusCode).toBe(304);

      const without = await adminBrowser.patch(`/api/v2/users/${person.user.id}`, { position: 'Engineer' });
      expect(without.statusCode).toBe(428);
      expect(without.json()).toMatchObject({ status: 428, code: 'PRECONDITION_REQUIRED' });

      const ok = await adminBrowser.patch(
        `/api/v2/users/${person.user.id}`,
        { position: 'Engineer' },
        { 'if-match': String(etag) },
      );
      expect(ok.statusCode).toBe(200);
      expect(ok.json()).toMatchObject({ position: 'Engineer' });
      expect(ok.headers.etag).toBeDefined();
      expect(ok.headers.etag).not.toBe(etag);

      const stale = await adminBrowser.patch(
        `/api/v2/users/${person.user.id}`,
        { position: 'Overwritten' },
        { 'if-match': String(etag) },
      );
      expect(stale.statusCode).toBe(412);
      expect(stale.json()).toMatchObject({ status: 412, current: { position: 'Engineer' } });
      const stored = await adminBrowser.get(`/api/v2/users/${person.user.id}`);
      expect(stored.json()).toMatchObject({ position: 'Engineer' });
    });
  });
});
