import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { contextOf } from '../../platform/auth/actor.ts';
import { expectedVersion, withVersionCheck } from '../../platform/http/etag.ts';
import { sendList } from '../../platform/http/negotiation.ts';
import { v2PageSchema } from '../../platform/http/pagination.ts';
import { listQuerySchema, parseListQuery } from '../../platform/http/query.ts';
import { IdParams } from '../../platform/http/schemas.ts';
import { mountTargetRoutes, sendVersioned } from '../../platform/outbound/outbound.routes.ts';
import { presentAttemptV2, presentDeliveryV2, presentEndpointV2 } from './webhooks.presenters.ts';
import { deliveryList, endpointList } from './webhooks.repository.ts';
import {
  BulkReplayBody,
  DeliveryDetailV2,
  DeliveryParams,
  DeliveryV2,
  EndpointCreateBody,
  EndpointUpdateBody,
  EndpointV2,
  EndpointWithSecretV2,
  PingV2,
  ReplayedV2,
} from './webhooks.schemas.ts';
import type { EndpointInput, WebhooksService } from './webhooks.service.ts';

export interface WebhooksRouteOptions {
  webhooks: WebhooksService;
}

const tags = ['webhooks'];
const config = { permission: 'webhooks:manage' };
const base = '/webhooks/endpoints';

const inputOf = (body: EndpointUpdateBody): EndpointInput => ({
  url: body.url,
  description: body.description,
  eventTypes: body.event_types,
  enabled: body.enabled,
});

/** `/api/v2/webhooks/...`: admins manage endpoints, read the delivery log, replay, ping. */
export const webhooksRoutesV2: FastifyPluginAsyncTypebox<WebhooksRouteOptions> = async (
  app,
  { webhooks },
) => {
  mountTargetRoutes(app, {
    base,
    tags,
    config,
    filename: 'webhook-endpoints',
    list: endpointList,
    schemas: {
      item: EndpointV2,
      withSecret: EndpointWithSecretV2,
      create: EndpointCreateBody,
      update: EndpointUpdateBody,
    },
    summaries: {
      list: 'Webhook endpoints.',
      create: 'Subscribe a URL to event types; the answer holds its signing secret, shown only here.',
      get: 'One webhook endpoint.',
      update:
        'Change an endpoint (URL, types, description, enabled); requires If-Match. Enabling resumes its queue.',
    },
    present: presentEndpointV2,
    createInput: (body) => ({ ...inputOf(body), url: body.url }),
    updateInput: inputOf,
    service: {
      list: (params) => webhooks.list(params),
      all: (params) => webhooks.all(params),
      get: (id) => webhooks.get(id),
      update: (ctx, id, input, version) => webhooks.update(ctx, id, input, version),
      create: async (ctx, input) => {
        const { endpoint, secret } = await webhooks.create(ctx, input);
        return { row: endpoint, secret };
      },
    },
  });

  app.delete(
    `${base}/:id`,
    {
      config,
      schema: {
        tags,
        summary: 'Delete an endpoint and its delivery log; requires If-Match.',
        params: IdParams,
        response: { 204: Type.Null({ description: 'Deleted.' }) },
      },
    },
    async (request, reply) => {
      const version = expectedVersion(request, 'v2');
      await withVersionCheck('v2', presentEndpointV2, () =>
        webhooks.remove(contextOf(request), request.params.id, version),
      );
      return reply.code(204).send(null);
    },
  );

  app.post(
    `${base}/:id/rotate-secret`,
    {
      config,
      schema: {
        tags,
        summary:
          'New signing secret (shown only here); the old one also signs during WEBHOOK_SECRET_OVERLAP_HOURS.',
        params: IdParams,
        response: { 200: EndpointWithSecretV2 },
      },
    },
    async (request, reply) => {
      const { endpoint, secret } = await webhooks.rotateSecret(contextOf(request), request.params.id);
      return { ...sendVersioned(reply, endpoint, presentEndpointV2), secret };
    },
  );

  app.post(
    `${base}/:id/ping`,
    {
      config,
      schema: {
        tags,
        summary:
          'Send a signed webhook.ping now and answer what the receiver said (not queued, not retried).',
        params: IdParams,
        response: { 200: PingV2 },
      },
    },
    async (request) => {
      const result = await webhooks.ping(request.params.id);
      return {
        succeeded: result.succeeded,
        status_code: result.statusCode,
        duration_ms: result.durationMs,
        response_excerpt: result.responseExcerpt,
        error: result.error,
      };
    },
  );

  app.get(
    `${base}/:id/deliveries`,
    {
      config,
      schema: {
        tags,
        summary: "The endpoint's delivery log, newest first; filter by status, event_type, event_id.",
        params: IdParams,
        querystring: listQuerySchema(deliveryList, 'v2'),
        response: { 200: v2PageSchema(DeliveryV2) },
      },
    },
    (request, reply) => {
      const params = parseListQuery(deliveryList, request.query, 'v2');
      return sendList(request, reply, {
        page: () => webhooks.deliveries(request.params.id, params),
        all: () => webhooks.allDeliveries(request.params.id, params),
        present: presentDeliveryV2,
        item: DeliveryV2,
        filename: 'webhook-deliveries',
      });
    },
  );

  app.get(
    `${base}/:id/deliveries/:deliveryId`,
    {
      config,
      schema: {
        tags,
        summary: 'One delivery with every attempt (status, time, response excerpt), newest first.',
        params: DeliveryParams,
        response: { 200: DeliveryDetailV2 },
      },
    },
    async (request) => {
      const { delivery, attempts } = await webhooks.delivery(request.params.id, request.params.deliveryId);
      return { ...presentDeliveryV2(delivery), attempt_log: attempts.map(presentAttemptV2) };
    },
  );

  app.post(
    `${base}/:id/deliveries/:deliveryId/replay`,
    {
      config,
      schema: {
        tags,
        summary: 'Send one delivery again, from a fresh retry schedule.',
        params: DeliveryParams,
        response: { 202: ReplayedV2 },
      },
    },
    async (request, reply) => {
      const replayed = await webhooks.replay(contextOf(request), request.params.id, {
        ids: [request.params.deliveryId],
      });
      return reply.code(202).send({ replayed });
    },
  );

  app.post(
    `${base}/:id/replay`,
    {
      config,
      schema: {
        tags,
        summary:
          'Send again every delivery in the given statuses (default retrying, dead) created between from and to.',
        params: IdParams,
        body: BulkReplayBody,
        response: { 202: ReplayedV2 },
      },
    },
    async (request, reply) => {
      const { statuses, from, to } = request.body;
      const replayed = await webhooks.replay(contextOf(request), request.params.id, {
        statuses,
        from: from ? new Date(from) : undefined,
        to: to ? new Date(to) : undefined,
      });
      return reply.code(202).send({ replayed });
    },
  );
};
