import { randomUUID } from 'node:crypto';
import Fastify, { type LightMyRequestResponse } from 'fastify';
import { parse as parseCsv } from 'csv-parse/sync';
import { XMLParser } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type Browser, type TestApp } from '../../../test/helpers/app.ts';
import { systemContext } from '../auth/actor.ts';
import { errorHandler } from './error-handler.ts';

/**
 * The wire conventions of ARCHITECTURE.md, driven through HTTP with the sites
 * endpoints as the vehicle: optimistic locking, idempotency keys, content
 * negotiation, pagination, bad input, headers, errors, health and OpenAPI.
 */

type Json = Record<string, unknown>;
interface V1Page<T = Json> {
  count: number;
  next: string | null;
  previous: string | null;
  results: T[];
}
interface V2Page<T = Json> {
  data: T[];
  next_cursor: string | null;
  has_more: boolean;
}
interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  instance: string;
  request_id: string;
  errors?: { field: string; message: string }[];
  current?: Json;
}

let t: TestApp;
let admin: Browser;
const ctx = systemContext('http-conventions');

const problemOf = (response: LightMyRequestResponse): Problem => {
  expect(response.headers['content-type']).toBe('application/problem+json; charset=utf-8');
  const body = response.json<Problem>();
  expect(body.status).toBe(response.statusCode);
  expect(body.type).toMatch(/^https:\/\/opsdesk\.dev\/problems\/[a-z0-9-]+$/);
  expect(body.request_id).toBe(response.headers['x-request-id']);
  return body;
};

/** The URL of an absolute `next` link, as inject() takes it. */
const relative = (link: string) => {
  const url = new URL(link);
  return `${url.pathname}${url.search}`;
};

async function createLocation(
  name: string,
  extra: Json = {},
): Promise<Json & { id: number; version: number }> {
  const response = await admin.post('/api/locations/', { name, ...extra });
  expect(response.statusCode, response.body).toBe(201);
  return response.json();
}

/** Every location id in the table, straight from the database. */
async function storedLocations(): Promise<{ id: number; name: string; version: number }[]> {
  const { rows } = await t.database.pool.query<{ id: number; name: string; version: number }>(
    'SELECT id, name, version FROM locations ORDER BY id',
  );
  return rows;
}

async function searchCount(search: string, path = '/api/locations/'): Promise<number> {
  const response = await admin.get(`${path}?search=${encodeURIComponent(search)}`);
  expect(response.statusCode).toBe(200);
  return response.json<V1Page>().count;
}

/** Creates locations (ten at a time); the ids come back in the order of `names`, not ascending. */
async function seedLocations(names: string[]): Promise<number[]> {
  const ids: number[] = [];
  for (let i = 0; i < names.length; i += 10) {
    const batch = await Promise.all(
      names.slice(i, i + 10).map((name) => t.services.sites.createLocation(ctx, { name })),
    );
    ids.push(...batch.map((location) => location.id));
  }
  return ids;
}

beforeAll(async () => {
  t = await createTestApp();
  admin = await t.login(await t.user({ role: 'admin' }));
});

afterAll(async () => {
  await t.close();
});

describe('optimistic locking', () => {
  it('v1: a stale version in the body is a 409 with the current representation and changes nothing', async () => {
    const created = await createLocation('Lock v1', { description: 'first' });
    expect(created.version).toBe(1);

    const first = await admin.patch(`/api/locations/${created.id}/`, { description: 'second', version: 1 });
    expect(first.statusCode).toBe(200);
    expect(first.json()).toMatchObject({ id: created.id, description: 'second', version: 2 });

    const stale = await admin.patch(`/api/locations/${created.id}/`, {
      description: 'lost update',
      version: 1,
    });
    expect(stale.statusCode).toBe(409);
    const body = stale.json<Json>();
    expect(body).toMatchObject({
      detail: 'This resource was changed by someone else; reload it and apply your change again.',
      code: 'VERSION_CONFLICT',
      current: { id: created.id, name: 'Lock v1', description: 'second', version: 2 },
    });
    expect(Object.keys(body.current as Json).sort()).toEqual(
      ['id', 'name', 'description', 'address', 'time_zone', 'version', 'created_at'].sort(),
    );

    const stalePut = await admin.put(`/api/locations/${created.id}/`, { name: 'Lock v1', version: 1 });
    expect(stalePut.statusCode).toBe(409);

    const after = await admin.get(`/api/locations/${created.id}/`);
    expect(after.json()).toMatchObject({ description: 'second', version: 2 });
  });

  it('v1: without a version the last write wins', async () => {
    const created = await createLocation('Lock v1 lww');
    const a = await admin.patch(`/api/locations/${created.id}/`, { description: 'writer A' });
    const b = await admin.patch(`/api/locations/${created.id}/`, { description: 'writer B' });
    expect(a.statusCode).toBe(200);
    expect(b.statusCode).toBe(200);
    expect(b.json()).toMatchObject({ description: 'writer B', version: 3 });
    expect((await admin.get(`/api/locations/${created.id}/`)).json()).toMatchObject({
      description: 'writer B',
      version: 3,
    });
  });

  it('v1: the same rules hold for facilities and shifts', async () => {
    const shift = await admin.post('/api/shifts/', { name: 'Lock shift', start_time: '08:00' });
    expect(shift.statusCode).toBe(201);
    const { id } = shift.json<{ id: number }>();
    expect((await admin.patch(`/api/shifts/${id}/`, { end_time: '16:00', version: 1 })).statusCode).toBe(200);
    const stale = await admin.patch(`/api/shifts/${id}/`, { end_time: '17:00', version: 1 });
    expect(stale.statusCode).toBe(409);
    expect(stale.json()).toMatchObject({ current: { id, end_time: '16:00:00', version: 2 } });

    const facility = await admin.post('/api/facilities/', { name: 'Lock facility' });
    const facilityId = facility.json<{ id: number }>().id;
    expect(
      (await admin.patch(`/api/facilities/${facilityId}/`, { status: 'Inactive', version: 1 })).statusCode,
    ).toBe(200);
    const staleFacility = await admin.patch(`/api/facilities/${facilityId}/`, {
      status: 'Active',
      version: 1,
    });
    expect(staleFacility.statusCode).toBe(409);
    expect(staleFacility.json()).toMatchObject({
      current: { id: facilityId, status: 'Inactive', version: 2 },
    });
  });

  it('v2: If-Match is required, checked, and answered with a new ETag', async () => {
    const created = await admin.post('/api/v2/locations', { name: 'Lock v2' });
    expect(created.statusCode).toBe(201);
    expect(created.headers.etag).toBe('"1"');
    const { id } = created.json<{ id: number }>();
    expect(created.headers.location).toBe(`/api/v2/locations/${id}`);

    const missing = await admin.patch(`/api/v2/locations/${id}`, { description: 'no precondition' });
    expect(missing.statusCode).toBe(428);
    expect(problemOf(missing)).toMatchObject({
      status: 428,
      code: 'PRECONDITION_REQUIRED',
      type: 'https://opsdesk.dev/problems/precondition-required',
      title: 'Precondition Required',
    });

    const updated = await admin.patch(
      `/api/v2/locations/${id}`,
      { description: 'v2 update' },
      { 'if-match': '"1"' },
    );
    expect(updated.statusCode).toBe(200);
    expect(updated.headers.etag).toBe('"2"');
    expect(updated.json()).toMatchObject({ id, description: 'v2 update', version: 2 });

    const stale = await admin.patch(
      `/api/v2/locations/${id}`,
      { description: 'lost' },
      { 'if-match': '"1"' },
    );
    expect(stale.statusCode).toBe(412);
    const problem = problemOf(stale);
    expect(problem.code).toBe('PRECONDITION_FAILED');
    expect(problem.current).toMatchObject({ id, name: 'Lock v2', description: 'v2 update', version: 2 });
    expect(problem.current).toHaveProperty('updated_at');

    const garbage = await admin.patch(
      `/api/v2/locations/${id}`,
      { description: 'lost' },
      { 'if-match': 'two' },
    );
    expect(garbage.statusCode).toBe(412);

    const current = await admin.get(`/api/v2/locations/${id}`);
    expect(current.headers.etag).toBe('"2"');
    expect(current.json()).toMatchObject({ description: 'v2 update', version: 2 });

    const weak = await admin.patch(
      `/api/v2/locations/${id}`,
      { address: 'Main St 1' },
      { 'if-match': 'W/"2"' },
    );
    expect(weak.statusCode).toBe(200);
    expect(weak.headers.etag).toBe('"3"');
    const any = await admin.patch(`/api/v2/locations/${id}`, { address: 'Main St 2' }, { 'if-match': '*' });
    expect(any.statusCode).toBe(200);
    expect(any.headers.etag).toBe('"4"');
  });

  it('v2: If-None-Match with the current ETag is a 304 without a body', async () => {
    const created = await admin.post('/api/v2/shifts', { name: 'Etag shift' });
    const { id } = created.json<{ id: number }>();
    const first = await admin.get(`/api/v2/shifts/${id}`);
    expect(first.statusCode).toBe(200);
    const etag = first.headers.etag as string;
    expect(etag).toBe('"1"');

    const cached = await admin.get(`/api/v2/shifts/${id}`, { 'if-none-match': etag });
    expect(cached.statusCode).toBe(304);
    expect(cached.body).toBe('');
    expect(cached.headers.etag).toBe(etag);

    const listed = await admin.get(`/api/v2/shifts/${id}`, { 'if-none-match': `"0", W/${etag}` });
    expect(listed.statusCode).toBe(304);

    expect(
      (await admin.patch(`/api/v2/shifts/${id}`, { end_time: '12:00' }, { 'if-match': etag })).statusCode,
    ).toBe(200);
    const changed = await admin.get(`/api/v2/shifts/${id}`, { 'if-none-match': etag });
    expect(changed.statusCode).toBe(200);
    expect(changed.headers.etag).toBe('"2"');
    expect(changed.json()).toMatchObject({ end_time: '12:00:00' });
  });
});

