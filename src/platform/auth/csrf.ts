import type {} from '@fastify/cookie';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../http/errors.ts';
import { randomToken, safeEqual } from './secrets.ts';

/**
 * Django-compatible CSRF: the `csrftoken` cookie and the `X-CSRFToken` header must
 * match on every unsafe request a session authenticates. Unlike Django the token is
 * not rotated at login (the BMS frontend fetches it once, before login); the defences
 * rotation buys come from a new session id at login, SameSite=Lax cookies, and an
 * Origin check against the CORS allowlist.
 */
export const CSRF_COOKIE = 'csrftoken';
export const CSRF_HEADER = 'x-csrftoken';
const TOKEN_PATTERN = /^[A-Za-z0-9_-]{32,64}$/;

const csrfFailed = (reason: string) => new AppError('CSRF_FAILED', 'forbidden', `CSRF Failed: ${reason}`);

export function issueCsrfToken(request: FastifyRequest, reply: FastifyReply, secure: boolean): string {
  const existing = request.cookies[CSRF_COOKIE];
  const token = existing && TOKEN_PATTERN.test(existing) ? existing : randomToken();
  reply.setCookie(CSRF_COOKIE, token, {
    path: '/',
    sameSite: 'lax',
    secure,
    httpOnly: false,
    maxAge: 365 * 24 * 3600,
  });
  return token;
}

export function verifyCsrf(request: FastifyRequest, allowedOrigins: readonly string[]): void {
  const origin = request.headers.origin;
  if (origin && origin !== 'null') {
    const own = `${request.protocol}://${request.host}`;
    if (origin !== own && !allowedOrigins.includes(origin)) {
      throw csrfFailed(`Origin checking failed - ${origin} does not match any trusted origins.`);
    }
  }
  const cookie = request.cookies[CSRF_COOKIE];
  if (!cookie) throw csrfFailed('CSRF cookie not set.');
  const header = request.headers[CSRF_HEADER];
  if (typeof header !== 'string' || header === '') throw csrfFailed('CSRF token missing.');
  if (!safeEqual(header, cookie)) throw csrfFailed('CSRF token incorrect.');
}
