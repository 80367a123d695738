import type { LightMyRequestResponse } from 'fastify';
import { importJWK, type CryptoKey, type JWK } from 'jose';
import { expect } from 'vitest';
import { createSealer } from '../../src/platform/auth/sealed.ts';
import { PASSWORD, type TestApp } from './app.ts';

/** What the app under test is configured with, so verifiers and forgers can use the same values. */
export const JWT_ENV = {
  SECRET_KEY: 'test-secret-key-for-sealing-jwt-signing-keys-0123456789',
  JWT_ISSUER: 'https://desk.example.test',
  JWT_AUDIENCE: 'opsdesk-test',
};

export interface Pair {
  access_token: string;
  refresh_token: string;
  token_type: string;
  expires_in: number;
}

/** Logs in by token (POST /api/v2/auth/token); expects a 200. */
export async function tokenLogin(
  t: TestApp,
  username: string,
  extra: Record<string, unknown> = {},
): Promise<Pair> {
  const response = await t.app.inject({
    method: 'POST',
    url: '/api/v2/auth/token',
    payload: { username, password: PASSWORD, ...extra },
  });
  expect(response.statusCode, response.body).toBe(200);
  return response.json<Pair>();
}

export const refresh = (t: TestApp, refreshToken: string): Promise<LightMyRequestResponse> =>
  t.app.inject({ method: 'POST', url: '/api/v2/auth/refresh', payload: { refresh_token: refreshToken } });

/** GET `url` with `Authorization: Bearer <token>`; its status. */
export async function bearerStatus(t: TestApp, token: string, url = '/api/v2/me'): Promise<number> {
  const response = await t.app.inject({ url, headers: { authorization: `Bearer ${token}` } });
  return response.statusCode;
}

/** The current signing key's private half, opened from the database as only a holder of SECRET_KEY could. */
export async function currentPrivateKey(t: TestApp): Promise<{ kid: string; key: CryptoKey; alg: string }> {
  const { rows } = await t.database.pool.query<{
    kid: string;
    algorithm: string;
    sealed_private_jwk: string;
  }>('SELECT kid, algorithm, sealed_private_jwk FROM jwt_signing_keys WHERE retired_at IS NULL');
  const row = rows[0];
  if (!row) throw new Error('no current signing key');
  const jwk = JSON.parse(
    createSealer(JWT_ENV.SECRET_KEY, 'jwt-signing-key').open(row.sealed_private_jwk),
  ) as JWK;
  return { kid: row.kid, alg: row.algorithm, key: (await importJWK(jwk, row.algorithm)) as CryptoKey };
}

/** The audit rows of `action`, newest last. */
export async function auditRows(t: TestApp, action: string) {
  const { rows } = await t.database.pool.query<{
    resource_type: string;
    resource_id: string;
    actor_label: string;
    after: Record<string, unknown> | null;
  }>('SELECT resource_type, resource_id, actor_label, after FROM audit_log WHERE action = $1 ORDER BY id', [
    action,
  ]);
  return rows;
}
