import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { contextOf } from '../../platform/auth/actor.ts';
import { contentDisposition } from '../../platform/files/index.ts';
import { receiveFile } from '../../platform/http/uploads.ts';
import { presentAttachment } from './tickets.presenters.ts';
import type { TicketsRouteOptions } from './tickets.routes.ts';
import { AttachmentParams, AttachmentV2, DownloadLink, TicketParams } from './tickets.schemas.ts';

const tags = ['tickets'];

/** `/api/v2/tickets/:id/attachments` and the signed download links of `/api/v2/files/:token`. */
export const ticketAttachmentRoutesV2: FastifyPluginAsyncTypebox<TicketsRouteOptions> = async (
  app,
  { attachments },
) => {
  app.get(
    '/tickets/:id/attachments',
    {
      config: { permission: 'tickets:read', upload: true },
      schema: { tags, params: TicketParams, response: { 200: Type.Array(AttachmentV2) } },
    },
    async (request) =>
      (await attachments.list(contextOf(request).actor, request.params.id)).map(presentAttachment),
  );

  app.post(
    '/tickets/:id/attachments',
    {
      config: { permission: 'tickets:read', upload: true },
      schema: {
        tags,
        summary: 'Upload one file (multipart/form-data, field "file"). Its type is read from its bytes.',
        params: TicketParams,
        response: { 201: AttachmentV2 },
      },
    },
    async (request, reply) => {
      const attachment = await attachments.add(
        contextOf(request),
        request.params.id,
        await receiveFile(request),
      );
      return reply.code(201).send(presentAttachment(attachment));
    },
  );

  app.post(
    '/tickets/:id/attachments/:attachmentId/link',
    {
      config: { permission: 'tickets:read' },
      schema: {
        tags,
        summary: 'A short-lived signed download URL.',
        params: AttachmentParams,
        response: { 200: DownloadLink },
      },
    },
    async (request) => {
      const { token, expiresAt } = await attachments.link(
        contextOf(request).actor,
        request.params.id,
        request.params.attachmentId,
      );
      return { url: `/api/v2/files/${token}`, expires_at: expiresAt.toISOString() };
    },
  );

  app.delete(
    '/tickets/:id/attachments/:attachmentId',
    { config: { permission: 'tickets:read' }, schema: { tags, params: AttachmentParams } },
    async (request, reply) => {
      await attachments.remove(contextOf(request), request.params.id, request.params.attachmentId);
      return reply.code(204).send();
    },
  );

  app.get(
    '/files/:token',
    {
      config: { public: true },
      schema: {
        tags,
        summary: 'Download through a signed link (the link is the authorisation).',
        params: Type.Object({ token: Type.String({ maxLength: 4000 }) }),
      },
    },
    async (request, reply) => {
      const { attachment, stream } = await attachments.open(request.params.token);
      reply.header('content-disposition', contentDisposition(attachment.filename));
      reply.header('cache-control', 'private, no-store');
      reply.header('x-content-type-options', 'nosniff');
      return reply.type(attachment.contentType).send(stream);
    },
  );
};