describe('Idempotency-Key', () => {
  it('v2: the same key and body replays the first answer and creates one row', async () => {
    const headers = { 'idempotency-key': `v2-${randomUUID()}` };
    const first = await admin.post('/api/v2/locations', { name: 'Idem v2' }, headers);
    expect(first.statusCode).toBe(201);
    expect(first.headers['idempotent-replayed']).toBeUndefined();

    const again = await admin.post('/api/v2/locations', { name: 'Idem v2' }, headers);
    expect(again.statusCode).toBe(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body).toBe(first.body);
    expect(again.headers['content-type']).toBe(first.headers['content-type']);
    expect(again.headers.etag).toBe(first.headers.etag);
    expect(again.headers.location).toBe(first.headers.location);
    expect(await searchCount('Idem v2')).toBe(1);

    const other = await admin.post('/api/v2/locations', { name: 'Idem v2 other' }, headers);
    expect(other.statusCode).toBe(422);
    expect(problemOf(other)).toMatchObject({
      code: 'IDEMPOTENCY_KEY_REUSED',
      detail: 'This Idempotency-Key was already used with a different request body.',
    });
    expect(await searchCount('Idem v2 other')).toBe(0);
  });

  it('v1: the same key and body replays; another body is a 422 with detail', async () => {
    const headers = { 'idempotency-key': `v1-${randomUUID()}` };
    const first = await admin.post('/api/locations/', { name: 'Idem v1' }, headers);
    expect(first.statusCode).toBe(201);
    const again = await admin.post('/api/locations/', { name: 'Idem v1' }, headers);
    expect(again.statusCode).toBe(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.json()).toEqual(first.json());
    expect(await searchCount('Idem v1')).toBe(1);

    const other = await admin.post('/api/locations/', { name: 'Idem v1 changed' }, headers);
    expect(other.statusCode).toBe(422);
    expect(other.json()).toMatchObject({ code: 'IDEMPOTENCY_KEY_REUSED' });
    expect(other.json<Json>().detail).toContain('different request body');
  });

  it('replays a 4xx answer too, and a request without a key is never replayed', async () => {
    await createLocation('Idem taken');
    const headers = { 'idempotency-key': `dup-${randomUUID()}` };
    const first = await admin.post('/api/locations/', { name: 'Idem taken' }, headers);
    expect(first.statusCode).toBe(400);
    expect(first.json()).toEqual({ name: ['A location with this name already exists.'] });
    const again = await admin.post('/api/locations/', { name: 'Idem taken' }, headers);
    expect(again.statusCode).toBe(400);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body).toBe(first.body);

    const plain = await admin.post('/api/locations/', { name: 'Idem taken' });
    expect(plain.headers['idempotent-replayed']).toBeUndefined();
  });

  it('20 concurrent requests with one key create exactly one location', async () => {
    const headers = { 'idempotency-key': `race-${randomUUID()}` };
    const responses = await Promise.all(
      Array.from({ length: 20 }, () => admin.post('/api/v2/locations', { name: 'Idem race' }, headers)),
    );
    const statuses = responses.map((response) => response.statusCode);
    expect(statuses).toEqual(Array.from({ length: 20 }, () => 201));
    const ids = new Set(responses.map((response) => response.json<{ id: number }>().id));
    expect(ids.size).toBe(1);
    expect(responses.filter((response) => response.headers['idempotent-replayed'] === 'true')).toHaveLength(
      19,
    );
    expect(await searchCount('Idem race')).toBe(1);
  });

  it('keys belong to their user: another user with the same key is independent', async () => {
    const key = `shared-${randomUUID()}`;
    const mine = await admin.post('/api/locations/', { name: 'Idem owner A' }, { 'idempotency-key': key });
    expect(mine.statusCode).toBe(201);

    const manager = await t.login(await t.user({ role: 'manager' }));
    const theirs = await manager.post(
      '/api/locations/',
      { name: 'Idem owner B' },
      { 'idempotency-key': key },
    );
    expect(theirs.statusCode).toBe(201);
    expect(theirs.headers['idempotent-replayed']).toBeUndefined();
    expect(theirs.json<{ id: number }>().id).not.toBe(mine.json<{ id: number }>().id);

    // Same key and same body as the admin's first request: not a replay of someone else's answer.
    const sameBody = await manager.post(
      '/api/locations/',
      { name: 'Idem owner A' },
      { 'idempotency-key': `${key}-2` },
    );
    expect(sameBody.statusCode).toBe(400);
    const replayOfOther = await manager.post(
      '/api/locations/',
      { name: 'Idem owner A' },
      { 'idempotency-key': key },
    );
    expect(replayOfOther.statusCode).toBe(422);
    expect(replayOfOther.headers['idempotent-replayed']).toBeUndefined();
    expect(await searchCount('Idem owner')).toBe(2);
  });

  it('rejects a key that is not 1 to 255 printable characters', async () => {
    const response = await admin.post(
      '/api/v2/locations',
      { name: 'Idem bad key' },
      { 'idempotency-key': 'x'.repeat(256) },
    );
    expect(response.statusCode).toBe(400);
    expect(problemOf(response).code).toBe('IDEMPOTENCY_KEY_INVALID');
    expect(await searchCount('Idem bad key')).toBe(0);
  });
});

