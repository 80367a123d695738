import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Browser, createTestApp, PASSWORD, type TestApp } from '../../../test/helpers/app.ts';
import { auditRows, bearerStatus, JWT_ENV, type Pair } from '../../../test/helpers/jwt.ts';
import { enrolTotp, TestClock, totpCode } from '../../../test/helpers/mfa.ts';

interface SetCookie {
  name: string;
  value: string;
  path?: string;
  httpOnly?: boolean;
  sameSite?: string;
  secure?: boolean;
}

describe('logging in by token: cookies for Next.js, MFA, lockout, DRF obtain_auth_token', () => {
  let t: TestApp;
  const clock = new TestClock();

  beforeAll(async () => {
    t = await createTestApp({ ...JWT_ENV, LOCKOUT_THRESHOLD: '3' }, undefined, { now: clock.now });
  });
  afterAll(async () => {
    await t.close();
  });

  const post = (url: string, payload: object) => t.app.inject({ method: 'POST', url, payload });
  const cookiesOf = (response: LightMyRequestResponse) => response.cookies as SetCookie[];

  describe('cookie mode', () => {
    it('sets HttpOnly SameSite=Lax cookies (refresh token only on the refresh path), and needs CSRF', async () => {
      const person = await t.user();
      const browser = new Browser(t.app);
      const body = { username: person.user.username, password: PASSWORD, cookies: true };
      // Login CSRF: without the token a cross-site form cannot log the browser in.
      expect((await browser.post('/api/v2/auth/token', body)).statusCode).toBe(403);
      await browser.fetchCsrf();
      const response = await browser.post('/api/v2/auth/token', body);
      expect(response.statusCode, response.body).toBe(200);
      expect(response.json()).not.toHaveProperty('refresh_token');
      const cookies = cookiesOf(response);
      expect(cookies.find((cookie) => cookie.name === 'opsdesk_access')).toMatchObject({
        path: '/',
        httpOnly: true,
        sameSite: 'Lax',
      });
      expect(cookies.find((cookie) => cookie.name === 'opsdesk_refresh')).toMatchObject({
        path: '/api/v2/auth/refresh',
        httpOnly: true,
        sameSite: 'Lax',
      });
      expect(cookies.every((cookie) => !cookie.secure)).toBe(true); // plain http here

      expect((await browser.get('/api/v2/me')).json()).toMatchObject({ username: person.user.username });
      // A cookie-authenticated write needs the CSRF header, as with sessions.
      const url = '/api/v2/me/token-logins/2147483647';
      const forged = await browser.delete(url, { 'x-csrftoken': '' });
      expect(forged.statusCode).toBe(403);
      expect(forged.json()).toMatchObject({ code: 'CSRF_FAILED' });
      expect((await browser.delete(url)).statusCode).toBe(404);

      // Refresh by cookie: CSRF again, then new cookies.
      const access = browser.cookies.get('opsdesk_access');
      expect(
        (await browser.post('/api/v2/auth/refresh', undefined, { 'x-csrftoken': 'wrong'.repeat(8) }))
          .statusCode,
      ).toBe(403);
      const refreshed = await browser.post('/api/v2/auth/refresh');
      expect(refreshed.statusCode, refreshed.body).toBe(200);
      expect(browser.cookies.get('opsdesk_access')).not.toBe(access);
      expect((await browser.get('/api/v2/me')).statusCode).toBe(200);

      // Logout: revoke without a token ends this login and clears the cookies.
      const stale = browser.cookies.get('opsdesk_access')!;
      expect((await browser.post('/api/v2/auth/revoke', {})).statusCode).toBe(200);
      expect(browser.cookies.has('opsdesk_access')).toBe(false);
      expect(await bearerStatus(t, stale)).toBe(401);
    });

    it('marks the cookies Secure when the request came over https', async () => {
      const secure = await createTestApp(
        { ...JWT_ENV, TRUST_PROXY: '1' },
        { databaseUrl: t.config.databaseUrl! },
      );
      try {
        const person = await secure.user();
        const browser = new Browser(secure.app);
        await browser.fetchCsrf();
        const response = await browser.post(
          '/api/v2/auth/token',
          { username: person.user.username, password: PASSWORD, cookies: true },
          { 'x-forwarded-proto': 'https' },
        );
        expect(response.statusCode, response.body).toBe(200);
        expect(
          cookiesOf(response)
            .filter((cookie) => cookie.secure)
            .map((cookie) => cookie.name)
            .sort(),
        ).toEqual(['opsdesk_access', 'opsdesk_refresh']);
      } finally {
        await secure.close();
      }
    });
  });

  describe('second factor', () => {
    it('answers the session login’s challenge shape, completes at /auth/token/mfa, and binds the challenge to the flow', async () => {
      const person = await t.user();
      const { secret, recoveryCodes } = await enrolTotp(await t.login(person), clock);
      const credentials = { username: person.user.username, password: PASSWORD };

      const asked = await post('/api/v2/auth/token', credentials);
      expect(asked.statusCode).toBe(401);
      const challenge = asked.json<{
        code: string;
        challenge: string;
        factors: string[];
        mfa_required: boolean;
      }>();
      const session = new Browser(t.app);
      await session.fetchCsrf();
      const sessionAsked = (await session.post('/api/v2/auth/login', credentials)).json<
        Record<string, unknown>
      >();
      expect(Object.keys(challenge).sort()).toEqual(Object.keys(sessionAsked).sort());
      expect(challenge).toMatchObject({
        code: 'IDENTITY_MFA_REQUIRED',
        mfa_required: true,
        factors: ['totp', 'recovery_code'],
      });

      // A session challenge never yields tokens.
      expect(
        (
          await post('/api/v2/auth/token/mfa', {
            challenge: sessionAsked.challenge as string,
            otp: totpCode(secret, clock.nextStep()),
          })
        ).statusCode,
      ).toBe(401);
      expect(
        (await post('/api/v2/auth/token/mfa', { challenge: challenge.challenge, otp: '000000' })).statusCode,
      ).toBe(401);
      const completed = await post('/api/v2/auth/token/mfa', {
        challenge: challenge.challenge,
        otp: totpCode(secret, clock.nextStep()),
      });
      expect(completed.statusCode, completed.body).toBe(200);
      expect(await bearerStatus(t, completed.json<Pair>().access_token)).toBe(200);
      // Used up.
      expect(
        (
          await post('/api/v2/auth/token/mfa', {
            challenge: challenge.challenge,
            otp: totpCode(secret, clock.nextStep()),
          })
        ).statusCode,
      ).toBe(401);

      // In one call, with otp or a recovery code.
      expect(
        (await post('/api/v2/auth/token', { ...credentials, otp: totpCode(secret, clock.nextStep()) }))
          .statusCode,
      ).toBe(200);
      expect(
        (await post('/api/v2/auth/token', { ...credentials, recovery_code: recoveryCodes[0] })).statusCode,
      ).toBe(200);
      expect(
        (await post('/api/v2/auth/token', { ...credentials, recovery_code: recoveryCodes[0] })).statusCode,
      ).toBe(401);
    });
  });

  it('applies the login lockout to /auth/token, shared with the session login', async () => {
    const person = await t.user();
    for (let attempt = 0; attempt < 3; attempt += 1) {
      expect(
        (await post('/api/v2/auth/token', { username: person.user.username, password: 'wrong password!' }))
          .statusCode,
      ).toBe(401);
    }
    const locked = await post('/api/v2/auth/token', { username: person.user.username, password: PASSWORD });
    expect(locked.statusCode).toBe(429);
    expect(Number(locked.headers['retry-after'])).toBeGreaterThan(0);
    expect(
      (await post('/api/auth/token/', { username: person.user.username, password: PASSWORD })).statusCode,
    ).toBe(429);
    const failures = await auditRows(t, 'user.login_failed');
    expect(failures.filter((row) => row.actor_label === person.user.username).length).toBeGreaterThanOrEqual(
      4,
    );
  });

  it('audits each token issue', async () => {
    const person = await t.user();
    const pair = (
      await post('/api/v2/auth/token', { username: person.user.username, password: PASSWORD })
    ).json<Pair>();
    expect(pair.access_token).toBeTruthy();
    const issued = (await auditRows(t, 'auth.token_issued')).filter(
      (row) => row.resource_id === String(person.user.id),
    );
    expect(issued).toHaveLength(1);
    expect(issued[0]?.after).toMatchObject({ method: 'password', family_id: expect.any(Number) });
  });

  describe('DRF obtain_auth_token', () => {
    it('answers the same token on every call; it authenticates as "Token <key>"; a revoked one is replaced', async () => {
      const person = await t.user();
      const credentials = { username: person.user.username, password: PASSWORD };
      const first = await post('/api/auth/token/', credentials);
      expect(first.statusCode, first.body).toBe(200);
      const { token } = first.json<{ token: string }>();
      expect(token).toMatch(/^odk_[A-Za-z0-9_-]{43}$/);
      expect((await post('/api/v1/auth/token/', credentials)).json()).toEqual({ token });
      const me = await t.app.inject({ url: '/api/auth/user/', headers: { authorization: `Token ${token}` } });
      expect(me.statusCode).toBe(200);
      expect(me.json()).toMatchObject({ username: person.user.username });

      // Stored as a digest only, listed with the user's tokens; revoking it makes the next call answer a new one.
      const { rows } = await t.database.pool.query<{ id: number; token_hash: string }>(
        'SELECT id, token_hash FROM api_tokens WHERE user_id = $1',
        [person.user.id],
      );
      expect(rows).toHaveLength(1);
      expect(rows[0]!.token_hash).not.toContain(token);
      const browser = await t.login(person);
      expect((await browser.delete(`/api/v2/tokens/${rows[0]!.id}`)).statusCode).toBe(204);
      const renewed = (await post('/api/auth/token/', credentials)).json<{ token: string }>().token;
      expect(renewed).not.toBe(token);
      expect((await post('/api/auth/token/', credentials)).json()).toEqual({ token: renewed });
      expect(await bearerStatus(t, token, '/api/auth/user/')).toBe(401);
    });

    it('answers DRF-shaped errors', async () => {
      const person = await t.user();
      const wrong = await post('/api/auth/token/', {
        username: person.user.username,
        password: 'not the password',
      });
      expect(wrong.statusCode).toBe(400);
      expect(wrong.json()).toEqual({ non_field_errors: ['Unable to log in with provided credentials.'] });
      const missing = await post('/api/auth/token/', {});
      expect(missing.statusCode).toBe(400);
      expect(missing.json()).toEqual({
        username: ['This field is required.'],
        password: ['This field is required.'],
      });
    });

    it('still asks a user with a second factor for it', async () => {
      const person = await t.user();
      const { secret } = await enrolTotp(await t.login(person), clock);
      const credentials = { username: person.user.username, password: PASSWORD };
      const asked = await post('/api/auth/token/', credentials);
      expect(asked.statusCode).toBe(400);
      expect(asked.json<{ non_field_errors: string[] }>().non_field_errors[0]).toContain('otp');
      const answered = await post('/api/auth/token/', {
        ...credentials,
        otp: totpCode(secret, clock.nextStep()),
      });
      expect(answered.statusCode, answered.body).toBe(200);
    });
  });
});
