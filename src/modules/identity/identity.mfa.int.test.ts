import type { AddressInfo } from 'node:net';
import { sql } from 'drizzle-orm';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSealer } from '../../platform/auth/sealed.ts';
import { Browser, createTestApp, PASSWORD, type TestApp } from '../../../test/helpers/app.ts';
import { enrolTotp, TEST_SECRET_KEY, TestClock, totpCode } from '../../../test/helpers/mfa.ts';

interface MfaAnswer {
  code: string;
  challenge?: string;
  challenge_expires_in?: number;
  factors?: string[];
  mfa_required?: boolean;
}

describe('two-factor authentication: TOTP and recovery codes', () => {
  let t: TestApp;
  const clock = new TestClock();

  beforeAll(async () => {
    t = await createTestApp({ SECRET_KEY: TEST_SECRET_KEY }, undefined, { now: clock.now });
  });
  afterAll(async () => {
    await t.close();
  });

  /** A new signed-in user with TOTP on. */
  async function enrolled() {
    const person = await t.user();
    const browser = await t.login(person);
    return { person, browser, ...(await enrolTotp(browser, clock)) };
  }

  async function loginV2(username: string, extra: Record<string, string> = {}) {
    const browser = new Browser(t.app);
    await browser.fetchCsrf();
    const response = await browser.post('/api/v2/auth/login', { username, password: PASSWORD, ...extra });
    return { browser, response };
  }

  const auditOf = async (userId: number, action: string) =>
    (
      await t.database.db.execute<{ after: Record<string, unknown> | null }>(
        sql`select after from audit_log where resource_type = 'user' and resource_id = ${String(userId)} and action = ${action} order by id`,
      )
    ).rows;

  const codeOf = (response: LightMyRequestResponse): string => response.json<{ code: string }>().code;

  it('enrols with the current password, shows a QR-ready otpauth:// URI, and turns on only with a right code', async () => {
    const person = await t.user();
    const browser = await t.login(person);

    const missing = await browser.post('/api/v2/me/mfa/totp', {});
    expect(missing.statusCode).toBe(400);
    const wrong = await browser.post('/api/v2/me/mfa/totp', { current_password: 'not-the-password' });
    expect(wrong.statusCode).toBe(400);
    expect(JSON.stringify(wrong.json())).toContain('current_password');

    const started = await browser.post('/api/v2/me/mfa/totp', { current_password: PASSWORD });
    expect(started.statusCode).toBe(201);
    const { secret, uri } = started.json<{ secret: string; uri: string }>();
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    const parsed = new URL(uri);
    expect(parsed.protocol).toBe('otpauth:');
    expect(parsed.host).toBe('totp');
    expect(decodeURIComponent(parsed.pathname)).toBe(`/Opsdesk:${person.user.username}`);
    expect(Object.fromEntries(parsed.searchParams)).toEqual({
      issuer: 'Opsdesk',
      secret,
      algorithm: 'SHA1',
      digits: '6',
      period: '30',
    });
    expect((await browser.get('/api/v2/me/mfa')).json()).toMatchObject({ totp: 'pending', required: false });

    // Pending: a login still needs no code.
    expect((await loginV2(person.user.username)).response.statusCode).toBe(200);

    const bad = await browser.post('/api/v2/me/mfa/totp/confirm', {
      code: totpCode(secret, clock.ms + 90_000),
    });
    expect(bad.statusCode).toBe(400);
    const confirmed = await browser.post('/api/v2/me/mfa/totp/confirm', { code: totpCode(secret, clock.ms) });
    expect(confirmed.statusCode).toBe(200);
    const codes = confirmed.json<{ recovery_codes: string[] }>().recovery_codes;
    expect(codes).toHaveLength(10);
    expect(new Set(codes).size).toBe(10);
    for (const code of codes) expect(code).toMatch(/^[0-9a-hjkmnp-tv-z]{4}(-[0-9a-hjkmnp-tv-z]{4}){3}$/);
    expect((await browser.get('/api/v2/me/mfa')).json()).toMatchObject({
      totp: 'on',
      recovery_codes_remaining: 10,
    });
    expect(await auditOf(person.user.id, 'mfa.enrolled')).toEqual([{ after: { kind: 'totp' } }]);

    const again = await browser.post('/api/v2/me/mfa/totp', { current_password: PASSWORD });
    expect(again.statusCode).toBe(409);
  });

  it('keeps the seed sealed at rest: the column holds no plaintext, and opens only under SECRET_KEY', async () => {
    const { person, secret } = await enrolled();
    const { rows } = await t.database.db.execute<{ sealed_secret: string }>(
      sql`select sealed_secret from totp_factors where user_id = ${person.user.id}`,
    );
    const stored = rows[0]?.sealed_secret ?? '';
    expect(stored).not.toContain(secret);
    expect(stored).not.toContain(Buffer.from(secret).toString('base64'));
    expect(stored).toMatch(/^v1\./);
    expect(createSealer(TEST_SECRET_KEY, 'totp').open(stored)).toBe(secret);
    expect(() => createSealer('another-secret-key-of-at-least-32-chars!', 'totp').open(stored)).toThrow();
  });

  it('logs in with the code inline (v1 and v2), or in two steps with a single-use challenge', async () => {
    const { person, secret } = await enrolled();
    const username = person.user.username;

    const first = await loginV2(username);
    expect(first.response.statusCode).toBe(401);
    const answer = first.response.json<MfaAnswer>();
    expect(answer).toMatchObject({
      code: 'IDENTITY_MFA_REQUIRED',
      mfa_required: true,
      factors: ['totp', 'recovery_code'],
      challenge_expires_in: 300,
    });
    expect(first.browser.cookies.has('sessionid')).toBe(false);
    expect((await first.browser.get('/api/v2/me')).statusCode).toBe(401);

    const completed = await first.browser.post('/api/v2/auth/mfa', {
      challenge: answer.challenge,
      otp: totpCode(secret, clock.ms),
    });
    expect(completed.statusCode).toBe(200);
    expect(completed.json()).toMatchObject({ id: person.user.id, username });
    expect((await first.browser.get('/api/v2/me')).statusCode).toBe(200);

    // The challenge was used up with the login.
    const reused = await first.browser.post('/api/v2/auth/mfa', {
      challenge: answer.challenge,
      otp: totpCode(secret, clock.nextStep()),
    });
    expect(reused.statusCode).toBe(401);
    expect(codeOf(reused)).toBe('IDENTITY_MFA_CHALLENGE_INVALID');

    const inline = await loginV2(username, { otp: totpCode(secret, clock.nextStep()) });
    expect(inline.response.statusCode).toBe(200);

    // v1: the BMS login answers the DRF-shaped 401, then completes at /api/auth/mfa/.
    const v1 = new Browser(t.app);
    await v1.fetchCsrf();
    const asked = await v1.post('/api/auth/login/', { username, password: PASSWORD });
    expect(asked.statusCode).toBe(401);
    expect(asked.json()).toMatchObject({
      detail: expect.stringMatching(/second factor/),
      mfa_required: true,
    });
    const done = await v1.post('/api/auth/mfa/', {
      challenge: asked.json<MfaAnswer>().challenge,
      otp: totpCode(secret, clock.nextStep()),
    });
    expect(done.statusCode).toBe(200);
    expect(Object.keys(done.json<object>())).toContain('date_joined');
    expect((await v1.get('/api/auth/user/')).statusCode).toBe(200);
  });

  it('accepts a code once: the same code again, or an earlier one, is refused', async () => {
    const { person, secret } = await enrolled();
    const code = totpCode(secret, clock.ms);
    expect((await loginV2(person.user.username, { otp: code })).response.statusCode).toBe(200);
    const replay = await loginV2(person.user.username, { otp: code });
    expect(replay.response.statusCode).toBe(401);
    expect(codeOf(replay.response)).toBe('IDENTITY_MFA_INVALID_CODE');
    const earlier = await loginV2(person.user.username, { otp: totpCode(secret, clock.ms - 30_000) });
    expect(earlier.response.statusCode).toBe(401);
    expect((await auditOf(person.user.id, 'mfa.failed')).map((row) => row.after?.reason)).toEqual([
      'replayed',
      'replayed',
    ]);
  });

  it('of concurrent logins over HTTP with one code, exactly one succeeds', async () => {
    const { person, secret } = await enrolled();
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    const base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
    const csrf = await fetch(`${base}/api/v2/auth/csrf`);
    const token = (await csrf.json()) as { csrfToken: string };
    const code = totpCode(secret, clock.ms);
    const statuses = await Promise.all(
      Array.from({ length: 6 }, async () => {
        const response = await fetch(`${base}/api/v2/auth/login`, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'x-csrftoken': token.csrfToken,
            cookie: `csrftoken=${token.csrfToken}`,
          },
          body: JSON.stringify({ username: person.user.username, password: PASSWORD, otp: code }),
        });
        return response.status;
      }),
    );
    expect(
      statuses.filter((status) => status === 200),
      String(statuses),
    ).toHaveLength(1);
    // The others are replays: refused, and counted against the throttle (which they may trip).
    for (const status of statuses.filter((status) => status !== 200)) expect([401, 429]).toContain(status);
  });

  it('accepts the previous and next step, and refuses two steps off', async () => {
    const { person, secret } = await enrolled();
    const username = person.user.username;
    // One step past the confirmation, so the step before now is unused.
    clock.nextStep();
    for (const offset of [-60_000, 60_000]) {
      const refused = await loginV2(username, { otp: totpCode(secret, clock.ms + offset) });
      expect(refused.response.statusCode, `offset ${offset}`).toBe(401);
    }
    expect((await auditOf(person.user.id, 'mfa.failed')).map((row) => row.after?.reason)).toEqual([
      'wrong',
      'wrong',
    ]);
    expect((await loginV2(username, { otp: totpCode(secret, clock.ms - 30_000) })).response.statusCode).toBe(
      200,
    );
    expect((await loginV2(username, { otp: totpCode(secret, clock.ms + 30_000) })).response.statusCode).toBe(
      200,
    );
  });

  it('takes each recovery code once, instead of a code, in either flow', async () => {
    const { person, browser, recoveryCodes } = await enrolled();
    const username = person.user.username;
    const [first = '', second = '', third = ''] = recoveryCodes;

    expect((await loginV2(username, { recovery_code: first })).response.statusCode).toBe(200);
    const again = await loginV2(username, { recovery_code: first });
    expect(again.response.statusCode).toBe(401);

    const asked = await loginV2(username);
    const done = await asked.browser.post('/api/v2/auth/mfa', {
      challenge: asked.response.json<MfaAnswer>().challenge,
      // As typed off paper: upper case, no dashes.
      recovery_code: second.replace(/-/g, '').toUpperCase(),
    });
    expect(done.statusCode).toBe(200);

    const racing = await Promise.all(
      [1, 2, 3].map(async () => (await loginV2(username, { recovery_code: third })).response.statusCode),
    );
    expect(racing.filter((status) => status === 200)).toHaveLength(1);

    expect((await browser.get('/api/v2/me/mfa')).json()).toMatchObject({ recovery_codes_remaining: 7 });
    expect((await auditOf(person.user.id, 'mfa.recovery_code_used')).map((row) => row.after)).toEqual([
      { remaining: 9 },
      { remaining: 8 },
      { remaining: 7 },
    ]);
  });

  it('regenerates recovery codes with the current password; the old ones stop working', async () => {
    const { person, browser, recoveryCodes } = await enrolled();
    const refused = await browser.post('/api/v2/me/mfa/recovery-codes', {
      current_password: 'wrong-password!',
    });
    expect(refused.statusCode).toBe(400);
    const fresh = await browser.post('/api/v2/me/mfa/recovery-codes', { current_password: PASSWORD });
    expect(fresh.statusCode).toBe(200);
    const codes = fresh.json<{ recovery_codes: string[] }>().recovery_codes;
    expect(codes).toHaveLength(10);
    expect(codes.some((code) => recoveryCodes.includes(code))).toBe(false);
    const old = await loginV2(person.user.username, { recovery_code: recoveryCodes[0] ?? '' });
    expect(old.response.statusCode).toBe(401);
    expect((await loginV2(person.user.username, { recovery_code: codes[0] ?? '' })).response.statusCode).toBe(
      200,
    );
    expect(await auditOf(person.user.id, 'mfa.recovery_codes_regenerated')).toHaveLength(1);
  });

  it('turns TOTP off with the current password and a code; logins then need no code', async () => {
    const { person, browser, secret } = await enrolled();
    const disable = (body: Record<string, string>) =>
      browser.request({ method: 'DELETE', url: '/api/v2/me/mfa/totp', payload: body });

    expect((await disable({ current_password: PASSWORD, code: '000000' })).statusCode).toBe(400);
    expect(
      (await disable({ current_password: 'wrong-password!', code: totpCode(secret, clock.ms) })).statusCode,
    ).toBe(400);
    expect((await disable({ current_password: PASSWORD, code: totpCode(secret, clock.ms) })).statusCode).toBe(
      204,
    );
    expect((await browser.get('/api/v2/me/mfa')).json()).toMatchObject({
      totp: 'off',
      recovery_codes_remaining: 0,
    });
    expect((await loginV2(person.user.username)).response.statusCode).toBe(200);
    expect(await auditOf(person.user.id, 'mfa.disabled')).toHaveLength(1);
  });
});
