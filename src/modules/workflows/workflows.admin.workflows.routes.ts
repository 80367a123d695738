import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { contextOf } from '../../platform/auth/actor.ts';
import { expectedVersion, setEtag, withVersionCheck } from '../../platform/http/etag.ts';
import { sendList } from '../../platform/http/negotiation.ts';
import { v2PageSchema } from '../../platform/http/pagination.ts';
import { listQuerySchema, parseListQuery } from '../../platform/http/query.ts';
import { IdParams } from '../../platform/http/schemas.ts';
import type { WorkflowAdmin } from './workflows.admin.ts';
import { presentVersionV2, presentWorkflowV2 } from './workflows.admin.presenters.ts';
import {
  versionList,
  workflowList,
  type WorkflowRow,
  type WorkflowVersionRow,
} from './workflows.admin.repository.ts';
import {
  VersionCreateBody,
  VersionParams,
  VersionUpdateBody,
  WorkflowCreateBody,
  WorkflowUpdateBody,
  WorkflowV2,
  WorkflowVersionV2,
} from './workflows.admin.schemas.ts';
import type { WorkflowInput } from './workflows.admin.workflows.ts';

const tags = ['workflows'];
const Deleted = { 204: Type.Null({ description: 'Deleted.' }) };

const sendWorkflow = (reply: FastifyReply, workflow: WorkflowRow) => {
  setEtag(reply, workflow.version);
  return presentWorkflowV2(workflow);
};

/** A version's ETag is its workflow's version: every change to a workflow's versions bumps it. */
const sendVersion = (reply: FastifyReply, version: WorkflowVersionRow) => {
  setEtag(reply, version.workflowVersion);
  return presentVersionV2(version);
};

const workflowInput = (body: WorkflowUpdateBody): WorkflowInput => ({
  name: body.name,
  description: body.description,
  kind: body.kind,
  categoryId: body.category_id,
  subcategoryId: body.subcategory_id,
  departmentId: body.department_id,
  priority: body.priority,
  isDefault: body.is_default,
  isActive: body.is_active,
});

/** If-Match when sent (publishing is a POST, where it is optional). */
const optionalVersion = (request: FastifyRequest) =>
  request.headers['if-match'] ? expectedVersion(request, 'v2') : undefined;

