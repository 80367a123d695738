import type {} from '@fastify/multipart';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { contextOf } from '../../platform/auth/actor.ts';
import { contentDisposition } from '../../platform/files/index.ts';
import { AppError, fieldError } from '../../platform/http/errors.ts';
import { expectedVersion, setEtag, withVersionCheck } from '../../platform/http/etag.ts';
import { sendList } from '../../platform/http/negotiation.ts';
import { NUL, nullCharacterError } from '../../platform/http/null-characters.ts';
import { v1PageSchema, v2PageSchema } from '../../platform/http/pagination.ts';
import { listQuerySchema, parseListQuery, refineFilters } from '../../platform/http/query.ts';
import { definedOnly, IdParams, relationId } from '../../platform/http/schemas.ts';
import { ticketList, incidentTypeList, categoryList } from './tickets.repository.ts';
import {
  PRIORITY_LABELS,
  presentAttachment,
  presentCategory,
  presentComment,
  presentHistoryEntry,
  presentIncidentTicketV1,
  presentIncidentTypeV1,
  presentServiceTicketV1,
  presentTicketV2,
  STATUS_LABELS,
} from './tickets.presenters.ts';
import {
  AttachmentV2,
  BulkBody,
  BulkResult,
  CategoryBody,
  CategoryV2,
  CommentBody,
  CommentV2,
  DownloadLink,
  HistoryEntry,
  IncidentTicketV1,
  IncidentTypeBody,
  IncidentTypeCreateBody,
  IncidentTypeUpdateBody,
  IncidentTypeV1,
  ServiceTicketV1,
  TicketCreateBody,
  TicketUpdateBody,
  TicketV1Body,
  TicketV2,
  WatcherBody,
} from './tickets.schemas.ts';
import type { TicketAttachmentsService } from './tickets.attachments.ts';
import type { TicketReferenceService } from './tickets.reference.ts';
import type { TicketInput, TicketsService, TicketView } from './tickets.service.ts';
import {
  PRIORITIES,
  TICKET_STATUSES,
  type Priority,
  type TicketKind,
  type TicketStatus,
} from './tickets.tables.ts';

export interface TicketsRouteOptions {
  tickets: TicketsService;
  reference: TicketReferenceService;
  attachments: TicketAttachmentsService;
}

const tags = ['tickets'];

/** Reads a label ("In Progress") or code ("in_progress") into the stored code. */
function fromLabel<T extends string>(
  field: string,
  raw: string | undefined,
  codes: readonly T[],
  labels: Record<T, string>,
): T | undefined {
  if (raw === undefined) return undefined;
  const normalised = raw
    .trim()
    .toLowerCase()
    .replace(/[\s-]+/g, '_');
  const code = codes.find(
    (candidate) => candidate === normalised || labels[candidate].toLowerCase() === raw.trim().toLowerCase(),
  );
  if (!code)
    throw fieldError(
      field,
      `"${raw}" is not a valid choice; expected one of: ${codes.map((c) => labels[c]).join(', ')}.`,
    );
  return code;
}

/** v1 list filters speak labels; the rest of the list definition is shared with v2. */
const v1TicketList = refineFilters(ticketList, {
  status: {
    values: undefined,
    toColumn: (value) => fromLabel('status', value, TICKET_STATUSES, STATUS_LABELS),
  },
  priority: {
    values: undefined,
    toColumn: (value) => fromLabel('priority', value, PRIORITIES, PRIORITY_LABELS),
  },
});

