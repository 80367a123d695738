import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { contextOf } from '../../platform/auth/actor.ts';
import { SESSION_COOKIE } from '../../platform/auth/authenticate.ts';
import { issueCsrfToken } from '../../platform/auth/csrf.ts';
import { AppError } from '../../platform/http/errors.ts';
import type { ApiVersion } from '../../platform/http/versioning.ts';
import { presentUserV1, presentUserV2 } from './identity.presenters.ts';
import type { Person } from './identity.repository.ts';
import { MfaCompleteBody } from './identity.schemas.mfa.ts';
import { CsrfResponse, LoginBody, UserV1, UserV2 } from './identity.schemas.ts';
import type { IdentityRouteOptions } from './identity.routes.ts';

const tags = ['identity'];

/**
 * CSRF, login (with its second-factor step) and logout are the same in both versions;
 * only the user's shape differs. A user with a second factor sends `otp` (or
 * `recovery_code`) with the login, or logs in without it, gets a 401 with a challenge
 * and completes at `paths.mfa`; users without one log in as they always did.
 */
export function sessionRoutes(
  api: ApiVersion,
  paths: { csrf: string; login: string; mfa: string; logout: string },
): FastifyPluginAsyncTypebox<IdentityRouteOptions> {
  return async (app, { identity, secureCookies, sessionTtlHours, loginRateLimitPerMinute }) => {
    const sessionOpened = (
      reply: FastifyReply,
      { sessionToken, person }: { sessionToken: string; person: Person },
    ) => {
      setSessionCookie(reply, sessionToken, { secureCookies, sessionTtlHours });
      return api === 'v1' ? presentUserV1(person.user) : presentUserV2(person);
    };

    app.get(
      paths.csrf,
      {
        config: { public: true },
        schema: {
          tags,
          summary: 'Issue the CSRF token (also set as the csrftoken cookie).',
          response: { 200: CsrfResponse },
        },
      },
      (request, reply) => ({ csrfToken: issueCsrfToken(request, reply, secureCookies) }),
    );

    app.post(
      paths.login,
      {
        config: {
          public: true,
          csrf: true,
          // Per client IP and username, counted after the body is parsed: slows password guessing
          // against one account without locking everyone behind a shared NAT out.
          ...loginRateLimit(loginRateLimitPerMinute),
        },
        schema: {
          tags,
          summary:
            'Log in with username and password (and otp for users with two-factor authentication); sets the sessionid cookie.',
          description:
            'A user with a second factor who sends no "otp" (or "recovery_code") gets 401 IDENTITY_MFA_REQUIRED with a `challenge` to complete the login with; a user whose role requires MFA and who has none gets 401 IDENTITY_MFA_ENROLMENT_REQUIRED with a `challenge` that can only enrol. See docs/identity.md.',
          body: LoginBody,
          response: { 200: api === 'v1' ? UserV1 : UserV2 },
        },
      },
      async (request, reply) => {
        const { username, password, otp, recovery_code: recoveryCode } = request.body;
        if (!username || !password) {
          throw new AppError(
            'IDENTITY_CREDENTIALS_REQUIRED',
            'invalid',
            'Both "username" and "password" are required.',
          );
        }
        return sessionOpened(
          reply,
          await identity.login({ username, password }, { otp, recoveryCode }, metaOf(request)),
        );
      },
    );

    app.post(
      paths.mfa,
      {
        config: { public: true, csrf: true },
        schema: {
          tags,
          summary:
            'Complete a login that answered with a challenge: send the challenge and a code (or a passkey assertion); sets the sessionid cookie.',
          body: MfaCompleteBody,
          response: { 200: api === 'v1' ? UserV1 : UserV2 },
        },
      },
      async (request, reply) => {
        const { challenge, otp, recovery_code: recoveryCode, passkey } = request.body;
        return sessionOpened(
          reply,
          await identity.completeLogin(challenge, { otp, recoveryCode, passkey }, metaOf(request)),
        );
      },
    );

    app.post(
      paths.logout,
      {
        config: { public: true, resolveActor: true },
        schema: {
          tags,
          summary: 'End the session (server-side).',
          response: { 200: Type.Object({ detail: Type.String() }) },
        },
      },
      async (request, reply) => {
        if (request.actor) await identity.logout(contextOf(request));
        reply.clearCookie(SESSION_COOKIE, { path: '/' });
        return { detail: 'Successfully logged out.' };
      },
    );
  };
}

/** The session cookie every login flow (password, passkey) sets on the session it opened. */
export function setSessionCookie(
  reply: FastifyReply,
  sessionToken: string,
  { secureCookies, sessionTtlHours }: { secureCookies: boolean; sessionTtlHours: number },
): void {
  reply.setCookie(SESSION_COOKIE, sessionToken, {
    path: '/',
    httpOnly: true,
    sameSite: 'lax',
    secure: secureCookies,
    maxAge: sessionTtlHours * 3600,
  });
}

export const metaOf = (request: FastifyRequest) => ({
  requestId: request.id,
  ip: request.ip,
  userAgent: request.headers['user-agent'],
});

/** The per-IP-and-username limit of every route that checks a password (0: none). */
export const loginRateLimit = (perMinute: number) =>
  perMinute > 0
    ? {
        rateLimit: {
          max: perMinute,
          timeWindow: 60_000,
          hook: 'preHandler' as const,
          keyGenerator: (request: FastifyRequest) => `login:${request.ip}:${loginName(request.body)}`,
        },
      }
    : {};

const loginName = (body: unknown): string => {
  const username = (body as { username?: unknown } | undefined)?.username;
  return typeof username === 'string' ? username.toLowerCase() : '';
};
