import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyReply } from 'fastify';
import { contextOf } from '../../platform/auth/actor.ts';
import { expectedVersion, setEtag, withVersionCheck } from '../../platform/http/etag.ts';
import { sendList } from '../../platform/http/negotiation.ts';
import { v2PageSchema } from '../../platform/http/pagination.ts';
import { listQuerySchema, parseListQuery } from '../../platform/http/query.ts';
import { IdParams } from '../../platform/http/schemas.ts';
import type { WorkflowAdmin } from './workflows.admin.ts';
import { presentProfileV2, presentRoleDetailV2, presentRoleV2 } from './workflows.admin.presenters.ts';
import type { AssigneeProfileView } from './workflows.admin.profiles.ts';
import { profileList, roleList } from './workflows.admin.roles.repository.ts';
import type { AssignmentRoleDetail } from './workflows.admin.roles.ts';
import {
  AssigneeProfileV2,
  AssignmentRoleDetailV2,
  AssignmentRoleV2,
  MemberParams,
  MembersBody,
  ProfileBody,
  RoleCreateBody,
  RoleUpdateBody,
  UserIdParams,
} from './workflows.admin.schemas.ts';
import { workflowRoutes } from './workflows.admin.workflows.routes.ts';

export interface WorkflowAdminRouteOptions {
  admin: WorkflowAdmin;
}

const tags = ['workflows'];
const Deleted = { 204: Type.Null({ description: 'Deleted.' }) };

const sendRole = (reply: FastifyReply, role: AssignmentRoleDetail) => {
  setEtag(reply, role.version);
  return presentRoleDetailV2(role);
};

const sendProfile = (reply: FastifyReply, profile: AssigneeProfileView) => {
  setEtag(reply, profile.version);
  return presentProfileV2(profile);
};

/**
 * `/api/v2`: the admin side of workflows and assignment. Assignment roles and their
 * members, assignee profiles, workflows and their versions (see
 * workflows.admin.workflows.routes.ts). Everyone who works tickets reads; admins write.
 */
export const workflowAdminRoutesV2: FastifyPluginAsyncTypebox<WorkflowAdminRouteOptions> = async (
  app,
  { admin },
) => {
  app.get(
    '/assignment-roles',
    {
      config: { permission: 'workflows:read' },
      schema: {
        tags,
        summary: 'Assignment roles: the groups of people workflow steps hand work to.',
        querystring: listQuerySchema(roleList, 'v2'),
        response: { 200: v2PageSchema(AssignmentRoleV2) },
      },
    },
    (request, reply) => {
      const params = parseListQuery(roleList, request.query, 'v2');
      return sendList(request, reply, {
        page: () => admin.listRoles(params),
        all: () => admin.allRoles(params),
        present: presentRoleV2,
        item: AssignmentRoleV2,
        filename: 'assignment-roles',
      });
    },
  );

  app.get(
    '/assignment-roles/:id',
    {
      config: { permission: 'workflows:read' },
      schema: {
        tags,
        summary: 'A role with its members.',
        params: IdParams,
        response: { 200: AssignmentRoleDetailV2 },
      },
    },
    async (request, reply) => sendRole(reply, await admin.getRole(request.params.id)),
  );

  app.post(
    '/assignment-roles',
    {
      config: { permission: 'workflows:write' },
      schema: { tags, body: RoleCreateBody, response: { 201: AssignmentRoleDetailV2 } },
    },
    async (request, reply) => {
      const role = await admin.createRole(contextOf(request), request.body);
      reply.header('location', `/api/v2/assignment-roles/${role.id}`);
      return reply.code(201).send(sendRole(reply, role));
    },
  );

  app.patch(
    '/assignment-roles/:id',
    {
      config: { permission: 'workflows:write' },
      schema: {
        tags,
        summary: 'Rename or redescribe a role; requires If-Match.',
        params: IdParams,
        body: RoleUpdateBody,
        response: { 200: AssignmentRoleDetailV2 },
      },
    },
    async (request, reply) => {
      const version = expectedVersion(request, 'v2');
      const role = await withVersionCheck('v2', presentRoleV2, () =>
        admin.updateRole(contextOf(request), request.params.id, request.body, version),
      );
      return sendRole(reply, role);
    },
  );

  app.delete(
    '/assignment-roles/:id',
    {
      config: { permission: 'workflows:write' },
      schema: {
        tags,
        summary:
          'Delete a role with its members; requires If-Match. Refused (409) while a published or draft ' +
          'workflow version names it.',
        params: IdParams,
        response: Deleted,
      },
    },
    async (request, reply) => {
      const version = expectedVersion(request, 'v2');
      await withVersionCheck('v2', presentRoleV2, () =>
        admin.deleteRole(contextOf(request), request.params.id, version),
      );
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/assignment-roles/:id/members',
    {
      config: { permission: 'workflows:write' },
      schema: {
        tags,
        summary: 'Add people to a role (active, not viewers); people already in it stay. Answers the role.',
        params: IdParams,
        body: MembersBody,
        response: { 200: AssignmentRoleDetailV2 },
      },
    },
    async (request, reply) =>
      sendRole(reply, await admin.addMembers(contextOf(request), request.params.id, request.body.user_ids)),
  );

  app.delete(
    '/assignment-roles/:id/members/:userId',
    {
      config: { permission: 'workflows:write' },
      schema: { tags, summary: 'Remove a person from a role.', params: MemberParams, response: Deleted },
    },
    async (request, reply) => {
      await admin.removeMember(contextOf(request), request.params.id, request.params.userId);
      return reply.code(204).send(null);
    },
  );

  // Assignee profiles

  app.get(
    '/assignee-profiles',
    {
      config: { permission: 'workflows:read' },
      schema: {
        tags,
        summary: 'The assignee profiles people have; anyone without one has no cap and their working hours.',
        querystring: listQuerySchema(profileList, 'v2'),
        response: { 200: v2PageSchema(AssigneeProfileV2) },
      },
    },
    (request, reply) => {
      const params = parseListQuery(profileList, request.query, 'v2');
      return sendList(request, reply, {
        page: () => admin.listProfiles(params),
        all: () => admin.allProfiles(params),
        present: presentProfileV2,
        item: AssigneeProfileV2,
        filename: 'assignee-profiles',
      });
    },
  );

  app.get(
    '/assignee-profiles/:userId',
    {
      config: { permission: 'workflows:read' },
      schema: {
        tags,
        summary: "A person's capacity and working-hours calendar (the defaults, version 0, when never set).",
        params: UserIdParams,
        response: { 200: AssigneeProfileV2 },
      },
    },
    async (request, reply) => sendProfile(reply, await admin.getProfile(request.params.userId)),
  );

  app.put(
    '/assignee-profiles/:userId',
    {
      config: { permission: 'workflows:write' },
      schema: {
        tags,
        summary: 'Set a person\'s profile; requires If-Match ("0" when they have none yet, or *).',
        params: UserIdParams,
        body: ProfileBody,
        response: { 200: AssigneeProfileV2 },
      },
    },
    async (request, reply) => {
      const version = expectedVersion(request, 'v2');
      const { capacity, calendar_id: calendarId } = request.body;
      const profile = await withVersionCheck('v2', presentProfileV2, () =>
        admin.putProfile(contextOf(request), request.params.userId, { capacity, calendarId }, version),
      );
      return sendProfile(reply, profile);
    },
  );

  await app.register(workflowRoutes, { admin });
};
