import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type Browser, type TestApp } from '../../../test/helpers/app.ts';
import { documentFor } from './openapi.ts';

/**
 * Every GET list route of v1 and v2, found in the OpenAPI documents (the routes as
 * registered), answers NDJSON by `?format=ndjson` and by `Accept`: one JSON object per
 * line, the same objects as its JSON items. Paged lists stream every row; collections
 * answered whole convert their array.
 */

let t: TestApp;
let admin: Browser;

interface ListRoute {
  path: string;
  paged: boolean;
}

type Operation = {
  parameters?: { name: string; in: string }[];
  responses?: Record<string, { content?: Record<string, { schema?: Record<string, unknown> }> }>;
};

/** GET operations whose JSON answer is a list: a page (`results`/`data`) or a whole array. */
function listRoutes(prefix: '/api/v1' | '/api/v2'): (ListRoute & { operation: Operation })[] {
  const document = documentFor(t.app, prefix) as {
    paths: Record<string, { get?: Operation }>;
    components: { schemas: Record<string, unknown> };
  };
  type Node = { type?: string; $ref?: string; properties?: Record<string, Node> };
  const deref = (node: Node | undefined): Node | undefined =>
    node?.$ref ? (document.components.schemas[node.$ref.split('/').pop() ?? ''] as Node) : node;
  return Object.entries(document.paths).flatMap(([path, item]) => {
    const operation = item.get;
    const json = deref(operation?.responses?.['200']?.content?.['application/json']?.schema);
    const schema = json && {
      ...json,
      properties: Object.fromEntries(
        Object.entries(json.properties ?? {}).map(([k, v]) => [k, deref(v) ?? v]),
      ),
    };
    if (!operation || !schema) return [];
    const results = schema.properties.results?.type === 'array';
    const paged = schema.properties.data?.type === 'array' || (results && 'count' in schema.properties);
    const whole = schema.type === 'array' || results;
    return paged || whole ? [{ path, paged, operation }] : [];
  });
}

/** A path with its `{id}` filled from the parent list's first item (`/tickets/{id}/comments` -> a ticket). */
async function concrete(path: string): Promise<string | undefined> {
  const match = /^(.*?)\/\{[^}]+\}(.*)$/.exec(path);
  if (!match) return path;
  const [, parent = '', rest = ''] = match;
  const response = await admin.get(parent);
  if (response.statusCode !== 200) return undefined;
  const body = response.json<{ data?: { id: number }[]; results?: { id: number }[] } | { id: number }[]>();
  const first = Array.isArray(body) ? body[0] : (body.data ?? body.results)?.[0];
  return first ? `${parent}/${first.id}${rest}` : undefined;
}

const itemsOf = (body: unknown): unknown[] => {
  if (Array.isArray(body)) return body;
  const page = body as { data?: unknown[]; results?: unknown[] };
  return page.data ?? page.results ?? [];
};

/** Values for the query parameters a list requires (a time window). */
const REQUIRED: Record<string, string> = { from: '2026-01-01T00:00:00Z', to: '2026-03-01T00:00:00Z' };

/** The path with the operation's required query parameters. */
function withRequired(path: string, operation: Operation): string {
  const required = (operation.parameters ?? []).filter(
    (parameter) => parameter.in === 'query' && (parameter as { required?: boolean }).required,
  );
  const query = required.map(({ name }) => `${name}=${encodeURIComponent(REQUIRED[name] ?? '')}`).join('&');
  return query ? withQuery(path, query) : path;
}

const withQuery = (path: string, query: string) => `${path}${path.includes('?') ? '&' : '?'}${query}`;

