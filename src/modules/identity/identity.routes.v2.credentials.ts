import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { contextOf } from '../../platform/auth/actor.ts';
import { IdParams } from '../../platform/http/schemas.ts';
import { presentSession, presentToken } from './identity.presenters.ts';
import type { IdentityRouteOptions } from './identity.routes.ts';
import {
  SessionParams,
  SessionsEnded,
  SessionV2,
  UserSessionParams,
  UserTokenParams,
} from './identity.schemas.account.ts';
import { TokenV2 } from './identity.schemas.ts';

const tags = ['identity'];
const own = { permission: 'account:manage' };
const anyone = { permission: 'credentials:manage' };
const noContent = { 204: Type.Null({ description: 'Done; no body.' }) };

/**
 * Sessions and tokens: `/me/sessions` for one's own, `/users/:id/sessions|tokens` and
 * `/users/:id/unlock` for administrators. Whatever ends here stops working in every
 * process before the answer is sent.
 */
export const credentialRoutesV2: FastifyPluginAsyncTypebox<IdentityRouteOptions> = async (
  app,
  { identity },
) => {
  app.get(
    '/me/sessions',
    {
      config: own,
      schema: {
        tags,
        summary: 'Your live sessions; `current` is this one.',
        response: { 200: Type.Array(SessionV2) },
      },
    },
    async (request) => {
      const { actor } = contextOf(request);
      return (await identity.listSessions(actor, actor.userId)).map(presentSession);
    },
  );

  app.delete(
    '/me/sessions/:id',
    {
      config: own,
      schema: {
        tags,
        summary: 'End one of your sessions (this one too).',
        params: SessionParams,
        response: noContent,
      },
    },
    async (request, reply) => {
      const ctx = contextOf(request);
      await identity.endSession(ctx, ctx.actor.userId, request.params.id);
      return reply.code(204).send(null);
    },
  );

  app.delete(
    '/me/sessions',
    {
      config: own,
      schema: { tags, summary: 'End all your sessions but this one.', response: { 200: SessionsEnded } },
    },
    async (request) => {
      const ctx = contextOf(request);
      return { ended: await identity.endOtherSessions(ctx, ctx.actor.userId) };
    },
  );

  app.get(
    '/users/:id/sessions',
    {
      config: anyone,
      schema: {
        tags,
        summary: "A user's live sessions (administrators).",
        params: IdParams,
        response: { 200: Type.Array(SessionV2) },
      },
    },
    async (request) =>
      (await identity.listSessions(contextOf(request).actor, request.params.id)).map(presentSession),
  );

  app.delete(
    '/users/:id/sessions/:sessionId',
    {
      config: anyone,
      schema: {
        tags,
        summary: "End one of a user's sessions (administrators).",
        params: UserSessionParams,
        response: noContent,
      },
    },
    async (request, reply) => {
      await identity.endSession(contextOf(request), request.params.id, request.params.sessionId);
      return reply.code(204).send(null);
    },
  );

  app.delete(
    '/users/:id/sessions',
    {
      config: anyone,
      schema: {
        tags,
        summary: "End all of a user's sessions (administrators).",
        params: IdParams,
        response: { 200: SessionsEnded },
      },
    },
    async (request) => ({ ended: await identity.endOtherSessions(contextOf(request), request.params.id) }),
  );

  app.get(
    '/users/:id/tokens',
    {
      config: anyone,
      schema: {
        tags,
        summary: "A user's live API tokens (administrators).",
        params: IdParams,
        response: { 200: Type.Array(TokenV2) },
      },
    },
    async (request) => (await identity.tokensOfUser(request.params.id)).map(presentToken),
  );

  app.delete(
    '/users/:id/tokens/:tokenId',
    {
      config: anyone,
      schema: {
        tags,
        summary: "Revoke one of a user's API tokens (administrators).",
        params: UserTokenParams,
        response: noContent,
      },
    },
    async (request, reply) => {
      await identity.revokeTokenOfUser(contextOf(request), request.params.id, request.params.tokenId);
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/users/:id/unlock',
    {
      config: anyone,
      schema: {
        tags,
        summary: "Lift a user's login lockout and forget their failed attempts (administrators).",
        params: IdParams,
        response: noContent,
      },
    },
    async (request, reply) => {
      await identity.unlockUser(contextOf(request), request.params.id);
      return reply.code(204).send(null);
    },
  );
};
