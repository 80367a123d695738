import type { FastifyRequest } from 'fastify';
import { AppError } from '../http/errors.ts';

/**
 * Opsdesk's own secrets carry a prefix (as GitHub's `ghp_` and Stripe's `sk_live_`), so
 * they can be recognised wherever they turn up: in a URL, a log line, a secret scanner.
 */
export const API_KEY_PREFIX = 'osk_';
export const PERSONAL_TOKEN_PREFIX = 'odk_';
export const REFRESH_TOKEN_PREFIX = 'odr_';

/** An API key, personal token or refresh token as issued: the prefix and 32 random bytes in base64url. */
const OPSDESK_SECRET = /^o(sk|dk|dr)_[A-Za-z0-9_-]{43}$/;
const JWT = /^eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

/** A compact JWS (header.payload.signature): a bearer credential of this shape is an access token. */
export const looksLikeJwt = (value: string): boolean => JWT.test(value);

export const isOpsdeskSecret = (value: string): boolean => OPSDESK_SECRET.test(value);

/** A value that is a credential whatever the parameter carrying it is called. */
export const looksLikeCredential = (value: string): boolean => OPSDESK_SECRET.test(value) || JWT.test(value);

/** Query parameters that only ever carry an API key: refused whatever their value. */
const API_KEY_PARAMS = /^(x[-_])?api[-_]?key$/i;
/** Query parameters that carry a bearer credential by convention: refused when the value is one. */
const TOKEN_PARAMS = /^(access_token|refresh_token|token|auth_token|id_token|jwt|bearer|authorization)$/i;

export interface CredentialClient {
  requestId: string;
  ip: string;
  userAgent: string | undefined;
}

export const clientOf = (request: FastifyRequest): CredentialClient => ({
  requestId: request.id,
  ip: request.ip,
  userAgent: request.headers['user-agent'],
});

/**
 * The credentials a request carries in its query string: a parameter named like an
 * API key (any value), a parameter named like a token holding a credential, or an
 * Opsdesk secret under any name. Such a request is refused (see authenticate.ts):
 * query strings are written to access logs, proxies and browser history.
 */
export function credentialsInQuery(request: FastifyRequest): { found: boolean; opsdeskSecrets: string[] } {
  const queryAt = request.url.indexOf('?');
  if (queryAt === -1) return { found: false, opsdeskSecrets: [] };
  let found = false;
  const opsdeskSecrets: string[] = [];
  for (const [name, value] of new URLSearchParams(request.url.slice(queryAt + 1))) {
    const secrets = [name, value].filter(isOpsdeskSecret);
    opsdeskSecrets.push(...secrets);
    if (
      API_KEY_PARAMS.test(name) ||
      secrets.length > 0 ||
      (TOKEN_PARAMS.test(name) && looksLikeCredential(value))
    )
      found = true;
  }
  return { found, opsdeskSecrets };
}

export const credentialsInQueryError = () =>
  new AppError(
    'CREDENTIALS_IN_QUERY',
    'invalid',
    'Credentials are not accepted in the URL: send an API key in the X-API-Key header ' +
      '(or "Authorization: Bearer <key>"), a refresh token in the request body. URLs end up in ' +
      'logs and browser history, so an Opsdesk API key, personal token or refresh token sent in ' +
      'one is revoked; create a new one (or log in again).',
  );

/**
 * The API key a request presents: the `X-API-Key` header, or an `Authorization: Bearer`
 * credential that carries the API key prefix. Undefined when it presents none.
 */
export function apiKeyOf(request: FastifyRequest): string | undefined {
  const header = request.headers['x-api-key'];
  if (header !== undefined) {
    const key = (Array.isArray(header) ? header.join(',') : header).trim();
    if (key === '') throw new AppError('INVALID_API_KEY', 'unauthenticated', 'Invalid API key.');
    return key;
  }
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '')?.[1];
  return bearer?.startsWith(API_KEY_PREFIX) ? bearer : undefined;
}