function v1Input(kind: TicketKind, body: TicketV1Body): TicketInput {
  const pick = (...values: unknown[]) => {
    for (const value of values) if (value !== undefined) return relationId(value);
    return undefined;
  };
  return definedOnly<TicketInput>({
    title: body.title,
    description: body.description === null ? '' : body.description,
    status: fromLabel('status', body.status, TICKET_STATUSES, STATUS_LABELS),
    priority: fromLabel('priority', body.priority, PRIORITIES, PRIORITY_LABELS),
    incidentTypeId: kind === 'incident' ? pick(body.incident_type_id, body.incident_type) : undefined,
    reporterId:
      kind === 'incident'
        ? pick(body.reporter_id, body.reporter)
        : pick(body.requested_by_id, body.requested_by),
    assigneeId: pick(body.assignee_id, body.assignee),
    facilityId: pick(body.facility_id, body.facility),
    serviceType: kind === 'service' ? body.service_type : undefined,
    dueDate: kind === 'service' ? body.due_date : undefined,
  });
}

function v2Input(body: Partial<typeof TicketUpdateBody.static>): TicketInput {
  return definedOnly<TicketInput>({
    title: body.title,
    description: body.description,
    status: body.status as TicketStatus | undefined,
    priority: body.priority as Priority | undefined,
    incidentTypeId: body.incident_type_id,
    categoryId: body.category_id,
    subcategoryId: body.subcategory_id,
    serviceType: body.service_type,
    departmentId: body.department_id,
    facilityId: body.facility_id,
    reporterId: body.reporter_id,
    assigneeId: body.assignee_id,
    dueDate: body.due_date,
  });
}

/** The BMS endpoints: `incident-tickets` and `service-tickets` are views of one ticket model, by kind. */
function v1TicketRoutes(kind: TicketKind, path: string): FastifyPluginAsyncTypebox<TicketsRouteOptions> {
  const Schema = kind === 'incident' ? IncidentTicketV1 : ServiceTicketV1;
  const present = (view: TicketView) =>
    kind === 'incident' ? presentIncidentTicketV1(view) : presentServiceTicketV1(view);
  return async (app, { tickets }) => {
    app.get(
      `/${path}/`,
      {
        config: { permission: 'tickets:read' },
        schema: {
          tags,
          querystring: listQuerySchema(v1TicketList, 'v1'),
          response: { 200: v1PageSchema(Schema) },
        },
      },
      (request, reply) => {
        const { actor } = contextOf(request);
        const params = parseListQuery(v1TicketList, request.query, 'v1');
        params.filters.kind = [kind];
        return sendList(request, reply, {
          page: () => tickets.list(actor, params),
          all: () => tickets.all(actor, params),
          present,
          item: Schema,
          filename: path,
        });
      },
    );

    app.get(
      `/${path}/:id/`,
      {
        config: { permission: 'tickets:read' },
        schema: { tags, params: IdParams, response: { 200: Schema } },
      },
      async (request) => present(await tickets.get(contextOf(request).actor, request.params.id, kind)),
    );

    app.post(
      `/${path}/`,
      {
        config: { permission: 'tickets:create' },
        schema: { tags, body: TicketV1Body, response: { 201: Schema } },
      },
      async (request, reply) => {
        const input = v1Input(kind, request.body);
        if (!input.title) throw fieldError('title', 'This field is required.');
        const view = await tickets.create(contextOf(request), kind, { ...input, title: input.title });
        return reply.code(201).send(present(view));
      },
    );

    const update = async (request: FastifyRequest<{ Params: { id: number }; Body: TicketV1Body }>) => {
      const version = expectedVersion(request, 'v1', request.body.version);
      const view = await withVersionCheck('v1', present, () =>
        tickets.update(contextOf(request), request.params.id, v1Input(kind, request.body), {
          kind,
          expectedVersion: version,
        }),
      );
      return present(view);
    };
    for (const method of ['PATCH', 'PUT'] as const) {
      app.route({
        method,
        url: `/${path}/:id/`,
        config: { permission: 'tickets:read' },
        schema: { tags, params: IdParams, body: TicketV1Body, response: { 200: Schema } },
        handler: update,
      });
    }

    app.delete(
      `/${path}/:id/`,
      { config: { permission: 'tickets:manage' }, schema: { tags, params: IdParams } },
      async (request, reply) => {
        await tickets.remove(contextOf(request), request.params.id, { kind });
        return reply.code(204).send();
      },
    );
  };
}

