import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { contextOf } from '../../platform/auth/actor.ts';
import { sendList } from '../../platform/http/negotiation.ts';
import { v2PageSchema } from '../../platform/http/pagination.ts';
import { listQuerySchema, parseListQuery } from '../../platform/http/query.ts';
import { IdParams } from '../../platform/http/schemas.ts';
import { mountTargetRoutes } from '../../platform/outbound/outbound.routes.ts';
import { presentDeliveryV2, presentTargetV2 } from './revalidation.presenters.ts';
import { deliveryList, targetList } from './revalidation.repository.ts';
import {
  DeliveryParams,
  RevalidationDeliveryV2,
  TargetCreateBody,
  TargetUpdateBody,
  TargetV2,
  TargetWithSecretV2,
} from './revalidation.schemas.ts';
import type { RevalidationService, TargetInput } from './revalidation.service.ts';

export interface RevalidationRouteOptions {
  revalidation: RevalidationService;
}

const tags = ['revalidation'];
const config = { permission: 'revalidation:manage' };
const base = '/revalidation-targets';

const inputOf = (body: TargetUpdateBody): TargetInput => ({
  url: body.url,
  description: body.description,
  enabled: body.enabled,
  secret: body.secret,
});

/** `/api/v2/revalidation-targets`: admins point Opsdesk at the revalidation routes of their frontends. */
export const revalidationRoutesV2: FastifyPluginAsyncTypebox<RevalidationRouteOptions> = async (
  app,
  { revalidation },
) => {
  mountTargetRoutes(app, {
    base,
    tags,
    config,
    filename: 'revalidation-targets',
    list: targetList,
    schemas: {
      item: TargetV2,
      withSecret: TargetWithSecretV2,
      create: TargetCreateBody,
      update: TargetUpdateBody,
    },
    summaries: {
      list: 'Revalidation targets.',
      create:
        'Point Opsdesk at a revalidation route: from now on it POSTs the cache tags of every change there. The answer holds the secret, shown only here.',
      get: 'One revalidation target.',
      update: 'Change a target (URL, description, enabled, secret); requires If-Match.',
    },
    present: presentTargetV2,
    createInput: (body) => ({ ...inputOf(body), url: body.url }),
    updateInput: inputOf,
    service: {
      list: (params) => revalidation.list(params),
      all: (params) => revalidation.all(params),
      get: (id) => revalidation.get(id),
      update: (ctx, id, input, version) => revalidation.update(ctx, id, input, version),
      create: async (ctx, input) => {
        const { target, secret } = await revalidation.create(ctx, input);
        return { row: target, secret };
      },
    },
  });

  app.delete(
    `${base}/:id`,
    {
      config,
      schema: {
        tags,
        summary: 'Delete a target and its delivery log.',
        params: IdParams,
        response: { 204: Type.Null({ description: 'Deleted.' }) },
      },
    },
    async (request, reply) => {
      await revalidation.remove(contextOf(request), request.params.id);
      return reply.code(204).send(null);
    },
  );

  app.get(
    `${base}/:id/deliveries`,
    {
      config,
      schema: {
        tags,
        summary:
          "The target's delivery log (tags sent, attempts, last answer), newest first; filter by status.",
        params: IdParams,
        querystring: listQuerySchema(deliveryList, 'v2'),
        response: { 200: v2PageSchema(RevalidationDeliveryV2) },
      },
    },
    (request, reply) => {
      const params = parseListQuery(deliveryList, request.query, 'v2');
      return sendList(request, reply, {
        page: () => revalidation.deliveries(request.params.id, params),
        all: () => revalidation.allDeliveries(request.params.id, params),
        present: presentDeliveryV2,
        item: RevalidationDeliveryV2,
        filename: 'revalidation-deliveries',
      });
    },
  );

  app.post(
    `${base}/:id/deliveries/:deliveryId/retry`,
    {
      config,
      schema: {
        tags,
        summary: 'Send a delivery again, from a fresh retry schedule.',
        params: DeliveryParams,
        response: { 202: RevalidationDeliveryV2 },
      },
    },
    async (request, reply) => {
      const delivery = await revalidation.retry(
        contextOf(request),
        request.params.id,
        request.params.deliveryId,
      );
      return reply.code(202).send(presentDeliveryV2(delivery));
    },
  );
};
