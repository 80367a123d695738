import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyReply } from 'fastify';
import { contextOf } from '../../platform/auth/actor.ts';
import { expectedVersion, setEtag, withVersionCheck } from '../../platform/http/etag.ts';
import { definedOnly, IdParams } from '../../platform/http/schemas.ts';
import { presentIdentity, presentProvider } from './identity.oidc.presenters.ts';
import type { ProviderInput } from './identity.oidc.providers.ts';
import {
  IdentityParams,
  OidcProviderCreateBody,
  OidcProviderUpdateBody,
  OidcProviderV2,
  UserIdentityV2,
} from './identity.oidc.schemas.ts';
import type { OidcProvider } from './identity.oidc.tables.ts';
import type { IdentityRouteOptions } from './identity.routes.ts';

const tags = ['identity'];
const config = { permission: 'oidc-providers:manage' };

function providerInput(body: OidcProviderUpdateBody): ProviderInput {
  return definedOnly({
    slug: body.slug,
    name: body.name,
    issuer: body.issuer,
    clientId: body.client_id,
    clientSecret: body.client_secret,
    scopes: body.scopes,
    enabled: body.enabled,
    allowedEmails: body.allowed_emails,
    provisionUsers: body.provision_users,
    provisionRole: body.provision_role,
  });
}

/** `/api/v2/oidc-providers`: the identity providers of single sign-on, for admins. */
export const oidcProviderRoutesV2: FastifyPluginAsyncTypebox<IdentityRouteOptions> = async (
  app,
  { identity },
) => {
  const { oidc } = identity;
  const present = (provider: OidcProvider) => presentProvider(provider, oidc.redirectUri(provider.slug));
  const send = (reply: FastifyReply, provider: OidcProvider) => {
    setEtag(reply, provider.version);
    return present(provider);
  };

  app.get(
    '/oidc-providers',
    {
      config,
      schema: {
        tags,
        summary: 'The OIDC identity providers.',
        response: { 200: Type.Array(OidcProviderV2) },
      },
    },
    async () => (await oidc.listProviders()).map(present),
  );

  app.get(
    '/oidc-providers/:id',
    {
      config,
      schema: {
        tags,
        summary: 'One OIDC identity provider.',
        params: IdParams,
        response: { 200: OidcProviderV2 },
      },
    },
    async (request, reply) => send(reply, await oidc.getProvider(request.params.id)),
  );

  app.post(
    '/oidc-providers',
    {
      config,
      schema: {
        tags,
        summary: 'Add an OIDC identity provider; the client secret is stored sealed and never shown again.',
        body: OidcProviderCreateBody,
        response: { 201: OidcProviderV2 },
      },
    },
    async (request, reply) => {
      const { slug, name, issuer, client_id: clientId } = request.body;
      const provider = await oidc.createProvider(contextOf(request), {
        ...providerInput(request.body),
        slug,
        name,
        issuer,
        clientId,
      });
      reply.header('location', `/api/v2/oidc-providers/${provider.id}`);
      return reply.code(201).send(send(reply, provider));
    },
  );

  app.patch(
    '/oidc-providers/:id',
    {
      config,
      schema: {
        tags,
        summary: 'Change an OIDC identity provider; requires If-Match.',
        params: IdParams,
        body: OidcProviderUpdateBody,
        response: { 200: OidcProviderV2 },
      },
    },
    async (request, reply) => {
      const version = expectedVersion(request, 'v2');
      const provider = await withVersionCheck('v2', present, () =>
        oidc.updateProvider(contextOf(request), request.params.id, providerInput(request.body), version),
      );
      return send(reply, provider);
    },
  );

  app.delete(
    '/oidc-providers/:id',
    {
      config,
      schema: {
        tags,
        summary: 'Remove an OIDC identity provider with its account links.',
        params: IdParams,
        response: { 204: Type.Null({ description: 'Deleted.' }) },
      },
    },
    async (request, reply) => {
      await oidc.deleteProvider(contextOf(request), request.params.id);
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/oidc-providers/:id/identities',
    {
      config,
      schema: {
        tags,
        summary: 'The provider accounts linked to Opsdesk users.',
        params: IdParams,
        response: { 200: Type.Array(UserIdentityV2) },
      },
    },
    async (request) => (await oidc.listIdentities(request.params.id)).map(presentIdentity),
  );

  app.delete(
    '/oidc-providers/:id/identities/:identityId',
    {
      config,
      schema: {
        tags,
        summary: 'Unlink a provider account from its Opsdesk user.',
        params: IdentityParams,
        response: { 204: Type.Null({ description: 'Deleted.' }) },
      },
    },
    async (request, reply) => {
      await oidc.unlinkIdentity(contextOf(request), request.params.id, request.params.identityId);
      return reply.code(204).send(null);
    },
  );
};
