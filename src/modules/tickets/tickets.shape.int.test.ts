import { parse as parseCsv } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type Browser, type TestApp } from '../../../test/helpers/app.ts';
import { countQueries } from '../../../test/helpers/database.ts';
import { systemContext } from '../../platform/auth/actor.ts';

/**
 * v2 shape controls on tickets over HTTP: `?fields=` (sparse fieldsets, `id` always, dotted
 * names inside a relation, unknown names a 400 problem), `?expand=` (reporter, assignee,
 * facility in full, loaded in one query per relation whatever the page size), on the
 * detail, the page and the exports, and as documented parameters.
 */

type Json = Record<string, unknown>;
const sys = systemContext('tickets-shape-test');
let t: TestApp;
let admin: Browser;
let reporterId: number;
let facilityId: number;
let ticketId: number;

beforeAll(async () => {
  t = await createTestApp();
  const adminPerson = await t.user({ role: 'admin' });
  admin = await t.login(adminPerson);
  const people = [await t.user({ department: 'Ops' }), await t.user({ department: 'Eng' }), adminPerson];
  reporterId = people[0]?.user.id ?? 0;
  const location = await t.services.sites.createLocation(sys, { name: 'Broadcast Centre' });
  const facilities = [
    await t.services.sites.createFacility(sys, { name: 'Studio 1', locationId: location.id }),
    await t.services.sites.createFacility(sys, { name: 'Studio 2', locationId: location.id }),
  ];
  facilityId = facilities[0]?.id ?? 0;
  for (let i = 0; i < 40; i += 10) {
    const created = await Promise.all(
      Array.from({ length: 10 }, (_, j) =>
        admin.post('/api/v2/tickets', {
          kind: 'incident',
          title: `Shaped ticket ${i + j}`,
          priority: 'high',
          reporter_id: people[(i + j) % people.length]?.user.id,
          assignee_id: people[(i + j + 1) % people.length]?.user.id,
          facility_id: facilities[(i + j) % facilities.length]?.id,
        }),
      ),
    );
    for (const response of created) expect(response.statusCode, response.body).toBe(201);
  }
  const first = await admin.post('/api/v2/tickets', {
    kind: 'incident',
    title: 'The one we read',
    reporter_id: reporterId,
    facility_id: facilityId,
  });
  ticketId = first.json<{ id: number }>().id;
});

afterAll(async () => {
  await t.close();
});

describe('?fields=', () => {
  it('answers only the named fields of a ticket, id always, with its ETag', async () => {
    const response = await admin.get(`/api/v2/tickets/${ticketId}?fields=title,status`);
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json()).toEqual({ id: ticketId, title: 'The one we read', status: 'open' });
    expect(response.headers.etag).toBeDefined();
  });

  it('shapes every item of a page and leaves the page itself whole', async () => {
    const response = await admin.get('/api/v2/tickets?limit=5&fields=title');
    expect(response.statusCode, response.body).toBe(200);
    const page = response.json<{ data: Json[]; next_cursor: string | null; has_more: boolean }>();
    expect(page.data).toHaveLength(5);
    for (const item of page.data) expect(Object.keys(item).sort()).toEqual(['id', 'title']);
    expect(page.has_more).toBe(true);
    expect(page.next_cursor).toEqual(expect.any(String));
  });

  it('selects inside a related object with a dotted name', async () => {
    const response = await admin.get(`/api/v2/tickets/${ticketId}?fields=reporter.username,facility`);
    expect(response.statusCode, response.body).toBe(200);
    const body = response.json<{ reporter: Json; facility: Json }>();
    expect(Object.keys(body).sort()).toEqual(['facility', 'id', 'reporter']);
    expect(Object.keys(body.reporter).sort()).toEqual(['id', 'username']);
    expect(body.facility).toEqual({ id: facilityId, name: 'Studio 1' });
  });

  it('refuses an unknown field with a problem that names it, before any work', async () => {
    const response = await admin.get('/api/v2/tickets?fields=title,nope,reporter.shoe_size');
    expect(response.statusCode).toBe(400);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    const problem = response.json<{
      code: string;
      detail: string;
      errors: { field: string; message: string }[];
    }>();
    expect(problem.code).toBe('INVALID_FIELDS');
    expect(problem.detail).toMatch(/"nope", "reporter\.shoe_size"/);
    expect(problem.errors[0]?.field).toBe('fields');
  });

  it('shapes the CSV and NDJSON exports as it shapes the page', async () => {
    const csv = await admin.get('/api/v2/tickets?format=csv&fields=title,priority');
    expect(csv.statusCode, csv.body).toBe(200);
    const rows = parseCsv(csv.body) as string[][];
    expect(rows[0]).toEqual(['id', 'title', 'priority']);
    expect(rows).toHaveLength(42);
    const ndjson = await admin.get('/api/v2/tickets?format=ndjson&fields=title');
    const lines = ndjson.body
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Json);
    expect(lines).toHaveLength(41);
    for (const line of lines) expect(Object.keys(line).sort()).toEqual(['id', 'title']);
  });
});

