import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { contextOf } from '../../platform/auth/actor.ts';
import { ACCESS_TOKEN_COOKIE } from '../../platform/auth/authenticate.ts';
import { verifyCsrf } from '../../platform/auth/csrf.ts';
import { identityErrors } from './identity.errors.ts';
import type { TokenPair } from './identity.refresh.ts';
import { loginRateLimit, metaOf } from './identity.routes.sessions.ts';
import type { IdentityRouteOptions } from './identity.routes.ts';
import {
  RefreshBody,
  RevokeBody,
  RevokeResponse,
  TokenBody,
  TokenMfaBody,
  TokenResponse,
} from './identity.schemas.jwt.ts';

const tags = ['auth'];
/** The refresh token's cookie goes to the refresh route only: no other request ever carries it. */
export const REFRESH_TOKEN_COOKIE = 'opsdesk_refresh';
export const REFRESH_COOKIE_PATH = '/api/v2/auth/refresh';

const MFA_DESCRIPTION =
  'A user with a second factor who sends no "otp" (or "recovery_code") gets 401 IDENTITY_MFA_REQUIRED with a `challenge`, as the session login does; complete it at POST /api/v2/auth/token/mfa. A user whose role requires MFA and has none gets 401 IDENTITY_MFA_ENROLMENT_REQUIRED. A locked name gets 429 with Retry-After. See docs/identity.md.';

/**
 * Logging in by token (JWT access token + rotating refresh token): for API clients, and,
 * with `"cookies": true`, for a browser frontend such as Next.js, whose middleware
 * verifies the access cookie against /.well-known/jwks.json. In cookie mode the refresh
 * token stays in its HttpOnly cookie (never in a body a script could read), and the
 * call itself must pass the CSRF check, as every cookie-authenticated write does.
 */
export const jwtRoutesV2: FastifyPluginAsyncTypebox<IdentityRouteOptions> = async (app, options) => {
  const { identity, secureCookies, allowedOrigins, refreshTokenTtlDays, loginRateLimitPerMinute } = options;
  const secure = (request: FastifyRequest) => secureCookies || request.protocol === 'https';

  function answer(request: FastifyRequest, reply: FastifyReply, pair: TokenPair, cookies: boolean) {
    const body = {
      access_token: pair.accessToken,
      token_type: 'Bearer' as const,
      expires_in: pair.expiresIn,
    };
    if (!cookies) return { ...body, refresh_token: pair.refreshToken };
    const base = { httpOnly: true, sameSite: 'lax' as const, secure: secure(request) };
    reply.setCookie(ACCESS_TOKEN_COOKIE, pair.accessToken, { ...base, path: '/', maxAge: pair.expiresIn });
    reply.setCookie(REFRESH_TOKEN_COOKIE, pair.refreshToken, {
      ...base,
      path: REFRESH_COOKIE_PATH,
      maxAge: refreshTokenTtlDays * 86_400,
    });
    return body;
  }

  function clearCookies(reply: FastifyReply) {
    reply.clearCookie(ACCESS_TOKEN_COOKIE, { path: '/' });
    reply.clearCookie(REFRESH_TOKEN_COOKIE, { path: REFRESH_COOKIE_PATH });
  }

  // Login CSRF: a cross-site form must not log a browser into someone else's account.
  const csrfForCookies = (request: FastifyRequest, cookies: boolean | undefined) => {
    if (cookies) verifyCsrf(request, allowedOrigins);
  };

  app.post(
    '/auth/token',
    {
      config: { public: true, secretResponse: true, ...loginRateLimit(loginRateLimitPerMinute) },
      schema: {
        tags,
        summary: 'Log in for a JWT access token and a refresh token (optionally as HttpOnly cookies).',
        description: MFA_DESCRIPTION,
        body: TokenBody,
        response: { 200: TokenResponse },
      },
    },
    async (request, reply) => {
      const { username, password, otp, recovery_code: recoveryCode, cookies } = request.body;
      csrfForCookies(request, cookies);
      const pair = await identity.tokenLogin({ username, password }, { otp, recoveryCode }, metaOf(request));
      return answer(request, reply, pair, cookies === true);
    },
  );

  app.post(
    '/auth/token/mfa',
    {
      config: { public: true, secretResponse: true },
      schema: {
        tags,
        summary:
          'Complete a token login that answered with a challenge: the challenge and a code (or passkey).',
        body: TokenMfaBody,
        response: { 200: TokenResponse },
      },
    },
    async (request, reply) => {
      const { challenge, otp, recovery_code: recoveryCode, passkey, cookies } = request.body;
      csrfForCookies(request, cookies);
      const pair = await identity.completeTokenLogin(
        challenge,
        { otp, recoveryCode, passkey },
        metaOf(request),
      );
      return answer(request, reply, pair, cookies === true);
    },
  );

  app.post(
    '/auth/refresh',
    {
      config: { public: true, secretResponse: true },
      schema: {
        tags,
        summary: 'Trade a refresh token (body or cookie) for a new pair; the one sent is retired.',
        description:
          'Each refresh token works once. Presenting a retired one again revokes the whole login (every token of its family) and is audited as auth.refresh_reuse: refresh from one place at a time.',
        body: RefreshBody,
        response: { 200: TokenResponse },
      },
    },
    async (request, reply) => {
      const fromCookie = request.body.refresh_token === undefined;
      const token = request.body.refresh_token ?? request.cookies[REFRESH_TOKEN_COOKIE];
      if (!token) throw identityErrors.IDENTITY_REFRESH_TOKEN_MISSING();
      csrfForCookies(request, fromCookie);
      const pair = await identity.refreshTokens.refresh(token, metaOf(request)).catch((error: unknown) => {
        if (fromCookie) clearCookies(reply);
        throw error;
      });
      return answer(request, reply, pair, fromCookie || request.body.cookies === true);
    },
  );

  app.post(
    '/auth/revoke',
    {
      config: { public: true, resolveActor: true },
      schema: {
        tags,
        summary:
          'Revoke a refresh token and its whole login (RFC 7009); without one, the login of this access token.',
        description:
          'Always 200, whether or not the token existed. Without a token in the body, the login the access token (Bearer or opsdesk_access cookie) belongs to is ended, and the cookies are cleared.',
        body: RevokeBody,
        response: { 200: RevokeResponse },
      },
    },
    async (request, reply) => {
      const token = request.body.token ?? request.body.refresh_token;
      if (token) await identity.refreshTokens.revoke(token, metaOf(request));
      else if (request.actor) await identity.refreshTokens.revokeOwn(contextOf(request));
      clearCookies(reply);
      return { detail: 'Revoked.' };
    },
  );
};
