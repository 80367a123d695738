import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type Browser, type TestApp } from '../../../test/helpers/app.ts';

/**
 * What reaches a handler as a request body, and what never does: an empty body is
 * no body (as DRF reads it), a media type no route reads is a 415, and a NUL
 * character in any string input is a 400 naming the field (PostgreSQL cannot store
 * it) on every route, proven by walking the route table.
 */

type Json = Record<string, unknown>;
interface Problem {
  status: number;
  code: string;
  detail: string;
  errors?: { field: string; message: string }[];
}

/** Inbound webhooks whose raw body is verified by a signature before it is parsed. */
const SIGNED_BODIES = new Set(['POST /api/v2/payments/webhooks/card']);
const NUL_MESSAGE = 'Null characters are not allowed.';
const REQUIRED = 'This field is required.';

let t: TestApp;
let admin: Browser;

beforeAll(async () => {
  t = await createTestApp();
  admin = await t.login(await t.user({ role: 'admin' }));
});

afterAll(async () => {
  await t.close();
});

const problemOf = (response: LightMyRequestResponse): Problem => {
  expect(response.headers['content-type']).toBe('application/problem+json; charset=utf-8');
  return response.json<Problem>();
};

/** The field names of a 400, in either version's shape. */
const fieldsOf = (response: LightMyRequestResponse): Record<string, string[]> => {
  if (String(response.headers['content-type']).startsWith('application/problem+json')) {
    const fields: Record<string, string[]> = {};
    for (const { field, message } of problemOf(response).errors ?? []) (fields[field] ??= []).push(message);
    return fields;
  }
  return response.json<Record<string, string[]>>();
};

describe('an empty body with a JSON content type is no body', () => {
  it("logs out with the SPA's exact request over a socket, and the session is dead afterwards", async () => {
    const person = await t.user();
    const browser = await t.login(person);
    const cookie = [...browser.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
    const address = await t.app.listen({ port: 0, host: '127.0.0.1' });
    const port = (t.app.server.address() as AddressInfo).port;
    expect(address).toContain(String(port));

    // fetch() with no body sends Content-Length: 0, as the browser does.
    const logout = await fetch(`http://127.0.0.1:${port}/api/auth/logout/`, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        'X-CSRFToken': browser.csrfToken ?? '',
        Cookie: cookie,
      },
    });
    expect(logout.status, await logout.clone().text()).toBe(200);
    expect(await logout.json()).toEqual({ detail: 'Successfully logged out.' });

    const after = await fetch(`http://127.0.0.1:${port}/api/auth/user/`, { headers: { Cookie: cookie } });
    expect(after.status).toBe(401);
  });

  it('logs out when the JSON content type comes with no Content-Length and no body', async () => {
    const person = await t.user();
    const browser = await t.login(person);
    const cookie = [...browser.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
    const logout = await t.app.inject({
      method: 'POST',
      url: '/api/auth/logout/',
      headers: { 'content-type': 'application/json', 'x-csrftoken': browser.csrfToken ?? '', cookie },
    });
    expect(logout.statusCode, logout.body).toBe(200);
    const after = await t.app.inject({ method: 'GET', url: '/api/auth/user/', headers: { cookie } });
    expect(after.statusCode).toBe(401);
  });

  it('a create with an empty JSON body names the required fields: v1 DRF shape, v2 problem+json', async () => {
    for (const headers of [{ 'content-type': 'application/json' }, { 'content-length': '0' }, {}]) {
      const v1 = await admin.request({ method: 'POST', url: '/api/locations/', headers });
      expect(v1.statusCode, v1.body).toBe(400);
      expect(v1.json()).toEqual({ name: [REQUIRED] });

      const v2 = await admin.request({ method: 'POST', url: '/api/v2/locations', headers });
      expect(v2.statusCode, v2.body).toBe(400);
      expect(problemOf(v2).errors).toEqual([{ field: 'name', message: REQUIRED }]);
    }
  });

  it('an empty body of any media type is no body, as DRF reads it', async () => {
    const response = await admin.request({
      method: 'POST',
      url: '/api/locations/',
      headers: { 'content-type': 'text/plain', 'content-length': '0' },
    });
    expect(response.statusCode, response.body).toBe(400);
    expect(response.json()).toEqual({ name: [REQUIRED] });

    // Streamed without a Content-Length: empty is no body, anything else is refused.
    const streamed = (chunks: string[]) =>
      admin.request({
        method: 'POST',
        url: '/api/locations/',
        payload: Readable.from(chunks),
        headers: { 'content-type': 'text/plain' },
      });
    const empty = await streamed([]);
    expect(empty.statusCode, empty.body).toBe(400);
    expect(empty.json()).toEqual({ name: [REQUIRED] });
    expect((await streamed(['', 'name=Studio'])).statusCode).toBe(415);
  });

  it('a body that is only whitespace is still malformed JSON', async () => {
    const response = await admin.request({
      method: 'POST',
      url: '/api/locations/',
      payload: '  ',
      headers: { 'content-type': 'application/json' },
    });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ code: 'MALFORMED_JSON' });
  });
});

