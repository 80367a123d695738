import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { contextOf } from '../../platform/auth/actor.ts';
import { expectedVersion, setEtag, withVersionCheck } from '../../platform/http/etag.ts';
import { sendList } from '../../platform/http/negotiation.ts';
import { v2PageSchema } from '../../platform/http/pagination.ts';
import { listQuerySchema, parseListQuery } from '../../platform/http/query.ts';
import { definedOnly, IdParams } from '../../platform/http/schemas.ts';
import { categoryList, incidentTypeList } from './tickets.repository.ts';
import { presentCategory, presentIncidentTypeV1 } from './tickets.presenters.ts';
import type { TicketsRouteOptions } from './tickets.routes.ts';
import {
  CategoryBody,
  CategoryV2,
  IncidentTypeCreateBody,
  IncidentTypeUpdateBody,
  IncidentTypeV2,
} from './tickets.schemas.ts';

const tags = ['tickets'];

/** `/api/v2/ticket-types` and `/api/v2/categories`: the reference data tickets are filed under. */
export const ticketReferenceRoutesV2: FastifyPluginAsyncTypebox<TicketsRouteOptions> = async (
  app,
  { reference },
) => {
  app.get(
    '/ticket-types',
    {
      config: { permission: 'ticket-types:read' },
      schema: {
        tags,
        querystring: listQuerySchema(incidentTypeList, 'v2'),
        response: { 200: v2PageSchema(IncidentTypeV2) },
      },
    },
    (request, reply) => {
      const params = parseListQuery(incidentTypeList, request.query, 'v2');
      return sendList(request, reply, {
        page: () => reference.listIncidentTypes(params),
        all: () => reference.allIncidentTypes(params),
        present: presentIncidentTypeV1,
        item: IncidentTypeV2,
        filename: 'ticket-types',
      });
    },
  );

  app.post(
    '/ticket-types',
    {
      config: { permission: 'ticket-types:write' },
      schema: { tags, body: IncidentTypeCreateBody, response: { 201: IncidentTypeV2 } },
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
      schema: { tags, params: IdParams, body: IncidentTypeUpdateBody, response: { 200: IncidentTypeV2 } },
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