describe('?expand=', () => {
  it('answers references by default and the full objects it names', async () => {
    const plain = (await admin.get(`/api/v2/tickets/${ticketId}`)).json<{ reporter: Json; facility: Json }>();
    expect(Object.keys(plain.reporter).sort()).toEqual(['full_name', 'id', 'username']);
    expect(plain.facility).toEqual({ id: facilityId, name: 'Studio 1' });

    const response = await admin.get(`/api/v2/tickets/${ticketId}?expand=reporter,facility`);
    expect(response.statusCode, response.body).toBe(200);
    const expanded = response.json<{ reporter: Json; facility: Json; assignee: Json | null }>();
    expect(expanded.reporter).toMatchObject({
      id: reporterId,
      email: expect.any(String),
      role: expect.any(String),
    });
    expect(expanded.facility).toMatchObject({
      id: facilityId,
      name: 'Studio 1',
      location_id: expect.any(Number),
    });
    expect(expanded.assignee).toBeNull();
  });

  it('combines with fields: a dotted field of an expanded object', async () => {
    const response = await admin.get(`/api/v2/tickets/${ticketId}?expand=reporter&fields=reporter.email`);
    expect(response.statusCode, response.body).toBe(200);
    const body = response.json<{ reporter: Json }>();
    expect(Object.keys(body.reporter).sort()).toEqual(['email', 'id']);
    const refused = await admin.get(`/api/v2/tickets/${ticketId}?fields=reporter.email`);
    expect(refused.statusCode).toBe(400);
  });

  it('refuses a relation that cannot be expanded', async () => {
    const response = await admin.get('/api/v2/tickets?expand=reporter,category');
    expect(response.statusCode).toBe(400);
    expect(response.json<{ code: string; detail: string }>()).toMatchObject({
      code: 'INVALID_EXPAND',
      detail: expect.stringMatching(/"category".*reporter, assignee, facility|"category".*facility/),
    });
  });

  it('takes as many queries for a page of 40 as for a page of 2', async () => {
    const url = (limit: number) => `/api/v2/tickets?limit=${limit}&expand=reporter,assignee,facility`;
    // Warm-up (sessions, reference data) with another size: the measured pages are read cache misses.
    await admin.get(url(3));
    let small: Json[] = [];
    let large: Json[] = [];
    const two = await countQueries(t.database.pool, async () => {
      small = (await admin.get(url(2))).json<{ data: Json[] }>().data;
    });
    const forty = await countQueries(t.database.pool, async () => {
      large = (await admin.get(url(40))).json<{ data: Json[] }>().data;
    });
    expect(small).toHaveLength(2);
    expect(large).toHaveLength(40);
    const related = large.filter((item) => item.title !== 'The one we read');
    expect(related.length).toBeGreaterThanOrEqual(39);
    for (const item of related) {
      expect(item.reporter).toMatchObject({ email: expect.any(String) });
      expect(item.assignee).toMatchObject({ email: expect.any(String) });
      expect(item.facility).toMatchObject({ location_id: expect.any(Number) });
    }
    expect(two).toBeGreaterThanOrEqual(3);
    expect(forty).toBe(two);
  });
});

describe('the document', () => {
  it('declares fields and expand on ticket reads and both forms of an expandable relation', async () => {
    const document = (await t.app.inject({ method: 'GET', url: '/api/v2/openapi.json' })).json<{
      paths: Record<string, Record<string, { parameters: Json[] }>>;
      components: {
        schemas: Record<string, { properties: Record<string, Json> }>;
        parameters: Record<string, Json>;
      };
    }>();
    const parameters = document.paths['/api/v2/tickets']?.get?.parameters ?? [];
    const resolved = parameters.map((parameter) =>
      typeof parameter.$ref === 'string'
        ? document.components.parameters[parameter.$ref.split('/').pop() ?? '']
        : parameter,
    );
    expect(resolved.map((parameter) => parameter?.name)).toEqual(
      expect.arrayContaining(['fields', 'expand']),
    );
    expect(document.components.schemas.Ticket?.properties.reporter).toMatchObject({
      anyOf: [
        { $ref: '#/components/schemas/PersonRef' },
        { $ref: '#/components/schemas/User' },
        { type: 'null' },
      ],
    });
  });
});