describe('a media type no route reads is 415', () => {
  it('text/plain and application/xml: v1 DRF detail, v2 problem+json', async () => {
    for (const type of ['text/plain', 'text/plain; charset=utf-8', 'application/xml']) {
      const v1 = await admin.request({
        method: 'POST',
        url: '/api/locations/',
        payload: 'name=Studio',
        headers: { 'content-type': type },
      });
      expect(v1.statusCode, v1.body).toBe(415);
      expect(v1.json()).toMatchObject({
        detail: `Unsupported media type "${type}" in request.`,
        code: 'UNSUPPORTED_MEDIA_TYPE',
      });

      const v2 = await admin.request({
        method: 'PATCH',
        url: '/api/v2/locations/1',
        payload: '<name>Studio</name>',
        headers: { 'content-type': type },
      });
      expect(v2.statusCode, v2.body).toBe(415);
      expect(problemOf(v2)).toMatchObject({
        status: 415,
        code: 'UNSUPPORTED_MEDIA_TYPE',
        detail: `Unsupported media type "${type}" in request.`,
      });
    }
  });

  it('multipart still reaches the upload route', async () => {
    const boundary = `----opsdesk-${randomUUID()}`;
    const response = await admin.request({
      method: 'POST',
      url: '/api/v2/tickets/2147483647/attachments',
      payload:
        `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\n` +
        `Content-Type: text/plain\r\n\r\nhello\r\n--${boundary}--\r\n`,
      headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
    });
    expect(response.statusCode, response.body).toBe(404);
  });
});

