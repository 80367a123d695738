import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyReply } from 'fastify';
import { contextOf } from '../../platform/auth/actor.ts';
import { expectedVersion, setEtag, withVersionCheck } from '../../platform/http/etag.ts';
import { sendList } from '../../platform/http/negotiation.ts';
import { v2PageSchema } from '../../platform/http/pagination.ts';
import { listQuerySchema, parseListQuery } from '../../platform/http/query.ts';
import { IdParams } from '../../platform/http/schemas.ts';
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
import type { RevalidationTarget } from './revalidation.tables.ts';

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

function sendTarget(reply: FastifyReply, target: RevalidationTarget) {
  setEtag(reply, target.version);
  return presentTargetV2(target);
}

/** `/api/v2/revalidation-targets`: admins point Opsdesk at the revalidation routes of their frontends. */
export const revalidationRoutesV2: FastifyPluginAsyncTypebox<RevalidationRouteOptions> = async (
  app,
  { revalidation },
) => {
  app.get(
    base,
    {
      config,
      schema: {
        tags,
        summary: 'Revalidation targets.',
        querystring: listQuerySchema(targetList, 'v2'),
        response: { 200: v2PageSchema(TargetV2) },
      },
    },
    (request, reply) => {
      const params = parseListQuery(targetList, request.query, 'v2');
      return sendList(request, reply, {
        page: () => revalidation.list(params),
        all: () => revalidation.all(params),
        present: presentTargetV2,
        item: TargetV2,
        filename: 'revalidation-targets',
      });
    },
  );

  app.post(
    base,
    {
      config,
      schema: {
        tags,
        summary:
          'Point Opsdesk at a revalidation route: from now on it POSTs the cache tags of every change there. The answer holds the secret, shown only here.',
        body: TargetCreateBody,
        response: { 201: TargetWithSecretV2 },
      },
    },
    async (request, reply) => {
      const { target, secret } = await revalidation.create(contextOf(request), {
        ...inputOf(request.body),
        url: request.body.url,
      });
      reply.header('location', `/api/v2${base}/${target.id}`);
      return reply.code(201).send({ ...sendTarget(reply, target), secret });
    },
  );

  app.get(
    `${base}/:id`,
    {
      config,
      schema: { tags, summary: 'One revalidation target.', params: IdParams, response: { 200: TargetV2 } },
    },
    async (request, reply) => sendTarget(reply, await revalidation.get(request.params.id)),
  );

  app.patch(
    `${base}/:id`,
    {
      config,
      schema: {
        tags,
        summary: 'Change a target (URL, description, enabled, secret); requires If-Match.',
        params: IdParams,
        body: TargetUpdateBody,
        response: { 200: TargetV2 },
      },
    },
    async (request, reply) => {
      const version = expectedVersion(request, 'v2');
      const target = await withVersionCheck('v2', presentTargetV2, () =>
        revalidation.update(contextOf(request), request.params.id, inputOf(request.body), version),
      );
      return sendTarget(reply, target);
    },
  );

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
