import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { contextOf } from '../../platform/auth/actor.ts';
import { AppError } from '../../platform/http/errors.ts';
import { IdParams } from '../../platform/http/schemas.ts';
import { presentToken } from './identity.presenters.ts';
import { TokenCreateBody, TokenCreated, TokenV2 } from './identity.schemas.ts';
import type { IdentityRouteOptions } from './identity.routes.ts';

const tags = ['identity'];

/** `/api/v2/tokens`: personal API tokens. */
export const tokenRoutesV2: FastifyPluginAsyncTypebox<IdentityRouteOptions> = async (app, { identity }) => {
  app.get(
    '/tokens',
    {
      config: { permission: 'tokens:manage' },
      schema: { tags, summary: 'Your active API tokens.', response: { 200: Type.Array(TokenV2) } },
    },
    async (request) => (await identity.listTokens(contextOf(request).actor)).map(presentToken),
  );

  app.post(
    '/tokens',
    {
      config: { permission: 'tokens:manage', secretResponse: true },
      schema: {
        tags,
        summary: 'Create a personal API token; the secret is shown once.',
        body: TokenCreateBody,
        response: { 201: TokenCreated },
      },
    },
    async (request, reply) => {
      const expiresAt = request.body.expires_at ? new Date(request.body.expires_at) : undefined;
      if (expiresAt && expiresAt.getTime() <= Date.now()) {
        throw new AppError('VALIDATION_FAILED', 'invalid', 'Invalid input.', {
          fields: { expires_at: ['Must be in the future.'] },
        });
      }
      const { token, secret } = await identity.createToken(contextOf(request), {
        name: request.body.name,
        expiresAt,
      });
      return reply.code(201).send({ ...presentToken(token), token: secret });
    },
  );

  app.delete(
    '/tokens/:id',
    {
      config: { permission: 'tokens:manage' },
      schema: { tags, summary: 'Revoke a token.', params: IdParams },
    },
    async (request, reply) => {
      await identity.revokeToken(contextOf(request), request.params.id);
      return reply.code(204).send();
    },
  );
};