beforeAll(async () => {
  t = await createTestApp();
  const person = await t.user({ role: 'admin', department: 'Ops' });
  admin = await t.login(person);
  // Something in every list that has a parent: a ticket with a comment and a watcher, a
  // workflow, a role, a calendar with a closure, a service account.
  const ticket = await admin.post('/api/v2/tickets', { kind: 'incident', title: 'NDJSON', priority: 'low' });
  expect(ticket.statusCode, ticket.body).toBe(201);
  const { id } = ticket.json<{ id: number }>();
  expect((await admin.post(`/api/v2/tickets/${id}/comments`, { body: 'first' })).statusCode).toBe(201);
  for (const [path, body] of [
    ['/api/v2/workflows', { name: 'Routing', kind: 'incident' }],
    ['/api/v2/assignment-roles', { name: 'Desk' }],
    [
      '/api/v2/calendars',
      { name: 'Office', time_zone: 'UTC', weekly: { '1': [{ start: '09:00', end: '17:00' }] } },
    ],
    ['/api/v2/service-accounts', { name: 'exporter' }],
    ['/api/v2/tokens', { name: 'ndjson' }],
    // An organisation: its contacts and tickets are lists under it.
    ['/api/v2/customers', { kind: 'organisation', company: 'Ndjson Broadcasting' }],
  ] as const) {
    const response = await admin.post(path, body);
    expect(response.statusCode, `${path}: ${response.body}`).toBe(201);
  }
});

afterAll(async () => {
  await t.close();
});

describe.each(['/api/v1', '/api/v2'] as const)('NDJSON on every list of %s', (prefix) => {
  it('every list route answers the JSON items as NDJSON lines, by ?format= and by Accept', async () => {
    const routes = listRoutes(prefix);
    expect(routes.length).toBeGreaterThanOrEqual(prefix === '/api/v1' ? 11 : 35);
    const unchecked: string[] = [];
    for (const route of routes) {
      const parent = await concrete(route.path);
      const path = parent && withRequired(parent, route.operation);
      if (!path) {
        unchecked.push(route.path);
        continue;
      }
      const size = route.paged ? (prefix === '/api/v1' ? 'page_size=100' : 'limit=100') : '';
      const json = await admin.get(size ? withQuery(path, size) : path);
      expect(json.statusCode, `${path}: ${json.body}`).toBe(200);
      const expected = itemsOf(json.json());
      for (const [url, headers] of [
        [withQuery(path, 'format=ndjson'), {}],
        [path, { accept: 'application/x-ndjson' }],
      ] as const) {
        const response = await admin.get(url, headers);
        expect(response.statusCode, `${url}: ${response.body}`).toBe(200);
        expect(response.headers['content-type'], url).toBe('application/x-ndjson; charset=utf-8');
        const lines = response.body.split('\n');
        expect(lines.pop(), `${url} ends with a line break`).toBe('');
        expect(
          lines.map((line) => JSON.parse(line) as unknown),
          url,
        ).toEqual(expected);
      }
      // The OpenAPI document names the media type, with the item schema.
      expect(Object.keys(route.operation.responses?.['200']?.content ?? {}), route.path).toContain(
        'application/x-ndjson',
      );
    }
    // Only lists under a parent the test app holds none of stay unchecked: an OIDC
    // provider, a webhook endpoint, a revalidation target, an organisation's contacts,
    // a product's stock items.
    const withoutParents =
      /oidc-providers|webhooks\/endpoints|revalidation-targets|customers\/\{id\}\/contacts|catalog\/products\/\{id\}\/items/;
    expect(unchecked.filter((path) => !withoutParents.test(path))).toEqual([]);
  });
});

it('paged lists document CSV and XML too; whole collections only JSON and NDJSON', () => {
  const routes = listRoutes('/api/v2');
  const tickets = routes.find((route) => route.path === '/api/v2/tickets');
  expect(Object.keys(tickets?.operation.responses?.['200']?.content ?? {}).sort()).toEqual([
    'application/json',
    'application/x-ndjson',
    'application/xml',
    'text/csv',
  ]);
  const tokens = routes.find((route) => route.path === '/api/v2/tokens');
  expect(Object.keys(tokens?.operation.responses?.['200']?.content ?? {}).sort()).toEqual([
    'application/json',
    'application/x-ndjson',
  ]);
});