describe('content negotiation', () => {
  const xml = new XMLParser({
    parseTagValue: false,
    trimValues: false,
    isArray: (name) => name === 'list-item',
  });
  const xmlRows = (body: string): Json[] => {
    const parsed = xml.parse(body) as { root: { 'list-item'?: Json[] } | '' };
    return parsed.root === '' ? [] : (parsed.root['list-item'] ?? []);
  };
  const csvRows = (body: string): Record<string, string>[] =>
    parseCsv(body, { columns: true, skip_empty_lines: true }) as Record<string, string>[];

  /** A JSON row as the CSV/XML cells render it: strings, '' for null, nested objects as dotted keys. */
  const cells = (row: Json, prefix = ''): Record<string, string> =>
    Object.fromEntries(
      Object.entries(row).flatMap(([key, value]) =>
        value && typeof value === 'object'
          ? Object.entries(cells(value as Json, `${prefix}${key}.`))
          : [[`${prefix}${key}`, value === null ? '' : String(value as string | number | boolean)]],
      ),
    );

  let jsonLocations: Json[];
  let jsonFacilities: Json[];

  beforeAll(async () => {
    const berlin = await createLocation('Neg Berlin', {
      description: 'Studio "A", <east> & west\nsecond line',
    });
    await createLocation('Neg Köln 📡', { time_zone: 'Europe/Berlin' });
    await createLocation('Neg Paris', { address: 'Rue 1; Étage 2' });
    for (const [name, location] of [
      ['Neg Hall 1', berlin.id],
      ['Neg Hall 2', berlin.id],
      ['Neg Loose', null],
    ] as const) {
      const response = await admin.post('/api/facilities/', { name, location_id: location });
      expect(response.statusCode).toBe(201);
    }
    jsonLocations = (await admin.get('/api/locations/?search=Neg%20')).json<V1Page>().results;
    jsonFacilities = (await admin.get('/api/facilities/?search=Neg%20')).json<V1Page>().results;
    expect(jsonLocations).toHaveLength(3);
    expect(jsonFacilities).toHaveLength(3);
  });

  it('?format=csv answers the list as CSV with one column per field', async () => {
    const response = await admin.get('/api/locations/?search=Neg%20&format=csv');
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(response.headers['content-disposition']).toBe('attachment; filename="locations.csv"');
    const header = response.body.split('\n')[0];
    expect(header).toBe('id,name,description,address,time_zone,version,created_at');
    expect(csvRows(response.body)).toEqual(jsonLocations.map((row) => cells(row)));
  });

  it('Accept: text/csv answers CSV with nested columns for a facility location', async () => {
    const response = await admin.get('/api/facilities/?search=Neg%20', { accept: 'text/csv' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(response.headers['content-disposition']).toBe('attachment; filename="facilities.csv"');
    const rows = csvRows(response.body);
    expect(Object.keys(rows[0] ?? {})).toEqual([
      'id',
      'name',
      'description',
      'location.id',
      'location.name',
      'location.description',
      'location.address',
      'location.time_zone',
      'location.version',
      'location.created_at',
      'status',
      'version',
      'created_at',
      'updated_at',
    ]);
    const byName = new Map(rows.map((row) => [row.name, row]));
    expect(byName.get('Neg Hall 1')?.['location.name']).toBe('Neg Berlin');
    expect(byName.get('Neg Hall 1')?.['location.description']).toBe('Studio "A", <east> & west\nsecond line');
    expect(byName.get('Neg Loose')?.['location.name']).toBe('');
    const expected = jsonFacilities.map((row) => {
      const flat = cells(row);
      if (row.location === null) {
        delete flat.location;
        for (const column of Object.keys(rows[0] ?? {}).filter((c) => c.startsWith('location.')))
          flat[column] = '';
      }
      return flat;
    });
    expect(rows).toEqual(expected);
  });

  it('v2 lists negotiate the same way', async () => {
    const json = (await admin.get('/api/v2/locations?search=Neg%20')).json<V2Page>().data;
    const csv = await admin.get('/api/v2/locations?search=Neg%20', {
      accept: 'application/json;q=0.5, text/csv',
    });
    expect(csv.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(csvRows(csv.body)).toEqual(json.map((row) => cells(row)));
    const xmlResponse = await admin.get('/api/v2/facilities?search=Neg%20&format=xml');
    expect(xmlResponse.headers['content-type']).toBe('application/xml; charset=utf-8');
    expect(xmlRows(xmlResponse.body).map((row) => row.name)).toEqual([
      'Neg Hall 1',
      'Neg Hall 2',
      'Neg Loose',
    ]);
  });

  it('?format=xml and Accept: application/xml answer the same rows as XML', async () => {
    for (const response of [
      await admin.get('/api/locations/?search=Neg%20&format=xml'),
      await admin.get('/api/locations/?search=Neg%20', { accept: 'application/xml' }),
    ]) {
      expect(response.statusCode).toBe(200);
      expect(response.headers['content-type']).toBe('application/xml; charset=utf-8');
      expect(response.headers['content-disposition']).toBe('attachment; filename="locations.xml"');
      expect(response.body.startsWith('<?xml version="1.0" encoding="UTF-8"?>')).toBe(true);
      expect(xmlRows(response.body)).toEqual(jsonLocations.map((row) => cells(row)));
    }
    const facilities = await admin.get('/api/facilities/?search=Neg%20&format=xml');
    const rows = xmlRows(facilities.body);
    expect(rows.map((row) => [row.name, row['location.name']])).toEqual([
      ['Neg Hall 1', 'Neg Berlin'],
      ['Neg Hall 2', 'Neg Berlin'],
      ['Neg Loose', ''],
    ]);
  });

  it('?format= wins over Accept', async () => {
    const response = await admin.get('/api/locations/?search=Neg%20&format=json', { accept: 'text/csv' });
    expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(response.json<V1Page>().results).toEqual(jsonLocations);
  });

  it('an empty list exports a header row only', async () => {
    const csv = await admin.get('/api/locations/?search=nothing-matches-this&format=csv');
    expect(csv.statusCode).toBe(200);
    expect(csv.body.trim()).toBe('id,name,description,address,time_zone,version,created_at');
    const xmlResponse = await admin.get('/api/locations/?search=nothing-matches-this&format=xml');
    expect(xmlRows(xmlResponse.body)).toEqual([]);
  });

  it('exports every filtered row, not one page', async () => {
    const wanted = Array.from({ length: 120 }, (_, i) => `Export A ${String(i).padStart(3, '0')}`);
    const others = Array.from({ length: 30 }, (_, i) => `Export B ${String(i).padStart(3, '0')}`);
    const ids = await seedLocations([...wanted, ...others]);
    const wantedIds = ids.slice(0, wanted.length).sort((a, b) => a - b);

    const csv = await admin.get('/api/locations/?search=Export%20A&format=csv&page_size=10&page=2');
    expect(csv.statusCode).toBe(200);
    const rows = csvRows(csv.body);
    expect(rows).toHaveLength(120);
    expect(rows.map((row) => Number(row.id))).toEqual(wantedIds);
    expect(new Set(rows.map((row) => row.name))).toEqual(new Set(wanted));

    const ordered = csvRows(
      (await admin.get('/api/locations/?search=Export%20A&format=csv&ordering=-name')).body,
    );
    expect(ordered.map((row) => row.name)).toEqual([...wanted].reverse());

    const xmlAll = xmlRows((await admin.get('/api/v2/locations?search=Export&limit=5&format=xml')).body);
    expect(xmlAll).toHaveLength(150);
  });
});

describe('pagination', () => {
  let pageIds: number[];

  beforeAll(async () => {
    pageIds = await seedLocations(Array.from({ length: 45 }, (_, i) => `Page ${String(i).padStart(2, '0')}`));
  });

  it('v1: pages of 20 by default with absolute next/previous links', async () => {
    const first = await admin.get('/api/locations/?search=Page%20');
    expect(first.statusCode).toBe(200);
    const page = first.json<V1Page<{ id: number }>>();
    expect(page.count).toBe(45);
    expect(page.results).toHaveLength(20);
    expect(page.results.map((row) => row.id)).toEqual([...pageIds].sort((a, b) => a - b).slice(0, 20));
    expect(page.previous).toBeNull();
    expect(page.next).toMatch(/^http:\/\/localhost(:80)?\/api\/locations\/\?/);
    const next = new URL(page.next!);
    expect(next.searchParams.get('page')).toBe('2');
    expect(next.searchParams.get('search')).toBe('Page ');

    const second = (await admin.get(relative(page.next!))).json<V1Page>();
    expect(second.previous).not.toBeNull();
    const previous = new URL(second.previous!);
    expect(previous.searchParams.has('page')).toBe(false);
    expect(previous.searchParams.get('search')).toBe('Page ');

    const last = (await admin.get(relative(second.next!))).json<V1Page>();
    expect(last.results).toHaveLength(5);
    expect(last.next).toBeNull();
    expect(new URL(last.previous!).searchParams.get('page')).toBe('2');
  });

  it('v1: walking next visits every row exactly once', async () => {
    const seen: number[] = [];
    let url: string | null = '/api/locations/?search=Page%20&page_size=7&ordering=-name';
    let pages = 0;
    while (url) {
      const response = await admin.get(url);
      expect(response.statusCode).toBe(200);
      const page: V1Page<{ id: number }> = response.json();
      expect(page.count).toBe(45);
      seen.push(...page.results.map((row) => row.id));
      url = page.next ? relative(page.next) : null;
      pages += 1;
    }
    expect(pages).toBe(7);
    expect(seen).toEqual([...pageIds].reverse());
  });

  it('v1: page_size is clamped to 100', async () => {
    const total = (await storedLocations()).length;
    expect(total).toBeGreaterThan(100);
    const page = (await admin.get('/api/locations/?page_size=500')).json<V1Page>();
    expect(page.count).toBe(total);
    expect(page.results).toHaveLength(100);
    expect(new URL(page.next!).searchParams.get('page_size')).toBe('500');
    expect(
      (await admin.get('/api/locations/?page_size=3&search=Page%20')).json<V1Page>().results,
    ).toHaveLength(3);
  });

  it('v1: a page that is not a positive number or past the end is 404 "Invalid page."', async () => {
    for (const page of ['0', '-1', 'abc', '1.5', '4', '999999']) {
      const response = await admin.get(`/api/locations/?search=Page%20&page=${page}`);
      expect(response.statusCode, `page=${page}`).toBe(404);
      expect(response.json()).toMatchObject({ detail: 'Invalid page.', code: 'INVALID_PAGE' });
    }
    expect((await admin.get('/api/locations/?search=Page%20&page=3')).statusCode).toBe(200);
  });

  it('v1: page 1 of an empty list is 200 with count 0', async () => {
    const response = await admin.get('/api/locations/?search=no-such-location-anywhere');
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ count: 0, next: null, previous: null, results: [] });
    expect((await admin.get('/api/locations/?search=no-such-location-anywhere&page=1')).statusCode).toBe(200);
    expect((await admin.get('/api/locations/?search=no-such-location-anywhere&page=2')).statusCode).toBe(404);
  });

  it('v1: an unknown ordering field is a 400 naming the allowed fields', async () => {
    const response = await admin.get('/api/locations/?ordering=secret');
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({
      ordering: ['Cannot sort by "secret"; choose from: id, name, created_at.'],
    });
  });

  describe('v2 cursors', () => {
    let cursorNames: Map<number, string>;

    beforeAll(async () => {
      const names = Array.from({ length: 50 }, (_, i) => `Cursor ${String((i * 17) % 50).padStart(2, '0')}`);
      const ids = await seedLocations(names);
      cursorNames = new Map(ids.map((id, i) => [id, names[i]!]));
    });

    it('walking next_cursor with limit=7 yields all 50 rows once, in sort order', async () => {
      const seen: number[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const query: string = `/api/v2/locations?search=Cursor&sort=-name&limit=7${cursor ? `&cursor=${cursor}` : ''}`;
        const response = await admin.get(query);
        expect(response.statusCode).toBe(200);
        const page: V2Page<{ id: number }> = response.json();
        expect(page.data.length).toBe(page.has_more ? 7 : 1);
        expect(page.has_more).toBe(page.next_cursor !== null);
        if (page.next_cursor) {
          expect(response.headers.link).toMatch(
            /^<http:\/\/localhost(:80)?\/api\/v2\/locations\?.*cursor=.*>; rel="next"$/,
          );
        } else expect(response.headers.link).toBeUndefined();
        seen.push(...page.data.map((row) => row.id));
        cursor = page.next_cursor;
        pages += 1;
      } while (cursor);
      expect(pages).toBe(8);
      expect(new Set(seen).size).toBe(50);
      const expected = [...cursorNames].sort((a, b) => b[1].localeCompare(a[1])).map(([id]) => id);
      expect(seen).toEqual(expected);
    });

    it('the Link header leads to the same next page', async () => {
      const first = await admin.get('/api/v2/locations?search=Cursor&limit=10');
      const link = /^<([^>]+)>/.exec(first.headers.link as string)?.[1];
      const viaLink = (await admin.get(relative(link!))).json<V2Page<{ id: number }>>();
      const viaCursor = (
        await admin.get(
          `/api/v2/locations?search=Cursor&limit=10&cursor=${first.json<V2Page>().next_cursor!}`,
        )
      ).json<V2Page<{ id: number }>>();
      expect(viaLink.data.map((row) => row.id)).toEqual(viaCursor.data.map((row) => row.id));
      expect(viaLink.data[0]?.id).toBeGreaterThan(first.json<V2Page<{ id: number }>>().data.at(-1)!.id);
    });

    it('a garbage cursor is a 400 naming the cursor', async () => {
      for (const cursor of ['garbage', 'eyJhIjoxfQ', '%E2%9C%93']) {
        const response = await admin.get(`/api/v2/locations?cursor=${cursor}`);
        expect(response.statusCode).toBe(400);
        const problem = problemOf(response);
        expect(problem.code).toBe('VALIDATION_FAILED');
        expect(problem.errors?.[0]?.field).toBe('cursor');
      }
    });

    it('a cursor from another sort order is a 400', async () => {
      const page = (await admin.get('/api/v2/locations?search=Cursor&sort=-name&limit=5')).json<V2Page>();
      const response = await admin.get(
        `/api/v2/locations?search=Cursor&sort=name&limit=5&cursor=${page.next_cursor!}`,
      );
      expect(response.statusCode).toBe(400);
      expect(problemOf(response).errors).toEqual([
        {
          field: 'cursor',
          message: 'Invalid cursor, or a cursor from a different sort order; start again without it.',
        },
      ]);
    });

    it('an unknown sort field is a 400 naming the allowed fields', async () => {
      const response = await admin.get('/api/v2/locations?sort=-password');
      expect(response.statusCode).toBe(400);
      expect(problemOf(response).errors).toEqual([
        { field: 'sort', message: 'Cannot sort by "password"; choose from: id, name, created_at.' },
      ]);
    });

    it('limit outside 1..100 and unknown parameters are 400s', async () => {
      const big = await admin.get('/api/v2/locations?limit=101');
      expect(big.statusCode).toBe(400);
      expect(problemOf(big).errors?.[0]?.field).toBe('limit');
      const zero = await admin.get('/api/v2/locations?limit=0');
      expect(zero.statusCode).toBe(400);
      const unknown = await admin.get('/api/v2/locations?page=2');
      expect(unknown.statusCode).toBe(400);
      expect(problemOf(unknown).errors).toEqual([{ field: 'page', message: 'Unknown field.' }]);
    });
  });
});

describe('bad input', () => {
  let before: { id: number; name: string; version: number }[];

  beforeAll(async () => {
    await createLocation('Keep me', { description: 'must survive' });
    before = await storedLocations();
  });

  it('malformed JSON is a 400: v1 detail, v2 problem+json', async () => {
    const v1 = await admin.request({
      method: 'POST',
      url: '/api/locations/',
      payload: '{"name": "Broken',
      headers: { 'content-type': 'application/json' },
    });
    expect(v1.statusCode).toBe(400);
    expect(v1.headers['content-type']).toBe('application/json; charset=utf-8');
    const detail = v1.json<{ detail: string }>().detail;
    expect(detail).toMatch(/^JSON parse error - ./);
    expect(v1.json()).toMatchObject({ code: 'MALFORMED_JSON' });

    const v2 = await admin.request({
      method: 'POST',
      url: '/api/v2/locations',
      payload: '{"name": }',
      headers: { 'content-type': 'application/json' },
    });
    expect(v2.statusCode).toBe(400);
    const problem = problemOf(v2);
    expect(problem.code).toBe('MALFORMED_JSON');
    expect(problem.detail).toMatch(/^JSON parse error - ./);
  });

  it('a body of another media type is refused with 415', async () => {
    const response = await admin.request({
      method: 'POST',
      url: '/api/v2/locations',
      payload: 'name=Form',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(response.statusCode).toBe(415);
    expect(problemOf(response).code).toBe('UNSUPPORTED_MEDIA_TYPE');
  });

  it('wrong types are 400s with field errors', async () => {
    const v2 = await admin.post('/api/v2/locations', { name: { first: 'x' }, time_zone: 42.5 });
    expect(v2.statusCode).toBe(400);
    expect(problemOf(v2).errors).toEqual([
      { field: 'name', message: 'Not a valid string.' },
      { field: 'time_zone', message: 'Not a valid string.' },
    ]);

    const list = await admin.post('/api/v2/locations', { name: [{ a: 1 }] });
    expect(list.statusCode).toBe(400);
    expect(problemOf(list).errors).toEqual([{ field: 'name', message: 'Not a valid string.' }]);

    const v1 = await admin.post('/api/locations/', { name: { first: 'x' } });
    expect(v1.statusCode).toBe(400);
    expect(v1.json()).toEqual({ name: ['Not a valid string.'] });

    const relation = await admin.post('/api/facilities/', { name: 'Typed', location_id: 'abc' });
    expect(relation.statusCode).toBe(400);
    expect(relation.json()).toEqual({ location_id: ['A valid integer is required.'] });

    const blank = await admin.post('/api/locations/', { name: '' });
    expect(blank.statusCode).toBe(400);
    expect(blank.json()).toEqual({ name: ['This field may not be blank.'] });

    const missing = await admin.post('/api/v2/locations', { description: 'no name' });
    expect(missing.statusCode).toBe(400);
    expect(problemOf(missing).errors).toEqual([{ field: 'name', message: 'This field is required.' }]);

    const several = await admin.post('/api/v2/shifts', {
      name: 'Bad times',
      start_time: '25:00',
      end_time: 'noon',
    });
    expect(several.statusCode).toBe(400);
    expect(
      problemOf(several)
        .errors?.map((error) => error.field)
        .sort(),
    ).toEqual(['end_time', 'start_time']);
  });

  // Query strings and v1 bodies are coerced (DRF accepts "3" for an integer); v2 bodies are not.
  it('v2 refuses scalars of the wrong JSON type instead of coercing them', async () => {
    for (const name of [5, true, ['Coerced list']]) {
      const response = await admin.post('/api/v2/locations', { name });
      expect(response.statusCode, JSON.stringify(name)).toBe(400);
      expect(problemOf(response).errors).toEqual([{ field: 'name', message: 'Not a valid string.' }]);
    }
  });

  it('v2 refuses an unknown field, naming it', async () => {
    const response = await admin.post('/api/v2/locations', { name: 'Unknown field', colour: 'red' });
    expect(response.statusCode).toBe(400);
    expect(problemOf(response).errors).toEqual([{ field: 'colour', message: 'Unknown field.' }]);
    expect(await searchCount('Unknown field')).toBe(0);
  });

  it('v1 ignores unknown and read-only fields, as DRF does', async () => {
    const response = await admin.post('/api/locations/', {
      name: 'Lenient',
      colour: 'red',
      id: 999_999,
      created_at: '2000-01-01T00:00:00Z',
    });
    expect(response.statusCode).toBe(201);
    const body = response.json<Json>();
    expect(body).not.toHaveProperty('colour');
    expect(body.id).not.toBe(999_999);
    expect(body.created_at).not.toBe('2000-01-01T00:00:00.000Z');
    expect(Object.keys(body).sort()).toEqual(
      ['id', 'name', 'description', 'address', 'time_zone', 'version', 'created_at'].sort(),
    );
  });

  it('a 10 MB body is a 413 and the server keeps answering', async () => {
    const huge = JSON.stringify({ name: 'Huge', description: 'x'.repeat(10 * 1024 * 1024) });
    for (const url of ['/api/locations/', '/api/v2/locations']) {
      const response = await admin.request({
        method: 'POST',
        url,
        payload: huge,
        headers: { 'content-type': 'application/json' },
      });
      expect(response.statusCode).toBe(413);
      expect(response.body.length).toBeLessThan(2000);
      expect(response.body).toContain('Request body is too large.');
    }
    expect((await admin.get('/api/health/')).statusCode).toBe(200);
    expect((await admin.get('/api/locations/?page_size=1')).statusCode).toBe(200);
    expect(await searchCount('Huge')).toBe(0);
  });

  it('SQL-ish and LIKE-ish strings are stored and searched literally', async () => {
    const injection = "'; DROP TABLE locations; --";
    const wildcards = '%_\\';
    const a = await createLocation(injection, { description: "Robert'); DELETE FROM students;--" });
    const b = await createLocation(wildcards);
    const c = await createLocation('Under_score');
    expect(a.name).toBe(injection);
    expect(b.name).toBe(wildcards);
    expect((await admin.get(`/api/locations/${a.id}/`)).json()).toMatchObject({
      name: injection,
      description: "Robert'); DELETE FROM students;--",
    });

    const search = async (term: string) =>
      (await admin.get(`/api/locations/?search=${encodeURIComponent(term)}&page_size=100`))
        .json<V1Page<{ id: number }>>()
        .results.map((row) => row.id)
        .sort((x, y) => x - y);
    expect(await search('%')).toEqual([b.id]);
    expect(await search('_')).toEqual([b.id, c.id]);
    expect(await search('\\')).toEqual([b.id]);
    expect(await search('%_\\')).toEqual([b.id]);
    expect(await search("'; DROP")).toEqual([a.id]);
    expect(await search('DELETE FROM')).toEqual([a.id]);

    const v2 = (await admin.get(`/api/v2/locations?search=${encodeURIComponent('%')}`)).json<
      V2Page<{ id: number }>
    >();
    expect(v2.data.map((row) => row.id)).toEqual([b.id]);
    const ordered = await admin.get(
      `/api/locations/?ordering=${encodeURIComponent('name; DROP TABLE locations')}`,
    );
    expect(ordered.statusCode).toBe(400);
  });

  it('unicode names round-trip byte for byte', async () => {
    const names = [
      'Uplink 🛰️ 📡 👩🏽‍🔧',
      'مركز البث الرئيسي',
      'Cafe\u0301 (decomposed)',
      'Caf\u00e9 (composed)',
      'שלום עולם 123',
      'Zalgo z\u0351\u0308\u0353a\u0300\u0316',
      'Null-ish \u200b zero width',
    ];
    for (const name of names) {
      const created = await createLocation(name, { description: name });
      expect(created.name).toBe(name);
      const v1 = (await admin.get(`/api/locations/${created.id}/`)).json<Json>();
      expect(v1.name).toBe(name);
      expect(v1.description).toBe(name);
      const v2 = (await admin.get(`/api/v2/locations/${created.id}`)).json<Json>();
      expect(v2.name).toBe(name);
    }
    const rtl = (await admin.get(`/api/locations/?search=${encodeURIComponent('البث')}`)).json<V1Page>();
    expect(rtl.results.map((row) => row.name)).toEqual(['مركز البث الرئيسي']);
    const decomposed = (
      await admin.get(`/api/locations/?search=${encodeURIComponent('Cafe\u0301')}`)
    ).json<V1Page>();
    expect(decomposed.results.map((row) => row.name)).toEqual(['Cafe\u0301 (decomposed)']);
    const csv = await admin.get(`/api/locations/?search=${encodeURIComponent('🛰️')}&format=csv`);
    expect(csv.body).toContain('Uplink 🛰️ 📡 👩🏽‍🔧');
  });

  it('a path id that is not a valid integer is a 400, a missing one 404, never a 500', async () => {
    const cases: [string, number[]][] = [
      ['/api/locations/abc/', [400]],
      ['/api/locations/99999999999/', [400]],
      ['/api/locations/0/', [400]],
      ['/api/locations/-1/', [400]],
      ['/api/locations/1.5/', [400]],
      // JSON-number coercion reads it as 1000, which does not exist.
      ['/api/locations/1e3/', [400, 404]],
      ['/api/locations/%00/', [400]],
      ['/api/locations/2147483647/', [404]],
      ['/api/v2/locations/abc', [400]],
      ['/api/v2/locations/99999999999', [400]],
      ['/api/v2/locations/2147483647', [404]],
      ['/api/facilities/abc/', [400]],
      ['/api/shifts/9999999/', [404]],
    ];
    for (const [url, statuses] of cases) {
      const response = await admin.get(url);
      expect(statuses, `${url} answered ${response.statusCode}`).toContain(response.statusCode);
    }
    expect((await admin.get('/api/locations/abc/')).json()).toEqual({ id: ['A valid integer is required.'] });
    expect(problemOf(await admin.get('/api/v2/locations/99999999999')).errors).toEqual([
      { field: 'id', message: 'Ensure this value is less than or equal to 2147483647.' },
    ]);
    for (const method of ['PATCH', 'PUT', 'DELETE'] as const) {
      const response = await admin.request({
        method,
        url: '/api/locations/abc/',
        ...(method !== 'DELETE' && { payload: { name: 'x' } }),
      });
      expect(response.statusCode, method).toBe(400);
    }
  });

  it('loses nothing that was stored before', async () => {
    const after = await storedLocations();
    const afterById = new Map(after.map((row) => [row.id, row]));
    for (const row of before) expect(afterById.get(row.id)).toEqual(row);
    const { rows } = await t.database.pool.query<{ exists: boolean }>(
      "SELECT to_regclass('public.locations') IS NOT NULL AS exists",
    );
    expect(rows[0]?.exists).toBe(true);
    expect(await searchCount('Keep me')).toBe(1);
  });
});

describe('headers', () => {
  it('every response carries x-request-id, echoing a valid incoming one', async () => {
    const responses = [
      await admin.get('/api/locations/'),
      await admin.get('/api/no-such-endpoint/'),
      await t.app.inject({ method: 'GET', url: '/api/locations/' }),
      await admin.get('/api/v2/locations?sort=nope'),
      await t.app.inject({ method: 'GET', url: '/health/live' }),
    ];
    const ids = responses.map((response) => response.headers['x-request-id'] as string);
    for (const id of ids) expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(new Set(ids).size).toBe(ids.length);

    const echoed = await admin.get('/api/locations/', { 'x-request-id': 'trace-abc.123:XYZ_9' });
    expect(echoed.headers['x-request-id']).toBe('trace-abc.123:XYZ_9');
    const failed = await t.app.inject({
      method: 'GET',
      url: '/api/locations/',
      headers: { 'x-request-id': 'client-chosen-1' },
    });
    expect(failed.statusCode).toBe(401);
    expect(failed.headers['x-request-id']).toBe('client-chosen-1');
    expect(failed.json()).toMatchObject({ request_id: 'client-chosen-1' });
  });

  it('replaces an invalid incoming request id', async () => {
    for (const given of ['x'.repeat(300), 'has spaces in it', '<script>', '']) {
      const response = await admin.get('/api/locations/', { 'x-request-id': given });
      expect(response.headers['x-request-id']).not.toBe(given);
      expect(response.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    }
  });

  it('sends security headers on API answers and errors', async () => {
    for (const response of [
      await admin.get('/api/locations/'),
      await t.app.inject({ url: '/api/locations/' }),
    ]) {
      expect(response.headers['x-content-type-options']).toBe('nosniff');
      expect(response.headers['x-frame-options']).toBe('SAMEORIGIN');
      expect(response.headers['content-security-policy']).toContain("default-src 'none'");
      expect(response.headers['content-security-policy']).toContain("frame-ancestors 'none'");
      expect(response.headers['strict-transport-security']).toBeDefined();
      expect(response.headers['x-powered-by']).toBeUndefined();
    }
  });

  it('allows a CORS preflight from an allowed origin, with credentials', async () => {
    const response = await t.app.inject({
      method: 'OPTIONS',
      url: '/api/locations/',
      headers: {
        origin: 'http://localhost:8080',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type, x-csrftoken',
      },
    });
    expect(response.statusCode).toBe(204);
    expect(response.headers['access-control-allow-origin']).toBe('http://localhost:8080');
    expect(response.headers['access-control-allow-credentials']).toBe('true');
    expect(String(response.headers['access-control-allow-methods'])).toContain('PATCH');
    expect(String(response.headers['access-control-allow-headers']).toLowerCase()).toContain('x-csrftoken');
    expect(String(response.headers.vary).toLowerCase()).toContain('origin');

    const simple = await admin.get('/api/locations/', { origin: 'http://localhost:8080' });
    expect(simple.statusCode).toBe(200);
    expect(simple.headers['access-control-allow-origin']).toBe('http://localhost:8080');
    expect(simple.headers['access-control-allow-credentials']).toBe('true');
    expect(String(simple.headers['access-control-expose-headers']).toLowerCase()).toContain('etag');
  });

  it('does not allow another origin', async () => {
    const preflight = await t.app.inject({
      method: 'OPTIONS',
      url: '/api/locations/',
      headers: { origin: 'http://evil.example', 'access-control-request-method': 'POST' },
    });
    expect(preflight.statusCode).toBeLessThan(500);
    expect(preflight.headers['access-control-allow-origin']).toBeUndefined();

    const simple = await admin.get('/api/locations/', { origin: 'http://evil.example' });
    expect(simple.headers['access-control-allow-origin']).toBeUndefined();

    const write = await admin.post(
      '/api/locations/',
      { name: 'From evil' },
      { origin: 'http://evil.example' },
    );
    expect(write.statusCode).toBe(403);
    expect(write.json<Json>().detail).toMatch(/^CSRF Failed: Origin checking failed/);
    expect(await searchCount('From evil')).toBe(0);
  });
});

describe('errors', () => {
  it('an unknown route is a 404 in the shape of its API version', async () => {
    const v1 = await admin.get('/api/no-such-endpoint/');
    expect(v1.statusCode).toBe(404);
    expect(v1.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(v1.json()).toMatchObject({ detail: 'Not found.', code: 'NOT_FOUND' });

    const anonymous = await t.app.inject({ method: 'GET', url: '/api/v1/no-such-endpoint/' });
    expect(anonymous.statusCode).toBe(404);
    expect(anonymous.json()).toMatchObject({ detail: 'Not found.' });

    const v2 = await admin.get('/api/v2/no-such-endpoint');
    expect(v2.statusCode).toBe(404);
    expect(problemOf(v2)).toMatchObject({
      status: 404,
      code: 'NOT_FOUND',
      title: 'Not Found',
      type: 'https://opsdesk.dev/problems/not-found',
      instance: '/api/v2/no-such-endpoint',
    });

    const wrongMethod = await admin.request({ method: 'PATCH', url: '/api/locations/', payload: {} });
    expect(wrongMethod.statusCode).toBe(404);
  });

  it('a missing resource is a 404 with detail / problem+json', async () => {
    const v1 = await admin.get('/api/locations/2000000000/');
    expect(v1.statusCode).toBe(404);
    expect(v1.json<Json>().detail).toEqual(expect.any(String));
    const v2 = await admin.get('/api/v2/locations/2000000000');
    expect(v2.statusCode).toBe(404);
    expect(problemOf(v2).status).toBe(404);
  });

  it('an unauthenticated request is a 401 with DRF text', async () => {
    const v1 = await t.app.inject({ method: 'GET', url: '/api/locations/' });
    expect(v1.statusCode).toBe(401);
    expect(v1.json()).toMatchObject({ detail: 'Authentication credentials were not provided.' });
    expect(v1.headers['www-authenticate']).toBe('Token');

    const v2 = await t.app.inject({ method: 'GET', url: '/api/v2/locations' });
    expect(v2.statusCode).toBe(401);
    expect(problemOf(v2)).toMatchObject({
      code: 'NOT_AUTHENTICATED',
      detail: 'Authentication credentials were not provided.',
    });

    const badToken = await t.app.inject({
      method: 'GET',
      url: '/api/locations/',
      headers: { authorization: 'Token not-a-real-token' },
    });
    expect(badToken.statusCode).toBe(401);
    expect(badToken.json()).toMatchObject({ detail: 'Invalid token.' });
  });

  it('a role without the permission gets 403', async () => {
    const viewer = await t.login(await t.user({ role: 'viewer' }));
    expect((await viewer.get('/api/locations/')).statusCode).toBe(200);
    const write = await viewer.post('/api/locations/', { name: 'Viewer write' });
    expect(write.statusCode).toBe(403);
    expect(write.json()).toMatchObject({ detail: 'You do not have permission to perform this action.' });
  });

  it('a 5xx from the database carries no stack, SQL or internals', async () => {
    await t.database.pool.query('ALTER TABLE shifts RENAME TO shifts_hidden');
    try {
      for (const url of ['/api/shifts/', '/api/v2/shifts']) {
        const response = await admin.get(url);
        expect(response.statusCode, url).toBe(500);
        const requestId = response.headers['x-request-id'];
        expect(response.json()).toEqual(
          url.startsWith('/api/v2')
            ? {
                type: 'https://opsdesk.dev/problems/internal',
                title: 'Internal Server Error',
                status: 500,
                detail: 'Internal server error.',
                code: 'INTERNAL',
                instance: url,
                request_id: requestId,
              }
            : { detail: 'Internal server error.', code: 'INTERNAL', request_id: requestId },
        );
        expect(response.body).not.toMatch(/relation|select|stack|\.ts:\d+|node_modules/i);
      }
    } finally {
      await t.database.pool.query('ALTER TABLE shifts_hidden RENAME TO shifts');
    }
    expect((await admin.get('/api/shifts/')).statusCode).toBe(200);
  });

  it('a thrown error becomes a 500 without a stack, in both shapes', async () => {
    const app = Fastify({ logger: false });
    app.setErrorHandler(errorHandler);
    const boom = () => {
      const error = new Error('connect ECONNREFUSED 10.0.0.5:5432 password=hunter2');
      (error as Error & { statusCode: number }).statusCode = 500;
      throw error;
    };
    app.get('/api/v1/boom', boom);
    app.get('/api/v2/boom', boom);
    app.get('/api/v2/crash', () => {
      throw new TypeError("Cannot read properties of undefined (reading 'id')");
    });
    await app.ready();
    try {
      for (const url of ['/api/v1/boom', '/api/v2/boom', '/api/v2/crash']) {
        const response = await app.inject({ method: 'GET', url });
        expect(response.statusCode).toBe(500);
        expect(response.json()).toMatchObject({ detail: 'Internal server error.', code: 'INTERNAL' });
        expect(response.body).not.toMatch(/ECONNREFUSED|hunter2|stack|TypeError|reading 'id'|\.ts:\d+/);
      }
    } finally {
      await app.close();
    }
  });
});

describe('health and OpenAPI', () => {
  it('answers liveness and readiness without authentication', async () => {
    const live = await t.app.inject({ method: 'GET', url: '/health/live' });
    expect(live.statusCode).toBe(200);
    expect(live.json()).toEqual({ status: 'ok' });

    const ready = await t.app.inject({ method: 'GET', url: '/health/ready' });
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toMatchObject({ status: 'ok', database: 'ok', redis: 'disabled' });
    expect(ready.json<Json>().version).toEqual(expect.any(String));

    for (const url of ['/api/health/', '/api/health', '/api/v1/health/', '/api/v2/health']) {
      const response = await t.app.inject({ method: 'GET', url });
      expect(response.statusCode, url).toBe(200);
      expect(response.json(), url).toMatchObject({ status: 'ok', database: 'ok' });
    }
  });

  it('serves one OpenAPI 3.1 document per API version', async () => {
    const v1 = await t.app.inject({ method: 'GET', url: '/api/v1/openapi.json' });
    expect(v1.statusCode).toBe(200);
    const v1Doc = v1.json<{ openapi: string; paths: Record<string, Record<string, unknown>> }>();
    expect(v1Doc.openapi).toBe('3.1.0');
    const v1Paths = Object.keys(v1Doc.paths);
    expect(v1Paths.length).toBeGreaterThan(5);
    for (const path of v1Paths) expect(path === '/api/v1' || path.startsWith('/api/v1/'), path).toBe(true);
    expect(v1Paths).toContain('/api/v1/locations/');
    expect(v1Doc.paths['/api/v1/locations/{id}/']).toHaveProperty('patch');

    const v2 = await t.app.inject({ method: 'GET', url: '/api/v2/openapi.json' });
    expect(v2.statusCode).toBe(200);
    const v2Doc = v2.json<{ openapi: string; paths: Record<string, Record<string, unknown>> }>();
    expect(v2Doc.openapi).toBe('3.1.0');
    const v2Paths = Object.keys(v2Doc.paths);
    // Besides its own paths, v2 documents the JWKS its token flow publishes at the root.
    const ownPath = (path: string) =>
      path === '/api/v2' || path.startsWith('/api/v2/') || path === '/.well-known/jwks.json';
    expect(v2Paths.filter((path) => !ownPath(path))).toEqual([]);
    expect(v2Paths).toContain('/api/v2/locations');
    expect(v2Doc.paths['/api/v2/locations/{id}']).toHaveProperty('patch');
    expect(v2Paths.some((path) => path.startsWith('/api/locations'))).toBe(false);
  });

  it('serves the docs UI as HTML to anyone, like the OpenAPI documents', async () => {
    for (const url of ['/docs', '/docs/']) {
      const response = await t.app.inject({ method: 'GET', url });
      expect(response.statusCode, url).toBe(200);
      expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(response.body).toContain('<title>Swagger UI</title>');
    }
    const initializer = await admin.get('/docs/static/swagger-initializer.js');
    expect(initializer.statusCode).toBe(200);
    expect(initializer.body).toContain('/api/v2/openapi.json');
    expect(initializer.body).toContain('/api/v1/openapi.json');
  });
});
