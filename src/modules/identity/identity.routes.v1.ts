import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { contextOf } from '../../platform/auth/actor.ts';
import { expectedVersion, withVersionCheck } from '../../platform/http/etag.ts';
import { sendList } from '../../platform/http/negotiation.ts';
import { v1PageSchema } from '../../platform/http/pagination.ts';
import { listQuerySchema, parseListQuery } from '../../platform/http/query.ts';
import { definedOnly, IdParams } from '../../platform/http/schemas.ts';
import { presentProfileV1, presentUserV1 } from './identity.presenters.ts';
import { personList } from './identity.repository.ts';
import { ProfileV1, ProfileV1Body, UserV1 } from './identity.schemas.ts';
import type { PersonInput } from './identity.service.ts';
import { sessionRoutes } from './identity.routes.sessions.ts';
import { authTokenRoutesV1 } from './identity.routes.v1.authtoken.ts';
import type { IdentityRouteOptions } from './identity.routes.ts';

const tags = ['identity'];

function profileInput(body: ProfileV1Body): PersonInput {
  const input: PersonInput = {
    username: body.username,
    password: body.password,
    email: body.email,
    firstName: body.first_name,
    lastName: body.last_name,
    phone: body.phone,
    position: body.position,
    startDate: body.start_date,
    role: body.role,
    departmentId: body.department_id,
  };
  if (body.full_name !== undefined && body.first_name === undefined && body.last_name === undefined) {
    const [first = '', ...rest] = body.full_name.trim().split(/\s+/);
    input.firstName = first;
    input.lastName = rest.join(' ');
  }
  if (typeof body.department === 'number') input.departmentId = body.department;
  else if (body.department !== undefined) input.departmentName = body.department;
  if (body.status !== undefined) input.isActive = body.status === 'Active';
  return definedOnly(input);
}

/** The BMS contract: the logged-in user and `/api/profiles/`. */
export const identityRoutesV1: FastifyPluginAsyncTypebox<IdentityRouteOptions> = async (app, options) => {
  const { identity } = options;
  await app.register(
    sessionRoutes('v1', {
      csrf: '/csrf/',
      login: '/auth/login/',
      mfa: '/auth/mfa/',
      logout: '/auth/logout/',
    }),
    options,
  );
  await app.register(authTokenRoutesV1, options);

  app.get(
    '/auth/user/',
    {
      config: { permission: 'users:read' },
      schema: { tags, summary: 'The logged-in user.', response: { 200: UserV1 } },
    },
    async (request) => presentUserV1((await identity.me(contextOf(request).actor)).user),
  );

  app.get(
    '/profiles/',
    {
      config: { permission: 'users:read' },
      schema: {
        tags,
        querystring: listQuerySchema(personList, 'v1'),
        response: { 200: v1PageSchema(ProfileV1) },
      },
    },
    (request, reply) => {
      const { actor } = contextOf(request);
      const params = parseListQuery(personList, request.query, 'v1');
      return sendList(request, reply, {
        page: () => identity.listPeople(actor, params),
        all: () => identity.allPeople(actor, params),
        present: presentProfileV1,
        item: ProfileV1,
        filename: 'profiles',
      });
    },
  );

  app.get(
    '/profiles/:id/',
    {
      config: { permission: 'users:read' },
      schema: { tags, params: IdParams, response: { 200: ProfileV1 } },
    },
    async (request) =>
      presentProfileV1(await identity.getPerson(contextOf(request).actor, { profileId: request.params.id })),
  );

  app.post(
    '/profiles/',
    {
      config: { permission: 'users:write' },
      schema: {
        tags,
        summary: 'Create a person: a user (without a password unless given) and their profile.',
        body: ProfileV1Body,
        response: { 201: ProfileV1 },
      },
    },
    async (request, reply) => {
      const person = await identity.createPerson(contextOf(request), profileInput(request.body));
      return reply.code(201).send(presentProfileV1(person));
    },
  );

  const update = async (request: FastifyRequest<{ Params: { id: number }; Body: ProfileV1Body }>) => {
    const ref = { profileId: request.params.id };
    const version = expectedVersion(request, 'v1', request.body.version);
    const person = await withVersionCheck('v1', presentProfileV1, () =>
      identity.updatePerson(contextOf(request), ref, profileInput(request.body), version),
    );
    return presentProfileV1(person);
  };
  for (const method of ['PATCH', 'PUT'] as const) {
    app.route({
      method,
      url: '/profiles/:id/',
      config: { permission: 'users:read' },
      schema: { tags, params: IdParams, body: ProfileV1Body, response: { 200: ProfileV1 } },
      handler: update,
    });
  }

  app.delete(
    '/profiles/:id/',
    {
      config: { permission: 'users:write' },
      schema: { tags, summary: 'Deactivate the person (kept for history).', params: IdParams },
    },
    async (request, reply) => {
      await identity.deactivatePerson(contextOf(request), { profileId: request.params.id });
      return reply.code(204).send();
    },
  );
};
