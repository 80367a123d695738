import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { contextOf } from '../../platform/auth/actor.ts';
import { fieldError } from '../../platform/http/errors.ts';
import { expectedVersion, withVersionCheck } from '../../platform/http/etag.ts';
import { sendList } from '../../platform/http/negotiation.ts';
import { v1PageSchema } from '../../platform/http/pagination.ts';
import { listQuerySchema, parseListQuery, refineFilters } from '../../platform/http/query.ts';
import { definedOnly, IdParams, relationId } from '../../platform/http/schemas.ts';
import { presentOnce } from '../../platform/http/present-once.ts';
import { ticketExportProjections } from './tickets.export.ts';
import { incidentTypeList, ticketList } from './tickets.repository.ts';
import {
  fromLabel,
  PRIORITY_LABELS,
  presentIncidentTicketV1,
  presentIncidentTypeV1,
  presentServiceTicketV1,
  STATUS_LABELS,
} from './tickets.presenters.ts';
import type { TicketsRouteOptions } from './tickets.routes.ts';
import {
  IncidentTicketV1,
  IncidentTypeBody,
  IncidentTypeV1,
  ServiceTicketV1,
  TicketV1Body,
} from './tickets.schemas.ts';
import type { TicketInput, TicketView } from './tickets.service.ts';
import { PRIORITIES, TICKET_STATUSES, type TicketKind } from './tickets.tables.ts';

const tags = ['tickets'];

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
    requesterCustomerId: pick(body.requester_customer_id, body.requester_customer),
    serviceType: kind === 'service' ? body.service_type : undefined,
    dueDate: kind === 'service' ? body.due_date : undefined,
  });
}

/** The BMS endpoints: `incident-tickets` and `service-tickets` are views of one ticket model, by kind. */
function v1TicketRoutes(kind: TicketKind, path: string): FastifyPluginAsyncTypebox<TicketsRouteOptions> {
  const Schema = kind === 'incident' ? IncidentTicketV1 : ServiceTicketV1;
  const present = presentOnce((view: TicketView) =>
    kind === 'incident' ? presentIncidentTicketV1(view) : presentServiceTicketV1(view),
  );
  const shape = kind === 'incident' ? 'incident-v1' : 'service-v1';
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
          flat: {
            projection: ticketExportProjections[shape],
            batches: () => tickets.exportRows(actor, params, shape),
          },
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
          walkStatus: true,
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
