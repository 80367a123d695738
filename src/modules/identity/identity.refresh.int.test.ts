import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, PASSWORD, type TestApp } from '../../../test/helpers/app.ts';
import {
  auditRows,
  bearerStatus,
  JWT_ENV,
  refresh,
  tokenLogin,
  type Pair,
} from '../../../test/helpers/jwt.ts';

describe('refresh tokens: rotation, reuse detection, revocation', () => {
  let t: TestApp;
  let base: string;

  beforeAll(async () => {
    t = await createTestApp(JWT_ENV);
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await t.close();
  });

  const login = async () => {
    const person = await t.user();
    return { person, pair: await tokenLogin(t, person.user.username) };
  };

  const familyOf = async (refreshToken: string) => {
    const { rows } = await t.database.pool.query<{ id: number; revoked_reason: string | null }>(
      `SELECT f.id, f.revoked_reason FROM refresh_token_families f JOIN refresh_tokens r ON r.family_id = f.id
       WHERE r.token_hash = encode(sha256($1::bytea), 'hex')`,
      [refreshToken],
    );
    return rows[0];
  };

  it('stores only digests; a refresh hands out a new pair and retires the token it was given', async () => {
    const { pair } = await login();
    const { rows } = await t.database.pool.query<{ token_hash: string }>(
      'SELECT token_hash FROM refresh_tokens',
    );
    expect(rows.map((row) => row.token_hash)).not.toContain(pair.refresh_token);

    const first = await refresh(t, pair.refresh_token);
    expect(first.statusCode, first.body).toBe(200);
    const next = first.json<Pair>();
    expect(next.refresh_token).not.toBe(pair.refresh_token);
    expect(next.token_type).toBe('Bearer');
    expect(await bearerStatus(t, next.access_token)).toBe(200);
    expect((await refresh(t, next.refresh_token)).statusCode).toBe(200);
    expect((await auditRows(t, 'auth.token_refreshed')).length).toBeGreaterThanOrEqual(2);
  });

  it('reuse of a retired token revokes the whole family: its newest refresh and access tokens too, audited', async () => {
    const { person, pair } = await login();
    const second = (await refresh(t, pair.refresh_token)).json<Pair>();
    const third = (await refresh(t, second.refresh_token)).json<Pair>();
    expect(await bearerStatus(t, third.access_token)).toBe(200);

    // A thief replays the first token: refused, and the family dies.
    const replay = await refresh(t, pair.refresh_token);
    expect(replay.statusCode).toBe(401);
    expect(replay.json()).toMatchObject({ code: 'IDENTITY_REFRESH_TOKEN_INVALID' });
    expect((await refresh(t, third.refresh_token)).statusCode).toBe(401);
    expect(await bearerStatus(t, third.access_token)).toBe(401);
    expect(await bearerStatus(t, second.access_token)).toBe(401);
    expect((await familyOf(pair.refresh_token))?.revoked_reason).toBe('reuse');

    const family = (await familyOf(pair.refresh_token))!.id;
    const reuse = (await auditRows(t, 'auth.refresh_reuse')).filter(
      (row) => row.resource_id === String(family),
    );
    expect(reuse).toHaveLength(1);
    expect(reuse[0]?.after).toMatchObject({ user_id: person.user.id, reason: 'reuse' });
    // Presenting a token of the dead family is the use of a revoked credential: audited too.
    expect(
      (await auditRows(t, 'auth.refresh_refused')).some((row) => row.resource_id === String(family)),
    ).toBe(true);
    // Other logins of the same user are not touched.
    expect((await refresh(t, (await tokenLogin(t, person.user.username)).refresh_token)).statusCode).toBe(
      200,
    );
  });

  it('20 parallel refreshes with one token over real HTTP: exactly one wins', async () => {
    const { pair } = await login();
    const responses = await Promise.all(
      Array.from({ length: 20 }, () =>
        fetch(`${base}/api/v2/auth/refresh`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ refresh_token: pair.refresh_token }),
        }),
      ),
    );
    const statuses = responses.map((response) => response.status);
    expect(statuses.filter((status) => status === 200)).toHaveLength(1);
    expect(statuses.filter((status) => status === 401)).toHaveLength(19);
    const { rows } = await t.database.pool.query<{ count: number }>(
      'SELECT count(*)::int AS count FROM refresh_tokens WHERE family_id = $1',
      [(await familyOf(pair.refresh_token))!.id],
    );
    expect(rows[0]?.count).toBe(2); // the original and exactly one successor
  });

  it('revoke (RFC 7009) ends the family and always answers 200', async () => {
    const { pair } = await login();
    const revoke = (payload: object, headers: Record<string, string> = {}) =>
      t.app.inject({ method: 'POST', url: '/api/v2/auth/revoke', payload, headers });
    expect((await revoke({ token: pair.refresh_token })).statusCode).toBe(200);
    expect((await refresh(t, pair.refresh_token)).statusCode).toBe(401);
    expect(await bearerStatus(t, pair.access_token)).toBe(401);
    expect((await revoke({ token: pair.refresh_token })).statusCode).toBe(200);
    expect((await revoke({ token: `odr_${'x'.repeat(43)}` })).statusCode).toBe(200);

    // Without a refresh token: the login of the access token that calls.
    const other = (await login()).pair;
    expect((await revoke({}, { authorization: `Bearer ${other.access_token}` })).statusCode).toBe(200);
    expect((await refresh(t, other.refresh_token)).statusCode).toBe(401);
  });

  it('refuses refresh tokens (and API keys) in a query string, and revokes the refresh token sent there', async () => {
    const { pair } = await login();
    for (const query of [`refresh_token=${pair.refresh_token}`, `anything=${pair.refresh_token}`]) {
      const response = await t.app.inject({ url: `/api/v2/me?${query}` });
      expect(response.statusCode).toBe(400);
      expect(response.json()).toMatchObject({ code: 'CREDENTIALS_IN_QUERY' });
    }
    expect((await familyOf(pair.refresh_token))?.revoked_reason).toBe('leaked');
    expect((await refresh(t, pair.refresh_token)).statusCode).toBe(401);
    expect((await t.app.inject({ url: '/api/v2/me?api_key=whatever' })).statusCode).toBe(400);
  });

  it('expires after REFRESH_TOKEN_IDLE_DAYS unused and REFRESH_TOKEN_TTL_DAYS in all', async () => {
    const idle = (await login()).pair;
    await t.database.pool.query(
      `UPDATE refresh_tokens SET expires_at = now() - interval '1 second' WHERE token_hash = encode(sha256($1::bytea), 'hex')`,
      [idle.refresh_token],
    );
    expect((await refresh(t, idle.refresh_token)).statusCode).toBe(401);

    const old = (await login()).pair;
    await t.database.pool.query(
      `UPDATE refresh_token_families SET expires_at = now() - interval '1 second' WHERE id = $1`,
      [(await familyOf(old.refresh_token))!.id],
    );
    expect((await refresh(t, old.refresh_token)).statusCode).toBe(401);
    // A fresh token's idle expiry never runs past its family's end.
    const fresh = (await login()).pair;
    const { rows } = await t.database.pool.query<{ within: boolean }>(
      `SELECT r.expires_at <= f.expires_at AND r.expires_at > now() + interval '13 days' AS within
       FROM refresh_tokens r JOIN refresh_token_families f ON f.id = r.family_id WHERE r.token_hash = encode(sha256($1::bytea), 'hex')`,
      [fresh.refresh_token],
    );
    expect(rows[0]?.within).toBe(true);
  });

  it('lists logins by token; logout, ending one, ending all and a password change revoke them', async () => {
    const { person, pair } = await login();
    const other = await tokenLogin(t, person.user.username);
    const asUser = (
      method: 'GET' | 'DELETE' | 'POST',
      url: string,
      token = pair.access_token,
      payload?: object,
    ) =>
      t.app.inject({
        method,
        url,
        headers: { authorization: `Bearer ${token}` },
        ...(payload && { payload }),
      });

    const listed = (await asUser('GET', '/api/v2/me/token-logins')).json<
      { id: number; current: boolean }[]
    >();
    expect(listed).toHaveLength(2);
    expect(listed.filter((family) => family.current)).toHaveLength(1);
    const otherId = listed.find((family) => !family.current)!.id;
    expect((await asUser('DELETE', `/api/v2/me/token-logins/${otherId}`)).statusCode).toBe(204);
    expect(await bearerStatus(t, other.access_token)).toBe(401);
    expect((await refresh(t, other.refresh_token)).statusCode).toBe(401);

    // "End all my other sessions", from a browser session: the token logins end too.
    const third = await tokenLogin(t, person.user.username);
    const browser = await t.login(person);
    expect((await browser.delete('/api/v2/me/sessions')).statusCode).toBe(200);
    expect((await refresh(t, third.refresh_token)).statusCode).toBe(401);
    expect(await bearerStatus(t, pair.access_token)).toBe(401);

    // A password change keeps the caller's own login by token and ends the others.
    const mine = await tokenLogin(t, person.user.username);
    const theirs = await tokenLogin(t, person.user.username);
    const changed = await asUser('POST', '/api/v2/me/password', mine.access_token, {
      current_password: PASSWORD,
      new_password: 'a much longer passphrase 42',
    });
    expect(changed.statusCode, changed.body).toBe(204);
    expect(await bearerStatus(t, mine.access_token)).toBe(200);
    expect((await refresh(t, theirs.refresh_token)).statusCode).toBe(401);

    // Logout with an access token ends its login.
    expect((await asUser('POST', '/api/v2/auth/logout', mine.access_token)).statusCode).toBe(200);
    expect((await refresh(t, mine.refresh_token)).statusCode).toBe(401);
  });
});
