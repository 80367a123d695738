import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { contextOf } from '../../platform/auth/actor.ts';
import { setEtag } from '../../platform/http/etag.ts';
import { IdParams } from '../../platform/http/schemas.ts';
import { presentApiKey, presentServiceAccount } from './identity.presenters.service-accounts.ts';
import {
  ApiKeyCreateBody,
  ApiKeyCreated,
  ApiKeyV2,
  ServiceAccountCreateBody,
  ServiceAccountKeyParams,
  ServiceAccountV2,
} from './identity.schemas.service-accounts.ts';
import type { IdentityRouteOptions } from './identity.routes.ts';

const tags = ['identity'];
const config = { permission: 'service-accounts:manage' };

/** `/api/v2/service-accounts`: non-human principals and their API keys (admins). */
export const serviceAccountRoutesV2: FastifyPluginAsyncTypebox<IdentityRouteOptions> = async (
  app,
  { identity },
) => {
  app.get(
    '/service-accounts',
    {
      config,
      schema: { tags, summary: 'Every service account.', response: { 200: Type.Array(ServiceAccountV2) } },
    },
    async () => (await identity.listServiceAccounts()).map(presentServiceAccount),
  );

  app.post(
    '/service-accounts',
    {
      config,
      schema: {
        tags,
        summary: 'Create a service account: a principal that authenticates only by API key.',
        body: ServiceAccountCreateBody,
        response: { 201: ServiceAccountV2 },
      },
    },
    async (request, reply) => {
      const account = await identity.createServiceAccount(contextOf(request), {
        name: request.body.name,
        description: request.body.description,
        role: request.body.role,
        departmentId: request.body.department_id,
      });
      setEtag(reply, account.user.version);
      reply.header('location', `/api/v2/service-accounts/${account.user.id}`);
      return reply.code(201).send(presentServiceAccount(account));
    },
  );

  app.get(
    '/service-accounts/:id',
    {
      config,
      schema: { tags, summary: 'A service account.', params: IdParams, response: { 200: ServiceAccountV2 } },
    },
    async (request, reply) => {
      const account = await identity.getServiceAccount(request.params.id);
      setEtag(reply, account.user.version);
      return presentServiceAccount(account);
    },
  );

  app.post(
    '/service-accounts/:id/deactivate',
    {
      config,
      schema: {
        tags,
        summary: 'Deactivate a service account and revoke all its keys, at once in every process.',
        params: IdParams,
        response: { 200: ServiceAccountV2 },
      },
    },
    async (request, reply) => {
      const account = await identity.deactivateServiceAccount(contextOf(request), request.params.id);
      setEtag(reply, account.user.version);
      return presentServiceAccount(account);
    },
  );

  app.get(
    '/service-accounts/:id/keys',
    {
      config,
      schema: {
        tags,
        summary: "The account's keys that are not revoked (never their secrets).",
        params: IdParams,
        response: { 200: Type.Array(ApiKeyV2) },
      },
    },
    async (request) => (await identity.listApiKeys(request.params.id)).map(presentApiKey),
  );

  app.post(
    '/service-accounts/:id/keys',
    {
      config: { ...config, secretResponse: true },
      schema: {
        tags,
        summary: 'Create an API key limited to scopes; the secret is shown once.',
        params: IdParams,
        body: ApiKeyCreateBody,
        response: { 201: ApiKeyCreated },
      },
    },
    async (request, reply) => {
      const { body } = request;
      const { key, secret } = await identity.createApiKey(contextOf(request), request.params.id, {
        name: body.name,
        scopes: body.scopes,
        expiresAt: body.expires_at ? new Date(body.expires_at) : undefined,
        rateLimitPerMinute: body.rate_limit_per_minute,
      });
      return reply.code(201).send({ ...presentApiKey(key), key: secret });
    },
  );

  app.delete(
    '/service-accounts/:id/keys/:keyId',
    {
      config,
      schema: {
        tags,
        summary: 'Revoke a key: refused by every process before this returns.',
        params: ServiceAccountKeyParams,
        response: { 204: Type.Null({ description: 'Revoked.' }) },
      },
    },
    async (request, reply) => {
      await identity.revokeApiKey(contextOf(request), request.params.id, request.params.keyId);
      return reply.code(204).send(null);
    },
  );
};
