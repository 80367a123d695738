import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyReply } from 'fastify';
import { contextOf } from '../../platform/auth/actor.ts';
import { AppError } from '../../platform/http/errors.ts';
import { expectedVersion, setEtag, withVersionCheck } from '../../platform/http/etag.ts';
import { sendList } from '../../platform/http/negotiation.ts';
import { v2PageSchema } from '../../platform/http/pagination.ts';
import { listQuerySchema, parseListQuery } from '../../platform/http/query.ts';
import { definedOnly } from '../../platform/http/schemas.ts';
import { expansionsOf } from '../../platform/http/shape-controls.ts';
import { requesterCustomersOf, type RequesterCustomers } from './tickets.expand.ts';
import { ticketExportProjections } from './tickets.export.ts';
import { ticketList } from './tickets.repository.ts';
import { presentHistoryEntry, presentTicketV2 } from './tickets.presenters.ts';
import type { TicketsRouteOptions } from './tickets.routes.ts';
import {
  BulkBody,
  BulkResult,
  HistoryEntry,
  TicketCreateBody,
  TicketParams,
  TicketUpdateBody,
  TicketV2,
} from './tickets.schemas.ts';
import type { TicketInput, TicketView } from './tickets.service.ts';
import type { Priority, TicketStatus } from './tickets.tables.ts';

const tags = ['tickets'];

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
    requesterCustomerId: body.requester_customer_id,
    assigneeId: body.assignee_id,
    dueDate: body.due_date,
  });
}

function sendTicket(
  reply: FastifyReply,
  view: TicketView,
  expand?: ReadonlySet<string>,
  requesters?: RequesterCustomers,
) {
  setEtag(reply, view.version);
  return presentTicketV2(view, expand, requesters);
}

/** `/api/v2/tickets`: the tickets themselves, bulk changes and history. */
export const ticketRoutesV2: FastifyPluginAsyncTypebox<TicketsRouteOptions> = async (
  app,
  { tickets, customers },
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
      const expand = expansionsOf(request);
      let requesters: RequesterCustomers = null;
      return sendList(request, reply, {
        page: async () => {
          const page = await tickets.list(actor, params);
          requesters = await requesterCustomersOf(customers, actor, expand, page.rows);
          return page;
        },
        flat: {
          projection: ticketExportProjections.v2,
          batches: () => tickets.exportRows(actor, params, 'v2'),
        },
        present: (view) => presentTicketV2(view, expand, requesters),
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
    async (request, reply) => {
      const { actor } = contextOf(request);
      const expand = expansionsOf(request);
      const view = await tickets.get(actor, request.params.id);
      return sendTicket(reply, view, expand, await requesterCustomersOf(customers, actor, expand, [view]));
    },
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
};