describe('a NUL character in any string input is a 400 naming the field', () => {
  const nulOnly = (response: LightMyRequestResponse, fields: string[]) => {
    expect(response.statusCode, response.body).toBe(400);
    expect(fieldsOf(response)).toEqual(Object.fromEntries(fields.map((field) => [field, [NUL_MESSAGE]])));
  };

  it('login with a NUL in the username', async () => {
    const browser = await t.login(await t.user());
    const response = await browser.post('/api/auth/login/', { username: 'li.wei\u0000', password: 'x' });
    nulOnly(response, ['username']);
  });

  it('a ticket title, a comment, a nested value, a key, and ?search= on v1 and v2 lists', async () => {
    nulOnly(await admin.post('/api/v2/tickets', { kind: 'incident', title: 'Alarm\u0000' }), ['title']);
    nulOnly(await admin.post('/api/service-tickets/', { title: 'Alarm\u0000' }), ['title']);
    nulOnly(await admin.post('/api/v2/tickets/1/comments', { body: 'note \u0000' }), ['body']);
    nulOnly(await admin.post('/api/v2/locations', { name: 'ok', extra: { list: ['a', 'b\u0000'] } }), [
      'extra.list.1',
    ]);
    nulOnly(await admin.post('/api/v2/locations', { ['na\u0000me']: 'x' }), ['na\u0000me']);
    nulOnly(await admin.get('/api/service-tickets/?search=a%00b'), ['search']);
    nulOnly(await admin.get('/api/v2/tickets?search=a%00b'), ['search']);
    nulOnly(await admin.get('/api/v2/tickets?status=open&status=a%00b'), ['status']);
    nulOnly(await admin.get('/api/v2/files/a%00b'), ['token']);
  });

  it("a NUL in an uploaded file's name (multipart, read by the handler)", async () => {
    const created = await admin.post('/api/v2/tickets', { kind: 'service', title: 'Upload target' });
    expect(created.statusCode, created.body).toBe(201);
    const { id } = created.json<{ id: number }>();
    for (const disposition of ['filename="a\u0000b.txt"', "filename*=UTF-8''a%00b.txt"]) {
      const boundary = `----opsdesk-${randomUUID()}`;
      const response = await admin.request({
        method: 'POST',
        url: `/api/v2/tickets/${id}/attachments`,
        payload:
          `--${boundary}\r\nContent-Disposition: form-data; name="file"; ${disposition}\r\n` +
          `Content-Type: text/plain\r\n\r\nhello\r\n--${boundary}--\r\n`,
        headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
      });
      nulOnly(response, ['file']);
    }
    expect((await admin.get(`/api/v2/tickets/${id}/attachments`)).json()).toEqual([]);
  });

  it('a NUL in a header that is stored (User-Agent)', async () => {
    const response = await admin.request({
      method: 'GET',
      url: '/api/auth/user/',
      headers: { 'user-agent': 'curl\u0000' },
    });
    nulOnly(response, ['user-agent']);
  });

  it('walks the route table: NUL in every body string, query string and path parameter is a 400', async () => {
    const operations = await openApiOperations();
    // Logout goes last: on a route that let the NUL through, it would end the session the walk uses.
    const routes = routeTable(t.app.printRoutes({ commonPrefix: false }))
      .filter((route) => route.url.startsWith('/api') && route.method !== 'HEAD')
      .sort((a, b) => Number(a.url.endsWith('/logout')) - Number(b.url.endsWith('/logout')));
    const operationOf = ({ method, url }: { method: string; url: string }) =>
      operations.get(`${method} ${url}`) ?? operations.get(`${method} ${url.replace(/^\/api/, '/api/v1')}`);
    // The walk reads each route's inputs from its OpenAPI operation; only these input-less ones have none.
    expect(
      routes.filter((route) => !operationOf(route)).map(({ method, url }) => `${method} ${url}`),
    ).toEqual([
      'GET /api/health',
      'GET /api/v1/health',
      'GET /api/v1/openapi.json',
      'GET /api/v2/openapi.json',
      // A WebSocket upgrade: OpenAPI has no way to describe one (docs/realtime.md does).
      'GET /api/v2/stream/ws',
    ]);
    const failures: string[] = [];
    const check = async (label: string, options: InjectOptions & { url: string }, fields: string[]) => {
      const response = await admin.request(options);
      const expected = Object.fromEntries(fields.sort().map((field) => [field, [NUL_MESSAGE]]));
      const answered = response.statusCode === 400 ? fieldsOf(response) : {};
      const named = Object.fromEntries(
        Object.keys(answered)
          .sort()
          .map((field) => [field, answered[field]]),
      );
      if (JSON.stringify(named) !== JSON.stringify(expected))
        failures.push(`${label} ${options.method} ${options.url}: ${response.statusCode} ${response.body}`);
    };

    for (const { method, url } of routes) {
      const operation = operationOf({ method, url });
      const parameters = operation?.parameters ?? [];
      const path = (value: (name: string) => string) =>
        url.replace(/:(\w+)/g, (_match, name: string) => value(name));
      const plainPath = path((name) =>
        parameters.find((p) => p.in === 'path' && p.name === name)?.schema.type === 'string' ? 'x' : '1',
      );

      const queryNames = parameters
        .filter((p) => p.in === 'query' && accepts(p.schema, 'string'))
        .map((p) => p.name);
      if (queryNames.length === 0) queryNames.push('search');
      await check(
        'query',
        { method, url: `${plainPath}?${queryNames.map((name) => `${name}=a%00b`).join('&')}` },
        queryNames,
      );

      const pathNames = [...url.matchAll(/:(\w+)/g)].map((match) => match[1] ?? '');
      if (pathNames.length > 0) await check('path', { method, url: path(() => 'a%00b') }, pathNames);

      if (SIGNED_BODIES.has(`${method} ${url}`)) {
        // Read only once its signature holds: an unsigned body, NUL or not, is refused before any field.
        const unsigned = await admin.request({ method, url: plainPath, payload: { note: 'a\u0000b' } });
        if (unsigned.statusCode !== 401) failures.push(`signed ${method} ${url}: ${unsigned.statusCode}`);
      } else if (['POST', 'PUT', 'PATCH', 'DELETE'].includes(method)) {
        const content = operation?.requestBody?.content ?? {};
        const calendar = content['text/calendar'];
        const json = content['application/json'];
        if (calendar) {
          await check(
            'body',
            {
              method,
              url: plainPath,
              payload: 'BEGIN:VCALENDAR\u0000',
              headers: { 'content-type': 'text/calendar' },
            },
            ['non_field_errors'],
          );
        } else {
          const body = json ? withNul(json.schema, []) : undefined;
          const [payload, fields] =
            body && body.fields.length > 0 ? [body.value, body.fields] : [{ note: 'a\u0000b' }, ['note']];
          await check('body', { method, url: plainPath, payload: payload as Json }, fields);
        }
      }
    }
    expect(failures).toEqual([]);
  });
});

