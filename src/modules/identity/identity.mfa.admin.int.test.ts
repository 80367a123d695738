import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Browser, createTestApp, PASSWORD, type TestApp } from '../../../test/helpers/app.ts';
import { enrolTotp, TEST_SECRET_KEY, TestClock, totpCode } from '../../../test/helpers/mfa.ts';

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

interface Answer {
  code: string;
  challenge: string;
  factors: string[];
}

describe('two-factor authentication: throttling, per-role requirement, admin reset', () => {
  let t: TestApp;
  let admin: Browser;
  const clock = new TestClock();

  beforeAll(async () => {
    t = await createTestApp({ SECRET_KEY: TEST_SECRET_KEY, MFA_MAX_ATTEMPTS: '5' }, undefined, {
      now: clock.now,
    });
    admin = await t.login(await t.user({ role: 'admin' }));
  });
  afterAll(async () => {
    await t.close();
  });

  async function login(username: string, extra: Record<string, string> = {}, ip = '127.0.0.1') {
    const browser = new Browser(t.app);
    await browser.fetchCsrf();
    const response = await browser.request({
      method: 'POST',
      url: '/api/v2/auth/login',
      payload: { username, password: PASSWORD, ...extra },
      remoteAddress: ip,
    });
    return { browser, response };
  }

  const actions = async (userId: number) =>
    (
      await t.database.db.execute<{ action: string; after: Record<string, unknown> | null }>(
        sql`select action, after from audit_log where resource_type = 'user' and resource_id = ${String(userId)} and action like 'mfa.%' order by id`,
      )
    ).rows;

  const setPolicy = (policy: Record<string, boolean>) => admin.put('/api/v2/mfa-policy', policy);

  it('locks the second factor after 5 wrong codes from any IPs, even for the right code, until the lock ends', async () => {
    const person = await t.user();
    const { secret } = await enrolTotp(await t.login(person), clock);
    const username = person.user.username;
    for (let attempt = 1; attempt <= 4; attempt += 1) {
      const wrong = await login(username, { otp: '000000' }, `10.0.0.${attempt}`);
      expect(wrong.response.statusCode).toBe(401);
    }
    const fifth = await login(username, { otp: '000000' }, '10.0.0.5');
    expect(fifth.response.statusCode).toBe(429);
    expect(fifth.response.json()).toMatchObject({ code: 'IDENTITY_MFA_LOCKED' });
    expect(Number(fifth.response.headers['retry-after'])).toBeGreaterThan(800);

    const right = await login(username, { otp: totpCode(secret, clock.ms) }, '10.0.0.6');
    expect(right.response.statusCode).toBe(429);
    const log = await actions(person.user.id);
    expect(log.filter((entry) => entry.action === 'mfa.failed')).toHaveLength(6);
    expect(log.filter((entry) => entry.action === 'mfa.locked')).toHaveLength(1);

    await t.database.db.execute(
      sql`update mfa_throttles set locked_until = now() - interval '1 second' where user_id = ${person.user.id}`,
    );
    expect((await login(username, { otp: totpCode(secret, clock.ms) })).response.statusCode).toBe(200);
  });

  it('checks at most 5 of many parallel guesses', async () => {
    const person = await t.user();
    await enrolTotp(await t.login(person), clock);
    const statuses = await Promise.all(
      Array.from({ length: 12 }, async (_, index) => {
        const guess = String(100000 + index);
        return (await login(person.user.username, { otp: guess })).response.statusCode;
      }),
    );
    expect(statuses.filter((status) => status === 429).length).toBeGreaterThanOrEqual(7);
    const failed = (await actions(person.user.id)).filter((entry) => entry.action === 'mfa.failed');
    expect(failed.filter((entry) => entry.after?.reason === 'wrong')).toHaveLength(5);
    expect(failed.filter((entry) => entry.after?.reason === 'locked')).toHaveLength(7);
  });

  it('forces a user of a role that requires MFA to enrol: the challenge opens enrolment and nothing else', async () => {
    const agent = await t.user({ role: 'agent' });
    const viewer = await t.user({ role: 'viewer' });
    expect((await setPolicy({ admin: false, manager: false, agent: true, viewer: false })).json()).toEqual({
      admin: false,
      manager: false,
      agent: true,
      viewer: false,
    });

    // v1, as the BMS frontend logs in: a 401 with a challenge, and no session.
    const browser = new Browser(t.app);
    await browser.fetchCsrf();
    const first = await browser.post('/api/auth/login/', {
      username: agent.user.username,
      password: PASSWORD,
    });
    expect(first.statusCode).toBe(401);
    const answer = first.json<Answer & { mfa_enrollment_required: boolean }>();
    expect(answer).toMatchObject({
      code: 'IDENTITY_MFA_ENROLMENT_REQUIRED',
      mfa_enrollment_required: true,
      factors: ['totp'],
    });
    expect(browser.cookies.has('sessionid')).toBe(false);

    // The challenge is no credential anywhere else.
    const asBearer = await t.app.inject({
      method: 'GET',
      url: '/api/v2/me',
      headers: { authorization: `Bearer ${answer.challenge}` },
    });
    expect(asBearer.statusCode).toBe(401);
    expect((await browser.get('/api/v2/me')).statusCode).toBe(401);
    expect(
      (await browser.post('/api/v2/me/mfa/recovery-codes', { current_password: PASSWORD })).statusCode,
    ).toBe(401);
    const early = await browser.post('/api/v2/auth/mfa', { challenge: answer.challenge, otp: '123456' });
    expect(early.statusCode).toBe(401);
    expect(early.json()).toMatchObject({ code: 'IDENTITY_MFA_ENROLMENT_REQUIRED' });

    // It does enrol, without the password again, and then completes the login with no further code.
    const started = await browser.post('/api/v2/me/mfa/totp', { challenge: answer.challenge });
    expect(started.statusCode).toBe(201);
    const { secret } = started.json<{ secret: string }>();
    const confirmed = await browser.post('/api/v2/me/mfa/totp/confirm', {
      challenge: answer.challenge,
      code: totpCode(secret, clock.ms),
    });
    expect(confirmed.statusCode).toBe(200);
    const done = await browser.post('/api/v2/auth/mfa', { challenge: answer.challenge });
    expect(done.statusCode).toBe(200);
    expect((await browser.get('/api/v2/me')).statusCode).toBe(200);
    expect((await browser.post('/api/v2/auth/mfa', { challenge: answer.challenge })).statusCode).toBe(401);

    // Required by the role: it cannot be turned off.
    const disable = await browser.request({
      method: 'DELETE',
      url: '/api/v2/me/mfa/totp',
      payload: { current_password: PASSWORD, code: totpCode(secret, clock.nextStep()) },
    });
    expect(disable.statusCode).toBe(403);

    // The next login asks for a code like any user with MFA.
    const next = await login(agent.user.username);
    expect(next.response.json()).toMatchObject({ code: 'IDENTITY_MFA_REQUIRED' });

    // A viewer's plain v1 login is unchanged.
    const plain = new Browser(t.app);
    await plain.fetchCsrf();
    const viewerLogin = await plain.post('/api/auth/login/', {
      username: viewer.user.username,
      password: PASSWORD,
    });
    expect(viewerLogin.statusCode).toBe(200);
    expect(Object.keys(viewerLogin.json<object>()).sort()).toEqual(USER_V1_KEYS);
    expect((await plain.get('/api/auth/user/')).statusCode).toBe(200);

    await setPolicy({ admin: false, manager: false, agent: false, viewer: false });
  });

  it('lets only admins read and set the policy, and audits the change', async () => {
    const manager = await t.login(await t.user({ role: 'manager' }));
    expect((await manager.get('/api/v2/mfa-policy')).statusCode).toBe(403);
    expect(
      (await manager.put('/api/v2/mfa-policy', { admin: true, manager: true, agent: true, viewer: true }))
        .statusCode,
    ).toBe(403);
    expect((await admin.put('/api/v2/mfa-policy', { admin: true })).statusCode).toBe(400);
    const { rows } = await t.database.db.execute<{ count: number }>(
      sql`select count(*)::int as count from audit_log where action = 'mfa.policy_changed'`,
    );
    expect(rows[0]?.count).toBeGreaterThanOrEqual(1);
  });

  it("lets an admin reset a user's MFA (a lost phone): the user logs in with the password alone", async () => {
    const person = await t.user();
    const own = await t.login(person);
    await enrolTotp(own, clock);
    expect((await login(person.user.username)).response.statusCode).toBe(401);

    const other = await t.login(await t.user({ role: 'manager' }));
    expect((await other.delete(`/api/v2/users/${person.user.id}/mfa`)).statusCode).toBe(403);
    expect((await admin.delete('/api/v2/users/999999/mfa')).statusCode).toBe(404);
    expect((await admin.delete(`/api/v2/users/${person.user.id}/mfa`)).statusCode).toBe(204);

    expect((await login(person.user.username)).response.statusCode).toBe(200);
    expect((await own.get('/api/v2/me/mfa')).json()).toMatchObject({
      totp: 'off',
      recovery_codes_remaining: 0,
    });
    const reset = (await actions(person.user.id)).find((entry) => entry.action === 'mfa.reset');
    expect(reset).toBeDefined();
  });

  it('documents every MFA route in OpenAPI, with tags, a summary and responses', async () => {
    const doc = (await t.app.inject({ method: 'GET', url: '/api/v2/openapi.json' })).json<{
      paths: Record<string, Record<string, { tags?: string[]; summary?: string; responses?: object }>>;
    }>();
    const routes = [
      ['/api/v2/auth/mfa', 'post'],
      ['/api/v2/me/mfa', 'get'],
      ['/api/v2/me/mfa/totp', 'post'],
      ['/api/v2/me/mfa/totp', 'delete'],
      ['/api/v2/me/mfa/totp/confirm', 'post'],
      ['/api/v2/me/mfa/recovery-codes', 'post'],
      ['/api/v2/users/{id}/mfa', 'delete'],
      ['/api/v2/mfa-policy', 'get'],
      ['/api/v2/mfa-policy', 'put'],
    ] as const;
    for (const [path, method] of routes) {
      const operation = doc.paths[path]?.[method];
      expect(operation?.tags, `${method} ${path}`).toEqual(['identity']);
      expect(operation?.summary, `${method} ${path}`).toBeTruthy();
      expect(Object.keys(operation?.responses ?? {}), `${method} ${path}`).not.toEqual([]);
    }
  });
});
