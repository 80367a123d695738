import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { contextOf } from '../../platform/auth/actor.ts';
import { presentComment } from './tickets.presenters.ts';
import type { TicketsRouteOptions } from './tickets.routes.ts';
import {
  CommentBody,
  CommentParams,
  CommentV2,
  TicketParams,
  WatcherBody,
  WatcherParams,
} from './tickets.schemas.ts';

const tags = ['tickets'];

/** `/api/v2/tickets/:id/comments|watchers`: the conversation on a ticket and who follows it. */
export const ticketDiscussionRoutesV2: FastifyPluginAsyncTypebox<TicketsRouteOptions> = async (
  app,
  { tickets },
) => {
  app.get(
    '/tickets/:id/comments',
    {
      config: { permission: 'tickets:read' },
      schema: { tags, params: TicketParams, response: { 200: Type.Array(CommentV2) } },
    },
    async (request) =>
      (await tickets.comments(contextOf(request).actor, request.params.id)).map(({ comment, author }) =>
        presentComment(comment, author),
      ),
  );

  app.post(
    '/tickets/:id/comments',
    {
      config: { permission: 'tickets:read' },
      schema: {
        tags,
        summary: 'Comment; internal notes (staff only) are hidden from viewers.',
        params: TicketParams,
        body: CommentBody,
        response: { 201: CommentV2 },
      },
    },
    async (request, reply) => {
      const { comment, author } = await tickets.addComment(
        contextOf(request),
        request.params.id,
        request.body,
      );
      return reply.code(201).send(presentComment(comment, author));
    },
  );

  app.delete(
    '/tickets/:id/comments/:commentId',
    { config: { permission: 'tickets:read' }, schema: { tags, params: CommentParams } },
    async (request, reply) => {
      await tickets.removeComment(contextOf(request), request.params.id, request.params.commentId);
      return reply.code(204).send();
    },
  );

  app.get(
    '/tickets/:id/watchers',
    {
      config: { permission: 'tickets:read' },
      schema: {
        tags,
        params: TicketParams,
        response: { 200: Type.Array(Type.Object({ id: Type.Integer(), username: Type.String() })) },
      },
    },
    async (request) =>
      (await tickets.watchers(contextOf(request).actor, request.params.id)).map((person) => ({
        id: person.user.id,
        username: person.user.username,
      })),
  );

  app.post(
    '/tickets/:id/watchers',
    {
      config: { permission: 'tickets:read' },
      schema: {
        tags,
        summary: 'Watch the ticket (yourself, or user_id when you work it).',
        params: TicketParams,
        body: WatcherBody,
      },
    },
    async (request, reply) => {
      await tickets.watch(contextOf(request), request.params.id, request.body.user_id);
      return reply.code(204).send();
    },
  );

  app.delete(
    '/tickets/:id/watchers/:userId',
    { config: { permission: 'tickets:read' }, schema: { tags, params: WatcherParams } },
    async (request, reply) => {
      await tickets.unwatch(contextOf(request), request.params.id, request.params.userId);
      return reply.code(204).send();
    },
  );
};