export const ticketsRoutesV1: FastifyPluginAsyncTypebox<TicketsRouteOptions> = async (app, options) => {
  const { reference } = options;
  await app.register(v1TicketRoutes('incident', 'incident-tickets'), options);
  await app.register(v1TicketRoutes('service', 'service-tickets'), options);

  app.get(
    '/incident-types/',
    {
      config: { permission: 'ticket-types:read' },
      schema: {
        tags,
        querystring: listQuerySchema(incidentTypeList, 'v1'),
        response: { 200: v1PageSchema(IncidentTypeV1) },
      },
    },
    (request, reply) => {
      const params = parseListQuery(incidentTypeList, request.query, 'v1');
      return sendList(request, reply, {
        page: () => reference.listIncidentTypes(params),
        all: () => reference.allIncidentTypes(params),
        present: presentIncidentTypeV1,
        item: IncidentTypeV1,
        filename: 'incident-types',
      });
    },
  );

  app.get(
    '/incident-types/:id/',
    {
      config: { permission: 'ticket-types:read' },
      schema: { tags, params: IdParams, response: { 200: IncidentTypeV1 } },
    },
    async (request) => presentIncidentTypeV1(await reference.incidentType(request.params.id)),
  );

  app.post(
    '/incident-types/',
    {
      config: { permission: 'ticket-types:write' },
      schema: { tags, body: IncidentTypeBody, response: { 201: IncidentTypeV1 } },
    },
    async (request, reply) => {
      const { name, description, severity_level: severityLevel } = request.body;
      if (!name) throw fieldError('name', 'This field is required.');
      const created = await reference.createIncidentType(
        contextOf(request),
        definedOnly({ name, description, severityLevel }) as { name: string },
      );
      return reply.code(201).send(presentIncidentTypeV1(created));
    },
  );

  for (const method of ['PATCH', 'PUT'] as const) {
    app.route({
      method,
      url: '/incident-types/:id/',
      config: { permission: 'ticket-types:write' },
      schema: { tags, params: IdParams, body: IncidentTypeBody, response: { 200: IncidentTypeV1 } },
      handler: async (request: FastifyRequest<{ Params: { id: number }; Body: IncidentTypeBody }>) => {
        const { name, description, severity_level: severityLevel, version } = request.body;
        const updated = await withVersionCheck('v1', presentIncidentTypeV1, () =>
          reference.updateIncidentType(
            contextOf(request),
            request.params.id,
            definedOnly({ name, description, severityLevel }),
            expectedVersion(request, 'v1', version),
          ),
        );
        return presentIncidentTypeV1(updated);
      },
    });
  }

  app.delete(
    '/incident-types/:id/',
    { config: { permission: 'ticket-types:write' }, schema: { tags, params: IdParams } },
    async (request, reply) => {
      await reference.deleteIncidentType(contextOf(request), request.params.id);
      return reply.code(204).send();
    },
  );
};

const Id = Type.Integer({ minimum: 1, maximum: 2_147_483_647 });
const CommentParams = Type.Object({ id: Id, commentId: Id });
const WatcherParams = Type.Object({ id: Id, userId: Id });
const AttachmentParams = Type.Object({ id: Id, attachmentId: Id });
const TicketParams = Type.Object({ id: Id });

function sendTicket(reply: FastifyReply, view: TicketView) {
  setEtag(reply, view.version);
  return presentTicketV2(view);
}