/** `/workflows` and `/workflows/:id/versions`: workflows, their drafts, publishing. */
export const workflowRoutes: FastifyPluginAsyncTypebox<{ admin: WorkflowAdmin }> = async (app, { admin }) => {
  app.get(
    '/workflows',
    {
      config: { permission: 'workflows:read' },
      schema: {
        tags,
        querystring: listQuerySchema(workflowList, 'v2'),
        response: { 200: v2PageSchema(WorkflowV2) },
      },
    },
    (request, reply) => {
      const params = parseListQuery(workflowList, request.query, 'v2');
      return sendList(request, reply, {
        page: () => admin.listWorkflows(params),
        all: () => admin.allWorkflows(params),
        present: presentWorkflowV2,
        item: WorkflowV2,
        filename: 'workflows',
      });
    },
  );

  app.get(
    '/workflows/:id',
    {
      config: { permission: 'workflows:read' },
      schema: { tags, params: IdParams, response: { 200: WorkflowV2 } },
    },
    async (request, reply) => sendWorkflow(reply, await admin.getWorkflow(request.params.id)),
  );

  app.post(
    '/workflows',
    {
      config: { permission: 'workflows:write' },
      schema: {
        tags,
        summary: 'Create a workflow; it applies to new tickets once a version is published.',
        body: WorkflowCreateBody,
        response: { 201: WorkflowV2 },
      },
    },
    async (request, reply) => {
      const { name, kind } = request.body;
      const workflow = await admin.createWorkflow(contextOf(request), {
        ...workflowInput(request.body),
        name,
        kind,
      });
      reply.header('location', `/api/v2/workflows/${workflow.id}`);
      return reply.code(201).send(sendWorkflow(reply, workflow));
    },
  );

  app.patch(
    '/workflows/:id',
    {
      config: { permission: 'workflows:write' },
      schema: {
        tags,
        summary: 'Update a workflow; requires If-Match. The kind is fixed after the first publish.',
        params: IdParams,
        body: WorkflowUpdateBody,
        response: { 200: WorkflowV2 },
      },
    },
    async (request, reply) => {
      const version = expectedVersion(request, 'v2');
      const workflow = await withVersionCheck('v2', presentWorkflowV2, () =>
        admin.updateWorkflow(contextOf(request), request.params.id, workflowInput(request.body), version),
      );
      return sendWorkflow(reply, workflow);
    },
  );

  app.delete(
    '/workflows/:id',
    {
      config: { permission: 'workflows:write' },
      schema: {
        tags,
        summary:
          'Delete a workflow with its versions; requires If-Match. Refused (409) once tickets run on it.',
        params: IdParams,
        response: Deleted,
      },
    },
    async (request, reply) => {
      const version = expectedVersion(request, 'v2');
      await withVersionCheck('v2', presentWorkflowV2, () =>
        admin.deleteWorkflow(contextOf(request), request.params.id, version),
      );
      return reply.code(204).send(null);
    },
  );

  // Versions

  app.get(
    '/workflows/:id/versions',
    {
      config: { permission: 'workflows:read' },
      schema: {
        tags,
        summary: "A workflow's versions, newest first by default.",
        params: IdParams,
        querystring: listQuerySchema(versionList, 'v2'),
        response: { 200: v2PageSchema(WorkflowVersionV2) },
      },
    },
    async (request, reply) => {
      const params = parseListQuery(versionList, request.query, 'v2');
      // Before the answer starts: a CSV export streams, and could no longer turn into a 404.
      await admin.getWorkflow(request.params.id);
      return sendList(request, reply, {
        page: () => admin.listVersions(request.params.id, params),
        all: () => admin.allVersions(request.params.id, params),
        present: presentVersionV2,
        item: WorkflowVersionV2,
        filename: 'workflow-versions',
      });
    },
  );

  app.get(
    '/workflows/:id/versions/:number',
    {
      config: { permission: 'workflows:read' },
      schema: { tags, params: VersionParams, response: { 200: WorkflowVersionV2 } },
    },
    async (request, reply) =>
      sendVersion(reply, await admin.getVersion(request.params.id, request.params.number)),
  );

  app.post(
    '/workflows/:id/versions',
    {
      config: { permission: 'workflows:write' },
      schema: {
        tags,
        summary:
          'Start the draft (at most one per workflow) from a definition or a copy of version `from`. ' +
          'A draft may be incomplete; publishing checks it.',
        params: IdParams,
        body: VersionCreateBody,
        response: { 201: WorkflowVersionV2 },
      },
    },
    async (request, reply) => {
      const version = await admin.createDraft(contextOf(request), request.params.id, request.body);
      reply.header('location', `/api/v2/workflows/${version.workflowId}/versions/${version.number}`);
      return reply.code(201).send(sendVersion(reply, version));
    },
  );

  app.put(
    '/workflows/:id/versions/:number',
    {
      config: { permission: 'workflows:write' },
      schema: {
        tags,
        summary:
          "Replace a draft's definition; requires If-Match. Published and retired versions never change (409).",
        params: VersionParams,
        body: VersionUpdateBody,
        response: { 200: WorkflowVersionV2 },
      },
    },
    async (request, reply) => {
      const version = expectedVersion(request, 'v2');
      const { id, number } = request.params;
      const updated = await withVersionCheck('v2', presentVersionV2, () =>
        admin.updateDraft(contextOf(request), id, number, request.body.definition, version),
      );
      return sendVersion(reply, updated);
    },
  );

  app.delete(
    '/workflows/:id/versions/:number',
    {
      config: { permission: 'workflows:write' },
      schema: {
        tags,
        summary: 'Delete the draft; requires If-Match. Published and retired versions stay (409).',
        params: VersionParams,
        response: Deleted,
      },
    },
    async (request, reply) => {
      const version = expectedVersion(request, 'v2');
      const { id, number } = request.params;
      await withVersionCheck('v2', presentVersionV2, () =>
        admin.deleteDraft(contextOf(request), id, number, version),
      );
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/workflows/:id/versions/:number/publish',
    {
      config: { permission: 'workflows:write' },
      schema: {
        tags,
        summary:
          'Publish the draft: 400 listing every problem by its path (steps.2.role_id) when it is not ' +
          'complete; otherwise new tickets get it and the version published before is retired ' +
          '(tickets already on it keep it). If-Match is honoured when sent.',
        params: VersionParams,
        response: { 200: WorkflowVersionV2 },
      },
    },
    async (request, reply) => {
      const version = optionalVersion(request);
      const { id, number } = request.params;
      const published = await withVersionCheck('v2', presentVersionV2, () =>
        admin.publish(contextOf(request), id, number, version),
      );
      return sendVersion(reply, published);
    },
  );
};
