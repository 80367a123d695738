import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { contextOf } from '../../platform/auth/actor.ts';
import { SESSION_COOKIE } from '../../platform/auth/authenticate.ts';
import { issueCsrfToken } from '../../platform/auth/csrf.ts';
import { AppError } from '../../platform/http/errors.ts';
import { expectedVersion, setEtag, withVersionCheck } from '../../platform/http/etag.ts';
import { sendList } from '../../platform/http/negotiation.ts';
import { v1PageSchema, v2PageSchema } from '../../platform/http/pagination.ts';
import { listQuerySchema, parseListQuery } from '../../platform/http/query.ts';
import { definedOnly, IdParams } from '../../platform/http/schemas.ts';
import type { ApiVersion } from '../../platform/http/versioning.ts';
import {
  presentDepartment,
  presentProfileV1,
  presentToken,
  presentUserV1,
  presentUserV2,
} from './identity.presenters.ts';
import { departmentList, personList } from './identity.repository.ts';
import {
  CsrfResponse,
  Department,
  DepartmentBody,
  LoginBody,
  ProfileV1,
  ProfileV1Body,
  TokenCreateBody,
  TokenCreated,
  TokenV2,
  UserCreateBody,
  UserUpdateBody,
  UserV1,
  UserV2,
} from './identity.schemas.ts';
import type { IdentityService, PersonInput } from './identity.service.ts';

export interface IdentityRouteOptions {
  identity: IdentityService;
  secureCookies: boolean;
  sessionTtlHours: number;
  loginRateLimitPerMinute: number;
}

const tags = ['identity'];

/** CSRF, login and logout are the same in both versions; only the user's shape differs. */
function sessionRoutes(
  api: ApiVersion,
  paths: { csrf: string; login: string; logout: string },
): FastifyPluginAsyncTypebox<IdentityRouteOptions> {
  return async (app, { identity, secureCookies, sessionTtlHours, loginRateLimitPerMinute }) => {
    app.get(
      paths.csrf,
      {
        config: { public: true },
        schema: {
          tags,
          summary: 'Issue the CSRF token (also set as the csrftoken cookie).',
          response: { 200: CsrfResponse },
        },
      },
      (request, reply) => ({ csrfToken: issueCsrfToken(request, reply, secureCookies) }),
    );

    app.post(
      paths.login,
      {
        config: {
          public: true,
          csrf: true,
          // Per client IP and username, counted after the body is parsed: slows password guessing
          // against one account without locking everyone behind a shared NAT out.
          ...(loginRateLimitPerMinute > 0 && {
            rateLimit: {
              max: loginRateLimitPerMinute,
              timeWindow: 60_000,
              hook: 'preHandler' as const,
              keyGenerator: (request: FastifyRequest) => `login:${request.ip}:${loginName(request.body)}`,
            },
          }),
        },
        schema: {
          tags,
          summary: 'Log in with username and password; sets the sessionid cookie.',
          body: LoginBody,
          response: { 200: api === 'v1' ? UserV1 : UserV2 },
        },
      },
      async (request, reply) => {
        const { username, password } = request.body;
        if (!username || !password) {
          throw new AppError(
            'IDENTITY_CREDENTIALS_REQUIRED',
            'invalid',
            'Both "username" and "password" are required.',
          );
        }
        const { sessionToken, person } = await identity.login(
          { username, password },
          { requestId: request.id, ip: request.ip, userAgent: request.headers['user-agent'] },
        );
        reply.setCookie(SESSION_COOKIE, sessionToken, {
          path: '/',
          httpOnly: true,
          sameSite: 'lax',
          secure: secureCookies,
          maxAge: sessionTtlHours * 3600,
        });
        return api === 'v1' ? presentUserV1(person.user) : presentUserV2(person);
      },
    );

    app.post(
      paths.logout,
      {
        config: { public: true, resolveActor: true },
        schema: {
          tags,
          summary: 'End the session (server-side).',
          response: { 200: Type.Object({ detail: Type.String() }) },
        },
      },
      async (request, reply) => {
        if (request.actor) await identity.logout(contextOf(request));
        reply.clearCookie(SESSION_COOKIE, { path: '/' });
        return { detail: 'Successfully logged out.' };
      },
    );
  };
}

const loginName = (body: unknown): string => {
  const username = (body as { username?: unknown } | undefined)?.username;
  return typeof username === 'string' ? username.toLowerCase() : '';
};

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

export const identityRoutesV1: FastifyPluginAsyncTypebox<IdentityRouteOptions> = async (app, options) => {
  const { identity } = options;
  await app.register(
    sessionRoutes('v1', { csrf: '/csrf/', login: '/auth/login/', logout: '/auth/logout/' }),
    options,
  );

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

export const identityRoutesV2: FastifyPluginAsyncTypebox<IdentityRouteOptions> = async (app, options) => {
  const { identity } = options;
  await app.register(
    sessionRoutes('v2', { csrf: '/auth/csrf', login: '/auth/login', logout: '/auth/logout' }),
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

  app.get(
    '/tokens',
    {
      config: { permission: 'tokens:manage' },
      schema: { tags, summary: 'Your active API tokens.', response: { 200: Type.Array(TokenV2) } },
    },
    async (request) => (await identity.listTokens(contextOf(request).actor)).map(presentToken),
  );

  app.post(
    '/tokens',
    {
      config: { permission: 'tokens:manage' },
      schema: {
        tags,
        summary: 'Create a personal API token; the secret is shown once.',
        body: TokenCreateBody,
        response: { 201: TokenCreated },
      },
    },
    async (request, reply) => {
      const expiresAt = request.body.expires_at ? new Date(request.body.expires_at) : undefined;
      if (expiresAt && expiresAt.getTime() <= Date.now()) {
        throw new AppError('VALIDATION_FAILED', 'invalid', 'Invalid input.', {
          fields: { expires_at: ['Must be in the future.'] },
        });
      }
      const { token, secret } = await identity.createToken(contextOf(request), {
        name: request.body.name,
        expiresAt,
      });
      return reply.code(201).send({ ...presentToken(token), token: secret });
    },
  );

  app.delete(
    '/tokens/:id',
    {
      config: { permission: 'tokens:manage' },
      schema: { tags, summary: 'Revoke a token.', params: IdParams },
    },
    async (request, reply) => {
      await identity.revokeToken(contextOf(request), request.params.id);
      return reply.code(204).send();
    },
  );
};
