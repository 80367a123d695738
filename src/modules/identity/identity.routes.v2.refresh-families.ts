import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { contextOf } from '../../platform/auth/actor.ts';
import { IdParams } from '../../platform/http/schemas.ts';
import { presentRefreshFamily } from './identity.presenters.ts';
import type { IdentityRouteOptions } from './identity.routes.ts';
import { SessionParams } from './identity.schemas.account.ts';
import { RefreshFamilyV2 } from './identity.schemas.jwt.ts';

const tags = ['identity'];
const noContent = { 204: Type.Null({ description: 'Done; no body.' }) };
const FamilyParams = Type.Composite([IdParams, Type.Object({ familyId: Type.Integer({ minimum: 1 }) })]);

/**
 * Logins by token (refresh-token families) beside the sessions of
 * identity.routes.v2.credentials.ts: `/me/token-logins` for one's own,
 * `/users/:id/token-logins` for administrators. Ending one revokes its refresh tokens and
 * its access tokens in every process before the answer is sent. `DELETE /me/sessions`
 * ends the other logins by token too.
 */
export const refreshFamilyRoutesV2: FastifyPluginAsyncTypebox<IdentityRouteOptions> = async (
  app,
  { identity },
) => {
  app.get(
    '/me/token-logins',
    {
      config: { permission: 'account:manage' },
      schema: {
        tags,
        summary: 'Your live logins by token (refresh-token families); `current` is this one.',
        response: { 200: Type.Array(RefreshFamilyV2) },
      },
    },
    async (request) => {
      const { actor } = contextOf(request);
      return (await identity.refreshTokens.listFamilies(actor, actor.userId)).map(presentRefreshFamily);
    },
  );

  app.delete(
    '/me/token-logins/:id',
    {
      config: { permission: 'account:manage' },
      schema: {
        tags,
        summary: 'End one of your logins by token: its refresh and access tokens stop working.',
        params: SessionParams,
        response: noContent,
      },
    },
    async (request, reply) => {
      const ctx = contextOf(request);
      await identity.refreshTokens.endFamily(ctx, ctx.actor.userId, request.params.id);
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/users/:id/token-logins',
    {
      config: { permission: 'credentials:manage' },
      schema: {
        tags,
        summary: "A user's live logins by token (administrators).",
        params: IdParams,
        response: { 200: Type.Array(RefreshFamilyV2) },
      },
    },
    async (request) =>
      (await identity.refreshTokens.listFamilies(contextOf(request).actor, request.params.id)).map(
        presentRefreshFamily,
      ),
  );

  app.delete(
    '/users/:id/token-logins/:familyId',
    {
      config: { permission: 'credentials:manage' },
      schema: {
        tags,
        summary: "End one of a user's logins by token (administrators).",
        params: FamilyParams,
        response: noContent,
      },
    },
    async (request, reply) => {
      await identity.refreshTokens.endFamily(contextOf(request), request.params.id, request.params.familyId);
      return reply.code(204).send(null);
    },
  );
};
