import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply } from 'fastify';
import { contextOf } from '../../platform/auth/actor.ts';
import { expectedVersion, setEtag, withVersionCheck } from '../../platform/http/etag.ts';
import { sendList } from '../../platform/http/negotiation.ts';
import { v2PageSchema } from '../../platform/http/pagination.ts';
import { listQuerySchema, parseListQuery } from '../../platform/http/query.ts';
import { definedOnly, IdParams } from '../../platform/http/schemas.ts';
import { presentDepartment, presentUserV2 } from './identity.presenters.ts';
import { departmentList, personList } from './identity.repository.ts';
import { Department, DepartmentBody, UserCreateBody, UserUpdateBody, UserV2 } from './identity.schemas.ts';
import type { PersonInput } from './identity.service.ts';
import { sessionRoutes } from './identity.routes.sessions.ts';
import type { IdentityRouteOptions } from './identity.routes.ts';

const tags = ['identity'];

function userInput(body: typeof UserUpdateBody.static): PersonInput {
  const input: PersonInput = {
    username: body.username,
    email: body.email,
    password: body.password,
    firstName: body.first_name,
    lastName: body.last_name,
    role: body.role,
    departmentId: body.department_id,
    timeZone: body.time_zone,
    isActive: body.is_active,
    isStaff: body.is_staff,
    phone: body.phone,
    position: body.position,
    startDate: body.start_date,
  };
  return definedOnly(input);
}

function sendUser(reply: FastifyReply, person: Parameters<typeof presentUserV2>[0]) {
  setEtag(reply, person.user.version);
  return presentUserV2(person);
}

/** `/api/v2`: the session routes, `/me`, users and departments. */
export const identityRoutesV2: FastifyPluginAsyncTypebox<IdentityRouteOptions> = async (app, options) => {
  const { identity } = options;
  await app.register(
    sessionRoutes('v2', {
      csrf: '/auth/csrf',
      login: '/auth/login',
      mfa: '/auth/mfa',
      logout: '/auth/logout',
    }),
    options,
  );

  app.get(
    '/me',
    {
      config: { permission: 'users:read' },
      schema: { tags, summary: 'The authenticated user.', response: { 200: UserV2 } },
    },
    async (request, reply) => sendUser(reply, await identity.me(contextOf(request).actor)),
  );

  app.get(
    '/users',
    {
      config: { permission: 'users:read' },
      schema: {
        tags,
        querystring: listQuerySchema(personList, 'v2'),
        response: { 200: v2PageSchema(UserV2) },
      },
    },
    (request, reply) => {
      const { actor } = contextOf(request);
      const params = parseListQuery(personList, request.query, 'v2');
      return sendList(request, reply, {
        page: () => identity.listPeople(actor, params),
        all: () => identity.allPeople(actor, params),
        present: presentUserV2,
        item: UserV2,
        filename: 'users',
      });
    },
  );

  app.get(
    '/users/:id',
    { config: { permission: 'users:read' }, schema: { tags, params: IdParams, response: { 200: UserV2 } } },
    async (request, reply) =>
      sendUser(reply, await identity.getPerson(contextOf(request).actor, { userId: request.params.id })),
  );

  app.post(
    '/users',
    {
      config: { permission: 'users:write' },
      schema: { tags, body: UserCreateBody, response: { 201: UserV2 } },
    },
    async (request, reply) => {
      const person = await identity.createPerson(contextOf(request), userInput(request.body));
      reply.header('location', `/api/v2/users/${person.user.id}`);
      return reply.code(201).send(sendUser(reply, person));
    },
  );

  app.patch(
    '/users/:id',
    {
      config: { permission: 'users:read' },
      schema: {
        tags,
        summary: 'Update a user; requires If-Match.',
        params: IdParams,
        body: UserUpdateBody,
        response: { 200: UserV2 },
      },
    },
    async (request, reply) => {
      const version = expectedVersion(request, 'v2');
      const person = await withVersionCheck('v2', presentUserV2, () =>
        identity.updatePerson(
          contextOf(request),
          { userId: request.params.id },
          userInput(request.body),
          version,
        ),
      );
      return sendUser(reply, person);
    },
  );

  app.delete(
    '/users/:id',
    {
      config: { permission: 'users:write' },
      schema: {
        tags,
        summary: 'Deactivate a user (kept for history); requires If-Match.',
        params: IdParams,
        response: { 200: UserV2 },
      },
    },
    async (request, reply) => {
      const version = expectedVersion(request, 'v2');
      const person = await withVersionCheck('v2', presentUserV2, () =>
        identity.deactivatePerson(contextOf(request), { userId: request.params.id }, version),
      );
      return sendUser(reply, person);
    },
  );

  app.get(
    '/departments',
    {
      config: { permission: 'departments:read' },
      schema: {
        tags,
        querystring: listQuerySchema(departmentList, 'v2'),
        response: { 200: v2PageSchema(Department) },
      },
    },
    (request, reply) => {
      const params = parseListQuery(departmentList, request.query, 'v2');
      return sendList(request, reply, {
        page: () => identity.listDepartments(params),
        all: () => identity.allDepartments(params),
        present: presentDepartment,
        item: Department,
        filename: 'departments',
      });
    },
  );

  app.post(
    '/departments',
    {
      config: { permission: 'departments:write' },
      schema: { tags, body: DepartmentBody, response: { 201: Department } },
    },
    async (request, reply) => {
      const department = await identity.createDepartment(contextOf(request), request.body);
      setEtag(reply, department.version);
      return reply.code(201).send(presentDepartment(department));
    },
  );
};
