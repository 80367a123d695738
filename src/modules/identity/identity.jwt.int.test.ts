import type { AddressInfo } from 'node:net';
import {
  createRemoteJWKSet,
  decodeJwt,
  decodeProtectedHeader,
  exportJWK,
  exportSPKI,
  generateKeyPair,
  importJWK,
  jwtVerify,
  SignJWT,
  type CryptoKey,
  type JWK,
  type JWTPayload,
} from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/helpers/app.ts';
import { bearerStatus, currentPrivateKey, JWT_ENV, tokenLogin } from '../../../test/helpers/jwt.ts';

const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('JWT access tokens: verified as Next.js middleware does, forgeries refused', () => {
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

  it('issues an EdDSA at+jwt with kid, iss, aud, sub, nbf, iat, exp <= 15 min and jti, verified with the remote JWKS', async () => {
    const person = await t.user();
    const pair = await tokenLogin(t, person.user.username);
    expect(pair.token_type).toBe('Bearer');
    expect(pair.expires_in).toBe(900);
    expect(pair.refresh_token).toMatch(/^odr_[A-Za-z0-9_-]{43}$/);

    // Exactly what a Next.js middleware does: jose's remote JWKS over real HTTP, issuer and audience pinned.
    const jwks = createRemoteJWKSet(new URL(`${base}/.well-known/jwks.json`));
    const { payload, protectedHeader } = await jwtVerify(pair.access_token, jwks, {
      issuer: JWT_ENV.JWT_ISSUER,
      audience: JWT_ENV.JWT_AUDIENCE,
      typ: 'at+jwt',
      algorithms: ['EdDSA'],
    });
    expect(protectedHeader).toMatchObject({ alg: 'EdDSA', typ: 'at+jwt' });
    expect(protectedHeader.kid).toEqual(expect.any(String));
    expect(payload.sub).toBe(String(person.user.id));
    expect(payload.exp! - payload.iat!).toBe(900);
    expect(payload.nbf).toBe(payload.iat);
    expect(payload.jti).toEqual(expect.any(String));
    expect(payload.sid).toEqual(expect.any(String));

    const served = await fetch(`${base}/.well-known/jwks.json`);
    expect(served.headers.get('cache-control')).toBe('public, max-age=300');
    const { keys } = (await served.json()) as { keys: JWK[] };
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatchObject({
      kty: 'OKP',
      crv: 'Ed25519',
      alg: 'EdDSA',
      use: 'sig',
      kid: protectedHeader.kid,
    });
    expect(keys[0]).not.toHaveProperty('d');

    // And the API takes it as a bearer credential, over real HTTP too.
    const me = await fetch(`${base}/api/v2/me`, {
      headers: { authorization: `Bearer ${pair.access_token}` },
    });
    expect(me.status).toBe(200);
    expect(((await me.json()) as { username: string }).username).toBe(person.user.username);
  });

  describe('forged and foreign tokens are 401', () => {
    let claims: JWTPayload;
    let kid: string;

    beforeAll(async () => {
      const person = await t.user();
      const pair = await tokenLogin(t, person.user.username);
      claims = decodeJwt(pair.access_token);
      kid = decodeProtectedHeader(pair.access_token).kid!;
    });

    /** Signs `payload` with the genuine current key: only the claims can make it fail. */
    const genuine = async (payload: JWTPayload, header: Record<string, unknown> = {}) => {
      const { key, alg } = await currentPrivateKey(t);
      return new SignJWT(payload).setProtectedHeader({ alg, kid, typ: 'at+jwt', ...header }).sign(key);
    };
    const now = () => Math.floor(Date.now() / 1000);

    it('accepts the harness control: genuine key, right claims', async () => {
      expect(
        await bearerStatus(t, await genuine({ ...claims, iat: now(), nbf: now(), exp: now() + 60 })),
      ).toBe(200);
    });

    it('alg none', async () => {
      const token = `${b64({ alg: 'none', typ: 'at+jwt', kid })}.${b64({ ...claims, exp: now() + 60 })}.`;
      expect(await bearerStatus(t, token)).toBe(401);
    });

    it('HS256 signed with the public key (as PEM and as JWK bytes)', async () => {
      const jwks = (await (await fetch(`${base}/.well-known/jwks.json`)).json()) as { keys: JWK[] };
      const publicJwk = jwks.keys[0]!;
      const pem = await exportSPKI((await importJWK(publicJwk, 'EdDSA', { extractable: true })) as CryptoKey);
      for (const secret of [pem, JSON.stringify(publicJwk), Buffer.from(publicJwk.x!, 'base64url')]) {
        const token = await new SignJWT({ ...claims, exp: now() + 60 })
          .setProtectedHeader({ alg: 'HS256', kid, typ: 'at+jwt' })
          .sign(typeof secret === 'string' ? new TextEncoder().encode(secret) : new Uint8Array(secret));
        expect(await bearerStatus(t, token)).toBe(401);
      }
    });

    it('expired, not yet valid, too long-lived', async () => {
      expect(
        await bearerStatus(
          t,
          await genuine({ ...claims, iat: now() - 1000, nbf: now() - 1000, exp: now() - 100 }),
        ),
      ).toBe(401);
      expect(
        await bearerStatus(t, await genuine({ ...claims, iat: now(), nbf: now() + 600, exp: now() + 900 })),
      ).toBe(401);
      expect(
        await bearerStatus(
          t,
          await genuine({ ...claims, iat: now() - 3000, nbf: now() - 3000, exp: now() + 600 }),
        ),
      ).toBe(401);
    });

    it('wrong aud, wrong iss, wrong typ, missing claims', async () => {
      const fresh: JWTPayload = { ...claims, iat: now(), nbf: now(), exp: now() + 60 };
      expect(await bearerStatus(t, await genuine({ ...fresh, aud: 'another-api' }))).toBe(401);
      expect(await bearerStatus(t, await genuine({ ...fresh, iss: 'https://evil.example' }))).toBe(401);
      expect(await bearerStatus(t, await genuine(fresh, { typ: 'JWT' }))).toBe(401);
      const { jti: _jti, ...withoutJti } = fresh;
      expect(await bearerStatus(t, await genuine(withoutJti))).toBe(401);
      const { sid: _sid, ...withoutSid } = fresh;
      expect(await bearerStatus(t, await genuine(withoutSid))).toBe(401);
    });

    it('unknown kid, and jku / jwk / x5u headers pointing at the forger’s key', async () => {
      const forger = await generateKeyPair('EdDSA', { extractable: true });
      const forgerJwk = { ...(await exportJWK(forger.publicKey)), kid: 'forged' };
      const sign = (header: Record<string, unknown>) =>
        new SignJWT({ ...claims, iat: now(), nbf: now(), exp: now() + 60 })
          .setProtectedHeader({ alg: 'EdDSA', typ: 'at+jwt', ...header })
          .sign(forger.privateKey);
      // A server that followed jku would fetch the forger's set from here.
      const jku = `${base}/.well-known/jwks.json?forged=1`;
      expect(await bearerStatus(t, await sign({ kid: 'forged' }))).toBe(401);
      expect(await bearerStatus(t, await sign({ kid: 'forged', jku }))).toBe(401);
      expect(await bearerStatus(t, await sign({ kid: 'forged', jwk: forgerJwk }))).toBe(401);
      expect(await bearerStatus(t, await sign({ kid, jwk: forgerJwk }))).toBe(401);
      expect(await bearerStatus(t, await sign({ kid, jku, x5u: 'https://evil.example/cert.pem' }))).toBe(401);
    });

    it('answers a forged token with the same plain 401 as no token', async () => {
      const response = await t.app.inject({
        url: '/api/v2/me',
        headers: { authorization: `Bearer ${b64({ alg: 'none' })}.${b64(claims)}.` },
      });
      expect(response.statusCode).toBe(401);
      expect(response.json()).toMatchObject({ code: 'INVALID_TOKEN' });
    });
  });

  it("refuses a deactivated user's access token at once, though it has not expired", async () => {
    const admin = await t.login(await t.user({ role: 'admin' }));
    const person = await t.user();
    const pair = await tokenLogin(t, person.user.username);
    expect(await bearerStatus(t, pair.access_token)).toBe(200); // now cached in this process
    const deactivated = await admin.delete(`/api/v2/users/${person.user.id}`, { 'if-match': '*' });
    expect(deactivated.statusCode, deactivated.body).toBe(200);
    expect(await bearerStatus(t, pair.access_token)).toBe(401);
    const refreshed = await t.app.inject({
      method: 'POST',
      url: '/api/v2/auth/refresh',
      payload: { refresh_token: pair.refresh_token },
    });
    expect(refreshed.statusCode).toBe(401);
  });

  it('documents the bearer JWT scheme and the token routes in OpenAPI', async () => {
    const document = (await t.app.inject({ url: '/api/v2/openapi.json' })).json<{
      components: { securitySchemes: Record<string, { scheme?: string; bearerFormat?: string }> };
      paths: Record<string, Record<string, { tags?: string[]; summary?: string; responses?: object }>>;
    }>();
    expect(document.components.securitySchemes.jwt).toMatchObject({ scheme: 'bearer', bearerFormat: 'JWT' });
    for (const path of [
      '/api/v2/auth/token',
      '/api/v2/auth/token/mfa',
      '/api/v2/auth/refresh',
      '/api/v2/auth/revoke',
    ]) {
      const post = document.paths[path]?.post;
      expect(post?.tags, path).toEqual(['auth']);
      expect(post?.summary, path).toEqual(expect.any(String));
      expect(post?.responses, path).toHaveProperty('200');
    }
    expect(document.paths['/api/v2/me/token-logins']?.get?.summary).toEqual(expect.any(String));
  });
});