export const ticketsRoutesV2: FastifyPluginAsyncTypebox<TicketsRouteOptions> = async (
  app,
  { tickets, reference, attachments },
) => {
  app.get(
    '/tickets',
    {
      config: { permission: 'tickets:read' },
      schema: {
        tags,
        summary: 'Tickets you can see. With ?search= and no sort, best matches first (exact title first).',
        querystring: listQuerySchema(ticketList, 'v2'),
        response: { 200: v2PageSchema(TicketV2) },
      },
    },
    (request, reply) => {
      const { actor } = contextOf(request);
      const params = parseListQuery(ticketList, request.query, 'v2');
      return sendList(request, reply, {
        page: () => tickets.list(actor, params),
        all: () => tickets.all(actor, params),
        present: presentTicketV2,
        item: TicketV2,
        filename: 'tickets',
      });
    },
  );

  app.get(
    '/tickets/:id',
    {
      config: { permission: 'tickets:read' },
      schema: { tags, params: TicketParams, response: { 200: TicketV2 } },
    },
    async (request, reply) =>
      sendTicket(reply, await tickets.get(contextOf(request).actor, request.params.id)),
  );

  app.post(
    '/tickets',
    {
      config: { permission: 'tickets:create' },
      schema: { tags, body: TicketCreateBody, response: { 201: TicketV2 } },
    },
    async (request, reply) => {
      const { kind, ...fields } = request.body;
      const view = await tickets.create(contextOf(request), kind, {
        ...v2Input(fields),
        title: fields.title,
      });
      reply.header('location', `/api/v2/tickets/${view.id}`);
      return reply.code(201).send(sendTicket(reply, view));
    },
  );

  app.patch(
    '/tickets/:id',
    {
      config: { permission: 'tickets:read' },
      schema: {
        tags,
        summary:
          'Change fields or status; requires If-Match. An illegal status change is a 409 listing the allowed ones.',
        params: TicketParams,
        body: TicketUpdateBody,
        response: { 200: TicketV2 },
      },
    },
    async (request, reply) => {
      const version = expectedVersion(request, 'v2');
      const view = await withVersionCheck('v2', presentTicketV2, () =>
        tickets.update(contextOf(request), request.params.id, v2Input(request.body), {
          expectedVersion: version,
        }),
      );
      return sendTicket(reply, view);
    },
  );

  app.delete(
    '/tickets/:id',
    {
      config: { permission: 'tickets:manage' },
      schema: { tags, summary: 'Delete a ticket; requires If-Match.', params: TicketParams },
    },
    async (request, reply) => {
      const version = expectedVersion(request, 'v2');
      await withVersionCheck('v2', presentTicketV2, () =>
        tickets.remove(contextOf(request), request.params.id, { expectedVersion: version }),
      );
      return reply.code(204).send();
    },
  );

  app.post(
    '/tickets/bulk',
    {
      config: { permission: 'tickets:work' },
      schema: {
        tags,
        summary:
          'Change status, priority or assignee of many tickets in one transaction; answers per ticket.',
        body: BulkBody,
        response: { 200: BulkResult },
      },
    },
    async (request) => {
      const { ids, status, priority, assignee_id: assigneeId } = request.body;
      const change = definedOnly({
        status: status as TicketStatus | undefined,
        priority: priority as Priority | undefined,
        assigneeId,
      });
      if (Object.keys(change).length === 0)
        throw new AppError(
          'TICKET_BULK_EMPTY',
          'invalid',
          'Give at least one of status, priority, assignee_id.',
        );
      const results = await tickets.bulk(contextOf(request), ids, change);
      return {
        results: results.map(({ ticket, ...result }) => ({
          ...result,
          ...(ticket && { ticket: presentTicketV2(ticket) }),
        })),
      };
    },
  );

  app.get(
    '/tickets/:id/history',
    {
      config: { permission: 'tickets:read' },
      schema: {
        tags,
        summary: 'What changed, when and by whom (from the audit log).',
        params: TicketParams,
        response: { 200: Type.Array(HistoryEntry) },
      },
    },
    async (request) =>
      (await tickets.history(contextOf(request).actor, request.params.id)).map(presentHistoryEntry),
  );

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

  app.get(
    '/tickets/:id/attachments',
    {
      config: { permission: 'tickets:read' },
      schema: { tags, params: TicketParams, response: { 200: Type.Array(AttachmentV2) } },
    },
    async (request) =>
      (await attachments.list(contextOf(request).actor, request.params.id)).map(presentAttachment),
  );

  app.post(
    '/tickets/:id/attachments',
    {
      config: { permission: 'tickets:read' },
      schema: {
        tags,
        summary: 'Upload one file (multipart/form-data, field "file"). Its type is read from its bytes.',
        params: TicketParams,
        response: { 201: AttachmentV2 },
      },
    },
    async (request, reply) => {
      if (!request.isMultipart())
        throw new AppError('UNSUPPORTED_MEDIA_TYPE', 'invalid', 'Send the file as multipart/form-data.', {
          extra: { status: 415 },
        });
      const file = await request.file();
      if (!file) throw fieldError('file', 'No file was sent.');
      if (file.filename.includes(NUL)) {
        file.file.resume();
        throw nullCharacterError(['file']);
      }
      const attachment = await attachments.add(contextOf(request), request.params.id, {
        filename: file.filename,
        stream: file.file,
        truncated: () => file.file.truncated,
      });
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

  app.get(
    '/ticket-types',
    {
      config: { permission: 'ticket-types:read' },
      schema: {
        tags,
        querystring: listQuerySchema(incidentTypeList, 'v2'),
        response: { 200: v2PageSchema(IncidentTypeV1) },
      },
    },
    (request, reply) => {
      const params = parseListQuery(incidentTypeList, request.query, 'v2');
      return sendList(request, reply, {
        page: () => reference.listIncidentTypes(params),
        all: () => reference.allIncidentTypes(params),
        present: presentIncidentTypeV1,
        item: IncidentTypeV1,
        filename: 'ticket-types',
      });
    },
  );

  app.post(
    '/ticket-types',
    {
      config: { permission: 'ticket-types:write' },
      schema: { tags, body: IncidentTypeCreateBody, response: { 201: IncidentTypeV1 } },
    },
    async (request, reply) => {
      const { name, description, severity_level: severityLevel } = request.body;
      const created = await reference.createIncidentType(
        contextOf(request),
        definedOnly({ name, description, severityLevel }) as { name: string },
      );
      setEtag(reply, created.version);
      return reply.code(201).send(presentIncidentTypeV1(created));
    },
  );

  app.patch(
    '/ticket-types/:id',
    {
      config: { permission: 'ticket-types:write' },
      schema: { tags, params: IdParams, body: IncidentTypeUpdateBody, response: { 200: IncidentTypeV1 } },
    },
    async (request, reply) => {
      const { name, description, severity_level: severityLevel } = request.body;
      const version = expectedVersion(request, 'v2');
      const updated = await withVersionCheck('v2', presentIncidentTypeV1, () =>
        reference.updateIncidentType(
          contextOf(request),
          request.params.id,
          definedOnly({ name, description, severityLevel }),
          version,
        ),
      );
      setEtag(reply, updated.version);
      return presentIncidentTypeV1(updated);
    },
  );

  app.get(
    '/categories',
    {
      config: { permission: 'ticket-types:read' },
      schema: {
        tags,
        querystring: listQuerySchema(categoryList, 'v2'),
        response: { 200: v2PageSchema(CategoryV2) },
      },
    },
    (request, reply) => {
      const params = parseListQuery(categoryList, request.query, 'v2');
      return sendList(request, reply, {
        page: () => reference.listCategories(params),
        all: () => reference.allCategories(params),
        present: presentCategory,
        item: CategoryV2,
        filename: 'categories',
      });
    },
  );

  app.post(
    '/categories',
    {
      config: { permission: 'ticket-types:write' },
      schema: {
        tags,
        summary: 'A category, or a subcategory with parent_id.',
        body: CategoryBody,
        response: { 201: CategoryV2 },
      },
    },
    async (request, reply) => {
      const { name, description, parent_id: parentId } = request.body;
      const created = await reference.createCategory(
        contextOf(request),
        definedOnly({ name, description, parentId }) as { name: string },
      );
      return reply.code(201).send(presentCategory(created));
    },
  );
};
