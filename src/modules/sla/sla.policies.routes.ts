import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyReply } from 'fastify';
import { contextOf } from '../../platform/auth/actor.ts';
import { expectedVersion, setEtag, withVersionCheck } from '../../platform/http/etag.ts';
import { sendList } from '../../platform/http/negotiation.ts';
import { v2PageSchema } from '../../platform/http/pagination.ts';
import { listQuerySchema, parseListQuery } from '../../platform/http/query.ts';
import { IdParams } from '../../platform/http/schemas.ts';
import { presentSlaPolicyV2, slaPolicyInput } from './sla.policies.presenters.ts';
import { policyList } from './sla.policies.repository.ts';
import { SlaPolicyCreateBody, SlaPolicyUpdateBody, SlaPolicyV2 } from './sla.policies.schemas.ts';
import type { SlaPolicies } from './sla.policies.ts';
import type { SlaPolicy } from './sla.tables.ts';

export interface SlaPolicyRouteOptions {
  policies: SlaPolicies;
}

const tags = ['sla'];

const sendPolicy = (reply: FastifyReply, policy: SlaPolicy) => {
  setEtag(reply, policy.version);
  return presentSlaPolicyV2(policy);
};

/** `/api/v2/sla-policies`: the targets and escalation levels tickets are measured by. */
export const slaPolicyRoutesV2: FastifyPluginAsyncTypebox<SlaPolicyRouteOptions> = async (
  app,
  { policies },
) => {
  app.get(
    '/sla-policies',
    {
      config: { permission: 'sla:read' },
      schema: {
        tags,
        querystring: listQuerySchema(policyList, 'v2'),
        response: { 200: v2PageSchema(SlaPolicyV2) },
      },
    },
    (request, reply) => {
      const params = parseListQuery(policyList, request.query, 'v2');
      return sendList(request, reply, {
        page: () => policies.listPolicies(params),
        all: () => policies.allPolicies(params),
        present: presentSlaPolicyV2,
        item: SlaPolicyV2,
        filename: 'sla-policies',
      });
    },
  );

  app.get(
    '/sla-policies/:id',
    {
      config: { permission: 'sla:read' },
      schema: { tags, params: IdParams, response: { 200: SlaPolicyV2 } },
    },
    async (request, reply) => sendPolicy(reply, await policies.getPolicy(request.params.id)),
  );

  app.post(
    '/sla-policies',
    {
      config: { permission: 'sla:write' },
      schema: {
        tags,
        summary: 'Create a policy; at most one active policy per priority and category.',
        body: SlaPolicyCreateBody,
        response: { 201: SlaPolicyV2 },
      },
    },
    async (request, reply) => {
      const policy = await policies.createPolicy(contextOf(request), slaPolicyInput(request.body));
      reply.header('location', `/api/v2/sla-policies/${policy.id}`);
      return reply.code(201).send(sendPolicy(reply, policy));
    },
  );

  app.patch(
    '/sla-policies/:id',
    {
      config: { permission: 'sla:write' },
      schema: {
        tags,
        summary:
          'Update a policy; requires If-Match. `escalation_levels` replaces all levels. A change of ' +
          'targets, calendar, levels or at-risk share recomputes the open tickets under the policy.',
        params: IdParams,
        body: SlaPolicyUpdateBody,
        response: { 200: SlaPolicyV2 },
      },
    },
    async (request, reply) => {
      const version = expectedVersion(request, 'v2');
      const policy = await withVersionCheck('v2', presentSlaPolicyV2, () =>
        policies.updatePolicy(contextOf(request), request.params.id, slaPolicyInput(request.body), version),
      );
      return sendPolicy(reply, policy);
    },
  );

  app.delete(
    '/sla-policies/:id',
    {
      config: { permission: 'sla:write' },
      schema: {
        tags,
        summary:
          'Delete a policy; requires If-Match. A policy some ticket was measured by is kept for its ' +
          'history and deactivated instead: the answer is then 200 with the inactive policy.',
        params: IdParams,
        response: {
          200: SlaPolicyV2,
          204: Type.Null({ description: 'Deleted.' }),
        },
      },
    },
    async (request, reply) => {
      const version = expectedVersion(request, 'v2');
      const removal = await withVersionCheck('v2', presentSlaPolicyV2, () =>
        policies.deletePolicy(contextOf(request), request.params.id, version),
      );
      if (removal.outcome === 'deleted') return reply.code(204).send(null);
      return sendPolicy(reply, removal.policy);
    },
  );
};