interface Schema {
  type?: string | string[];
  properties?: Record<string, Schema>;
  items?: Schema;
  anyOf?: Schema[];
  oneOf?: Schema[];
}
interface Operation {
  parameters?: { in: string; name: string; schema: Schema }[];
  requestBody?: { content: Record<string, { schema: Schema }> };
}

/** Every operation of the OpenAPI document by "METHOD /fastify/:url", with its parameters and body. */
async function openApiOperations(): Promise<Map<string, Operation>> {
  const operations = new Map<string, Operation>();
  for (const version of ['v1', 'v2']) {
    const document = (await admin.get(`/api/${version}/openapi.json`)).json<{
      paths: Record<string, Record<string, Operation>>;
    }>();
    for (const [path, byMethod] of Object.entries(document.paths)) {
      const url = path.replace(/\{(\w+)\}/g, ':$1').replace(/(.)\/$/, '$1');
      for (const [method, operation] of Object.entries(byMethod))
        operations.set(`${method.toUpperCase()} ${url}`, operation);
    }
  }
  return operations;
}

/** `printRoutes({ commonPrefix: false })` read back into method + url pairs. */
function routeTable(printed: string): { method: string; url: string }[] {
  const routes: { method: string; url: string }[] = [];
  const stack: string[] = [];
  for (const line of printed.split('\n')) {
    const match = /^((?:│ {3}| {4})*)(?:├── |└── )(.+?)(?: \(([A-Z, ]+)\))?$/.exec(line);
    if (!match) continue;
    const depth = (match[1] ?? '').length / 4;
    stack.length = depth;
    stack.push(match[2] ?? '');
    const url = stack.join('').replace(/(.)\/$/, '$1');
    for (const method of (match[3] ?? '').split(', ').filter(Boolean)) routes.push({ method, url });
  }
  return routes;
}

const accepts = (schema: Schema, type: string): boolean =>
  [schema.type].flat().includes(type) ||
  [...(schema.anyOf ?? []), ...(schema.oneOf ?? [])].some((branch) => accepts(branch, type)) ||
  (schema.type === 'array' && schema.items !== undefined && accepts(schema.items, type));

/** A value for `schema` with a NUL in every string it holds, and the dotted paths of those strings. */
function withNul(schema: Schema, path: string[]): { value: unknown; fields: string[] } | undefined {
  const branch = [...(schema.anyOf ?? []), ...(schema.oneOf ?? [])].find((s) => s.type !== 'null');
  if (branch) return withNul(branch, path);
  const types = [schema.type].flat();
  if (types.includes('string')) return { value: 'a\u0000b', fields: [path.join('.')] };
  if (types.includes('array') && schema.items) {
    const item = withNul(schema.items, [...path, '0']);
    return item && { value: [item.value], fields: item.fields };
  }
  if (types.includes('object') && schema.properties) {
    const value: Json = {};
    const fields: string[] = [];
    for (const [name, property] of Object.entries(schema.properties)) {
      const inner = withNul(property, [...path, name]);
      if (!inner) continue;
      value[name] = inner.value;
      fields.push(...inner.fields);
    }
    return fields.length > 0 ? { value, fields } : undefined;
  }
  return undefined;
}
