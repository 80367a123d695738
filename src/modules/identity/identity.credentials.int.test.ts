import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Browser, createTestApp, PASSWORD, type TestApp } from '../../../test/helpers/app.ts';

interface SessionBody {
  id: number;
  created_at: string;
  last_seen_at: string;
  expires_at: string;
  ip: string | null;
  user_agent: string | null;
  current: boolean;
}

describe('sessions and tokens: listed and ended by their owner or an administrator', () => {
  let t: TestApp;
  let admin: Browser;

  beforeAll(async () => {
    t = await createTestApp();
    admin = await t.login(await t.user({ role: 'admin' }));
  });
  afterAll(async () => {
    await t.close();
  });

  const byToken = (token: string) =>
    t.app
      .inject({ url: '/api/v2/me', headers: { authorization: `Token ${token}` } })
      .then((r) => r.statusCode);
  const newToken = async (browser: Browser) =>
    (await browser.post('/api/v2/tokens', { name: 'script' })).json<{ id: number; token: string }>();

  /** A login from a browser that names itself, so its session can be told apart in the list. */
  const loginAs = async (person: { user: { username: string } }, userAgent: string) => {
    const browser = new Browser(t.app);
    await browser.fetchCsrf();
    const response = await browser.post(
      '/api/auth/login/',
      { username: person.user.username, password: PASSWORD },
      { 'user-agent': userAgent },
    );
    expect(response.statusCode).toBe(200);
    return browser;
  };

  it('lists your live sessions with when, where and which is this one, never their secret', async () => {
    const person = await t.user();
    const laptop = await loginAs(person, 'Laptop/1.0');
    await loginAs(person, 'Phone/2.0');
    const response = await laptop.get('/api/v2/me/sessions');
    expect(response.statusCode).toBe(200);
    const sessions = response.json<SessionBody[]>();
    expect(sessions).toHaveLength(2);
    expect(sessions.map((session) => [session.user_agent, session.current]).sort()).toEqual([
      ['Laptop/1.0', true],
      ['Phone/2.0', false],
    ]);
    expect(Object.keys(sessions[0]!).sort()).toEqual(
      ['created_at', 'current', 'expires_at', 'id', 'ip', 'last_seen_at', 'user_agent'].sort(),
    );
    expect(sessions[0]?.ip).toBe('127.0.0.1');
    expect(response.body).not.toContain(laptop.cookies.get('sessionid'));
  });

  it('ends one of your sessions at once; another person’s session id is not found', async () => {
    const person = await t.user();
    const laptop = await loginAs(person, 'Laptop/1.0');
    const phone = await loginAs(person, 'Phone/2.0');
    const stranger = await t.login(await t.user());
    const sessions = (await laptop.get('/api/v2/me/sessions')).json<SessionBody[]>();
    const phoneSession = sessions.find((session) => !session.current)!;

    expect((await stranger.delete(`/api/v2/me/sessions/${phoneSession.id}`)).statusCode).toBe(404);
    expect((await phone.get('/api/v2/me')).statusCode).toBe(200);
    expect((await laptop.delete(`/api/v2/me/sessions/${phoneSession.id}`)).statusCode).toBe(204);
    expect((await phone.get('/api/v2/me')).statusCode).toBe(401);
    expect((await laptop.get('/api/v2/me')).statusCode).toBe(200);
    const actions = (await t.services.audit.historyOf('user', person.user.id)).map((entry) => entry.action);
    expect(actions).toContain('session.revoked');
  });

  it('ends all your other sessions and keeps this one', async () => {
    const person = await t.user();
    const keep = await t.login(person);
    const others = [await t.login(person), await t.login(person)];
    const response = await keep.delete('/api/v2/me/sessions');
    expect(response.json()).toEqual({ ended: 2 });
    for (const other of others) expect((await other.get('/api/v2/me')).statusCode).toBe(401);
    expect((await keep.get('/api/v2/me/sessions')).json<SessionBody[]>()).toHaveLength(1);
  });

  it('lets administrators list and end anyone’s sessions and tokens, and nobody else', async () => {
    const person = await t.user();
    const browser = await t.login(person);
    const token = await newToken(browser);
    const manager = await t.login(await t.user({ role: 'manager' }));
    const base = `/api/v2/users/${person.user.id}`;

    for (const url of [`${base}/sessions`, `${base}/tokens`])
      expect((await manager.get(url)).statusCode).toBe(403);
    expect((await admin.get('/api/v2/users/999999/sessions')).statusCode).toBe(404);

    const sessions = (await admin.get(`${base}/sessions`)).json<SessionBody[]>();
    expect(sessions).toHaveLength(1);
    expect(sessions[0]?.current).toBe(false);
    const tokens = (await admin.get(`${base}/tokens`)).json<{ id: number; prefix: string }[]>();
    expect(tokens.map((listed) => listed.id)).toEqual([token.id]);

    const other = await newToken(admin);
    expect((await admin.delete(`${base}/tokens/${other.id}`)).statusCode).toBe(404);
    expect((await admin.delete(`${base}/tokens/${token.id}`)).statusCode).toBe(204);
    expect(await byToken(token.token)).toBe(401);
    expect(await byToken(other.token)).toBe(200);

    expect((await admin.delete(`${base}/sessions/${sessions[0]!.id}`)).statusCode).toBe(204);
    expect((await browser.get('/api/v2/me')).statusCode).toBe(401);

    const again = await t.login(person);
    expect((await admin.delete(`${base}/sessions`)).json()).toEqual({ ended: 1 });
    expect((await again.get('/api/v2/me')).statusCode).toBe(401);
  });

  it('deactivating a user ends every session and token at once, for good', async () => {
    const person = await t.user();
    const browsers = [await t.login(person), await t.login(person)];
    const tokens = [await newToken(browsers[0]!), await newToken(browsers[1]!)];
    const url = `/api/v2/users/${person.user.id}`;
    expect((await admin.delete(url, { 'if-match': '*' })).statusCode).toBe(200);
    for (const browser of browsers) expect((await browser.get('/api/v2/me')).statusCode).toBe(401);
    for (const { token } of tokens) expect(await byToken(token)).toBe(401);

    // Ended, not suspended: reactivating brings none of them back.
    expect((await admin.patch(url, { is_active: true }, { 'if-match': '*' })).statusCode).toBe(200);
    for (const browser of browsers) expect((await browser.get('/api/v2/me')).statusCode).toBe(401);
    for (const { token } of tokens) expect(await byToken(token)).toBe(401);
    expect((await admin.get(`${url}/tokens`)).json()).toEqual([]);
    expect((await admin.get(`${url}/sessions`)).json()).toEqual([]);
  });
});
