import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { IdentityService } from './identity.service.ts';
import { Jwks } from './identity.schemas.jwt.ts';

/**
 * Long enough that verifiers (Next.js middleware with jose's createRemoteJWKSet) do not
 * fetch on every request, short against the overlap a retired key is published for.
 * An unknown kid makes jose refetch at once anyway, so a new key is found.
 */
const JWKS_MAX_AGE_SECONDS = 300;

/** `GET /.well-known/jwks.json`: the public keys JWT access tokens are verified with (RFC 7517). */
export const identityRoutesRoot: FastifyPluginAsyncTypebox<{ identity: IdentityService }> = async (
  app,
  { identity },
) => {
  app.get(
    '/.well-known/jwks.json',
    {
      config: { public: true },
      schema: {
        tags: ['auth'],
        // At the origin's root, documented in v2 with the token flow it serves.
        operationId: 'v2.auth.jwks',
        summary: 'The public keys of JWT access tokens: the current one and those still in their overlap.',
        response: { 200: Jwks },
      },
    },
    async (_request, reply) => {
      reply.header('cache-control', `public, max-age=${JWKS_MAX_AGE_SECONDS}`);
      return identity.signingKeys.jwks();
    },
  );
};
