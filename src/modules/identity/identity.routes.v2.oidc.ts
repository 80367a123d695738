import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { SESSION_COOKIE } from '../../platform/auth/authenticate.ts';
import { AppError, statusOf } from '../../platform/http/errors.ts';
import { loginPath } from './identity.oidc.providers.ts';
import { CallbackQuery, LoginQuery, OidcLoginOption, ProviderParams } from './identity.oidc.schemas.ts';
import type { IdentityRouteOptions } from './identity.routes.ts';

const tags = ['auth'];

/** Binds a pending login to the browser that began it: the callback must come with it. */
const BROWSER_COOKIE = 'oidc_browser';
const BROWSER_COOKIE_PATH = '/api/v2/auth/oidc';

const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);

/**
 * A person lands on the login and callback routes in a browser: a refusal is a short
 * page saying why. Other clients get the usual problem+json.
 */
function failed(request: FastifyRequest, reply: FastifyReply, error: unknown) {
  if (!(error instanceof AppError) || !request.headers.accept?.includes('text/html')) throw error;
  const status = statusOf(error.kind);
  request.log.info({ code: error.code, status, err: error.cause }, error.message);
  return reply
    .code(status)
    .type('text/html; charset=utf-8')
    .send(
      `<!doctype html><html lang="en"><meta charset="utf-8"><title>Sign-in failed</title>` +
        `<h1>Sign-in failed</h1><p>${escapeHtml(error.message)}</p>` +
        `<p><small>Reference: ${escapeHtml(request.id)} (${escapeHtml(error.code)})</small></p>` +
        `<p><a href="/">Back to Opsdesk</a></p></html>`,
    );
}

/** `/api/v2/auth/oidc`: signing in with an OpenID Connect provider. */
export const oidcLoginRoutesV2: FastifyPluginAsyncTypebox<IdentityRouteOptions> = async (
  app,
  { identity, secureCookies, sessionTtlHours },
) => {
  const { oidc } = identity;

  app.get(
    '/auth/oidc/providers',
    {
      config: { public: true },
      schema: {
        tags,
        summary: 'The identity providers a login page offers.',
        response: { 200: Type.Array(OidcLoginOption) },
      },
    },
    async () =>
      (await oidc.enabledProviders()).map((provider) => ({
        slug: provider.slug,
        name: provider.name,
        login_url: loginPath(provider.slug),
      })),
  );

  app.get(
    '/auth/oidc/:provider/login',
    {
      config: { public: true },
      schema: {
        tags,
        summary: 'Sign in with an identity provider: redirects there (authorization code with PKCE).',
        params: ProviderParams,
        querystring: LoginQuery,
        response: { 302: Type.Null({ description: 'To the identity provider.' }) },
      },
    },
    async (request, reply) => {
      reply.header('cache-control', 'private, no-store');
      let started: Awaited<ReturnType<typeof oidc.beginLogin>>;
      try {
        started = await oidc.beginLogin(request.params.provider, {
          next: request.query.next,
          browserSecret: request.cookies[BROWSER_COOKIE],
        });
      } catch (error) {
        return failed(request, reply, error);
      }
      reply.setCookie(BROWSER_COOKIE, started.browserSecret, {
        path: BROWSER_COOKIE_PATH,
        httpOnly: true,
        // Lax: sent on the provider's top-level GET redirect back, never on a cross-site subrequest.
        sameSite: 'lax',
        secure: secureCookies,
        maxAge: 600,
      });
      return reply.redirect(started.authorizationUrl, 302);
    },
  );

  app.get(
    '/auth/oidc/:provider/callback',
    {
      config: { public: true },
      schema: {
        tags,
        summary: 'Where the identity provider sends the browser back; sets the sessionid cookie.',
        params: ProviderParams,
        querystring: CallbackQuery,
        response: { 303: Type.Null({ description: 'To `next`, signed in.' }) },
      },
    },
    async (request, reply) => {
      reply.header('cache-control', 'private, no-store');
      let completed: Awaited<ReturnType<typeof oidc.completeLogin>>;
      try {
        completed = await oidc.completeLogin(
          request.params.provider,
          { query: request.url.split('?')[1] ?? '', browserSecret: request.cookies[BROWSER_COOKIE] },
          { requestId: request.id, ip: request.ip, userAgent: request.headers['user-agent'] },
        );
      } catch (error) {
        return failed(request, reply, error);
      }
      reply.setCookie(SESSION_COOKIE, completed.sessionToken, {
        path: '/',
        httpOnly: true,
        sameSite: 'lax',
        secure: secureCookies,
        maxAge: sessionTtlHours * 3600,
      });
      reply.clearCookie(BROWSER_COOKIE, { path: BROWSER_COOKIE_PATH });
      return reply.redirect(completed.next, 303);
    },
  );
};
