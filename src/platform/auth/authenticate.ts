import type {} from '@fastify/cookie';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { AppError, commonErrors } from '../http/errors.ts';
import type { Actor } from './actor.ts';
import type { ApiKeyRateLimit } from './api-key-rate-limit.ts';
import {
  apiKeyOf,
  clientOf,
  credentialsInQuery,
  credentialsInQueryError,
  looksLikeJwt,
  type CredentialClient,
} from './credentials.ts';
import { verifyCsrf } from './csrf.ts';
import type { Policy } from './policy.ts';

export const SESSION_COOKIE = 'sessionid';
/** The JWT access token of a browser that logged in by token with `"cookies": true` (a Next.js frontend). */
export const ACCESS_TOKEN_COOKIE = 'opsdesk_access';

/** How credentials become an Actor; the identity module provides it. */
export interface Authenticator {
  fromSession(sessionToken: string): Promise<Actor | undefined>;
  fromToken(apiToken: string): Promise<Actor | undefined>;
  /** The actor of a valid JWT access token whose login is still live. */
  fromJwt(accessToken: string): Promise<Actor | undefined>;
  /** A service account's actor, limited to the key's scopes. */
  fromApiKey(apiKey: string, client: CredentialClient): Promise<Actor | undefined>;
  /** Told of every refused key or token: audits one that was revoked or expired. Never throws or delays. */
  refused(credential: string, client: CredentialClient): void;
  /** Revokes an API key or personal token that was sent where logs keep it (a URL). */
  leaked(credential: string, client: CredentialClient): Promise<void>;
}

/**
 * The credential a request was authenticated with, kept for connections that outlive
 * the request (realtime streams re-check it until they close).
 */
export type PresentedCredential =
  { kind: 'api_key' | 'token' | 'jwt' | 'session' | 'access_cookie'; secret: string } | undefined;

/** The actor `credential` stands for now (undefined once it was revoked, expired or its user deactivated). */
export function actorOf(
  authenticator: Authenticator,
  credential: NonNullable<PresentedCredential>,
  client: CredentialClient,
): Promise<Actor | undefined> {
  switch (credential.kind) {
    case 'api_key':
      return authenticator.fromApiKey(credential.secret, client);
    case 'token':
      return authenticator.fromToken(credential.secret);
    case 'session':
      return authenticator.fromSession(credential.secret);
    case 'jwt':
    case 'access_cookie':
      return authenticator.fromJwt(credential.secret);
  }
}

declare module 'fastify' {
  interface FastifyRequest {
    actor: Actor | undefined;
    credential: PresentedCredential;
  }
  interface FastifyContextConfig {
    /**
     * Anyone may call it. Every other route needs an authenticated actor. A public route
     * does no credential work at all (`request.actor` stays undefined) unless it also
     * sets `resolveActor`.
     */
    public?: boolean;
    /** On a public route: resolve the caller when credentials come with the request (logout). */
    resolveActor?: boolean;
    /** The permission the actor needs (see `<module>.policy.ts`). */
    permission?: string;
    /** Check CSRF even without a session (login: prevents login CSRF). */
    csrf?: boolean;
  }
}

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

function bearerToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (!header) return undefined;
  const match = /^(Token|Bearer)\s+(\S+)$/i.exec(header.trim());
  if (!match?.[2])
    throw new AppError(
      'INVALID_AUTH_HEADER',
      'unauthenticated',
      'Invalid token header. Use "Token <key>" or "Bearer <key>".',
    );
  return match[2];
}

/**
 * Authenticates every request to a non-public route (API key, API token, JWT access
 * token, session cookie or access-token cookie), enforces CSRF on cookie writes, and checks the route's declared permission
 * (narrowed by an API key's scopes: policy.ts). An API key is never taken from the
 * query string: a request carrying one there is refused, and the key revoked. Public
 * routes skip credentials entirely, so a browser's cookie costs a health check nothing;
 * CSRF is still checked where they ask for it (`config.csrf`: login). Routes declare
 * `config.public` or `config.permission`; boot fails for an /api route that
 * declares neither, so no endpoint is open by omission.
 */
export const authenticationPlugin = fp(
  (
    app: FastifyInstance,
    options: {
      authenticator: Authenticator;
      policy: Policy;
      allowedOrigins: readonly string[];
      apiKeyRateLimit: ApiKeyRateLimit;
    },
  ) => {
    const { authenticator, policy, allowedOrigins, apiKeyRateLimit } = options;
    app.decorateRequest('actor', undefined);
    app.decorateRequest('credential', undefined);

    app.addHook('onRoute', (route) => {
      if (!route.url.startsWith('/api') || route.method === 'HEAD') return;
      const config = route.config;
      if (!config?.public && !config?.permission) {
        throw new Error(
          `Route ${String(route.method)} ${route.url} declares neither config.public nor config.permission`,
        );
      }
      if (config.permission && !policy.has(config.permission)) {
        throw new Error(
          `Route ${String(route.method)} ${route.url} needs unknown permission ${config.permission}`,
        );
      }
    });

    app.addHook('onRequest', async (request, reply) => {
      const inQuery = credentialsInQuery(request);
      if (inQuery.found) {
        for (const secret of inQuery.opsdeskSecrets) {
          await authenticator.leaked(secret, clientOf(request)).catch((error: unknown) => {
            request.log.error({ err: error }, 'could not revoke a credential sent in a URL');
          });
        }
        throw credentialsInQueryError();
      }
      const config = request.routeOptions.config;
      if (request.is404) return;
      if (config.public && !config.resolveActor) {
        if (UNSAFE.has(request.method) && config.csrf) verifyCsrf(request, allowedOrigins);
        return;
      }
      const apiKey = apiKeyOf(request);
      const token = apiKey ? undefined : bearerToken(request);
      if (apiKey) {
        // No CSRF check: a browser never adds this header on its own, so no cookie is involved.
        request.actor = await authenticator.fromApiKey(apiKey, clientOf(request));
        request.credential = { kind: 'api_key', secret: apiKey };
        if (!request.actor) {
          authenticator.refused(apiKey, clientOf(request));
          throw new AppError('INVALID_API_KEY', 'unauthenticated', 'Invalid API key.');
        }
        await apiKeyRateLimit(request, reply);
      } else if (token) {
        const jwt = looksLikeJwt(token);
        request.actor = jwt ? await authenticator.fromJwt(token) : await authenticator.fromToken(token);
        request.credential = { kind: jwt ? 'jwt' : 'token', secret: token };
        if (!request.actor) {
          if (!jwt) authenticator.refused(token, clientOf(request));
          throw new AppError('INVALID_TOKEN', 'unauthenticated', 'Invalid token.');
        }
      } else {
        // Cookies come with every request the browser makes, whoever caused it: CSRF applies to both.
        const session = request.cookies[SESSION_COOKIE];
        const accessToken = request.cookies[ACCESS_TOKEN_COOKIE];
        if (session) {
          request.actor = await authenticator.fromSession(session);
          request.credential = { kind: 'session', secret: session };
        }
        if (!request.actor && accessToken) {
          request.actor = await authenticator.fromJwt(accessToken);
          request.credential = { kind: 'access_cookie', secret: accessToken };
        }
        if (UNSAFE.has(request.method) && (request.actor || config.csrf)) verifyCsrf(request, allowedOrigins);
      }
      if (config.public) return;
      if (!request.actor) throw commonErrors.NOT_AUTHENTICATED();
      if (config.permission && !policy.can(request.actor, config.permission))
        throw commonErrors.PERMISSION_DENIED();
    });
  },
  { name: 'opsdesk-authentication', dependencies: ['@fastify/cookie'] },
);
