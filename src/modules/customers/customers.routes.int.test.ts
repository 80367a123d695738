import { XMLParser } from 'fast-xml-parser';
import { parse as parseCsv } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type Browser, type TestApp } from '../../../test/helpers/app.ts';
import { apiKeyHelpers } from '../../../test/helpers/api-keys.ts';

interface CustomerV1 {
  id: number;
  kind: string;
  first_name: string;
  last_name: string;
  email: string | null;
  phone: string | null;
  addresses: { kind: string; lines: string[]; city: string; country: string }[];
  date_of_birth: string | null;
  notes: string;
  tags: string[];
  owner: number | null;
  status: string;
  organisation: number | null;
  marketing_consent: boolean;
  marketing_consent_at: string | null;
  marketing_consent_source: string | null;
  version: number;
}
interface CustomerV2 extends Omit<CustomerV1, 'owner' | 'organisation' | 'marketing_consent'> {
  owner_id: number | null;
  organisation_id: number | null;
  marketing_consent: { granted: boolean; at: string | null; source: string | null };
}

describe('customers routes', () => {
  let t: TestApp;
  let admin: Browser;
  let manager: Browser;
  let agent: Browser;
  let viewer: Browser;
  let agentId: number;

  beforeAll(async () => {
    t = await createTestApp();
    admin = await t.login(await t.user({ role: 'admin' }));
    manager = await t.login(await t.user({ role: 'manager' }));
    const agentPerson = await t.user({ role: 'agent' });
    agentId = agentPerson.user.id;
    agent = await t.login(agentPerson);
    viewer = await t.login(await t.user({ role: 'viewer' }));
  });
  afterAll(async () => {
    await t.close();
  });

  const createV1 = async (body: Record<string, unknown>, as?: Browser) => {
    const response = await (as ?? agent).post('/api/customers/', body);
    expect(response.statusCode, response.body).toBe(201);
    return response.json<CustomerV1>();
  };

  describe('v1 (DRF ModelViewSet)', () => {
    it('creates, retrieves, lists, updates (PUT and PATCH) and destroys, version read-only', async () => {
      const created = await createV1(
        {
          first_name: 'Grace',
          last_name: 'Hopper',
          email: 'Grace.Hopper@Example.test',
          phone: '+1 202 555 0143',
          addresses: [{ kind: 'home', lines: ['1 Navy Yard'], city: 'Arlington', country: 'US' }],
          date_of_birth: '1906-12-09',
          notes: 'Prefers calls in the morning.',
          tags: ['vip', 'navy'],
          owner: agentId,
          status: 'active',
          marketing_consent: true,
          marketing_consent_source: 'web form',
          version: 99,
        },
        manager,
      );
      expect(created).toMatchObject({
        kind: 'person',
        first_name: 'Grace',
        email: 'Grace.Hopper@Example.test',
        phone: '+1 202 555 0143',
        addresses: [{ kind: 'home', lines: ['1 Navy Yard'], city: 'Arlington', region: '', country: 'US' }],
        date_of_birth: '1906-12-09',
        tags: ['vip', 'navy'],
        owner: agentId,
        status: 'active',
        marketing_consent: true,
        marketing_consent_source: 'web form',
        version: 1,
      });
      expect(created.marketing_consent_at).not.toBeNull();

      const detail = await manager.get(`/api/customers/${created.id}/`);
      expect(detail.json()).toEqual(created);

      const list = await manager.get('/api/customers/?page_size=1');
      expect(Object.keys(list.json<object>())).toEqual(['count', 'next', 'previous', 'results']);

      const patched = await manager.patch(`/api/customers/${created.id}/`, { notes: 'Call after 10.' });
      expect(patched.statusCode).toBe(200);
      expect(patched.json()).toMatchObject({ notes: 'Call after 10.', first_name: 'Grace', version: 2 });

      const put = await manager.put(`/api/customers/${created.id}/`, {
        first_name: 'Grace',
        last_name: 'Brewster Hopper',
        email: null,
        version: 2,
      });
      expect(put.statusCode).toBe(200);
      expect(put.json()).toMatchObject({ last_name: 'Brewster Hopper', email: null, version: 3 });

      expect((await agent.delete(`/api/customers/${created.id}/`)).statusCode).toBe(403);
      expect((await manager.delete(`/api/customers/${created.id}/`)).statusCode).toBe(204);
      expect((await manager.get(`/api/customers/${created.id}/`)).statusCode).toBe(404);
    });

    it('answers field errors DRF-style', async () => {
      const response = await agent.post('/api/customers/', {
        email: 'not-an-address',
        phone: '12',
        date_of_birth: '2999-01-01',
      });
      expect(response.statusCode).toBe(400);
      expect(Object.keys(response.json<object>()).sort()).toEqual([
        'date_of_birth',
        'email',
        'last_name',
        'phone',
      ]);
      const organisation = await agent.post('/api/customers/', { kind: 'organisation' });
      expect(organisation.json()).toEqual({ company: ['An organisation needs a company name.'] });
    });

    it('answers a stale version with 409 and the current record (two users, one customer)', async () => {
      const customer = await createV1({ first_name: 'Alan', last_name: 'Turing' });
      const first = await agent.patch(`/api/customers/${customer.id}/`, { notes: 'A', version: 1 });
      expect(first.statusCode).toBe(200);
      const second = await manager.patch(`/api/customers/${customer.id}/`, { notes: 'B', version: 1 });
      expect(second.statusCode).toBe(409);
      const body = second.json<{ code: string; current: CustomerV1 }>();
      expect(body.code).toBe('VERSION_CONFLICT');
      expect(body.current).toMatchObject({ id: customer.id, notes: 'A', version: 2 });
      expect((await agent.get(`/api/customers/${customer.id}/`)).json()).toMatchObject({ notes: 'A' });
    });

    it('lets exactly one of two concurrent updates with the same version win', async () => {
      const customer = await createV1({ first_name: 'Ada', last_name: 'Lovelace' });
      const results = await Promise.all(
        ['one', 'two', 'three'].map((notes) =>
          agent.patch(`/api/customers/${customer.id}/`, { notes, version: 1 }),
        ),
      );
      expect(results.map((r) => r.statusCode).sort()).toEqual([200, 409, 409]);
      const winner = results.find((r) => r.statusCode === 200)?.json<CustomerV1>();
      for (const loser of results.filter((r) => r.statusCode === 409))
        expect(loser.json<{ current: CustomerV1 }>().current).toMatchObject({
          notes: winner?.notes,
          version: 2,
        });
    });
  });

  describe('v2', () => {
    it('creates with an ETag and requires If-Match on update and delete (428, 412 with the current customer)', async () => {
      const create = await agent.post('/api/v2/customers', { first_name: 'Katherine', last_name: 'Johnson' });
      expect(create.statusCode).toBe(201);
      expect(create.headers.etag).toBe('"1"');
      expect(create.headers.location).toBe(`/api/v2/customers/${create.json<CustomerV2>().id}`);
      const { id } = create.json<CustomerV2>();

      const missing = await agent.patch(`/api/v2/customers/${id}`, { status: 'active' });
      expect(missing.statusCode).toBe(428);
      expect(missing.headers['content-type']).toContain('application/problem+json');

      const ok = await agent.patch(`/api/v2/customers/${id}`, { status: 'active' }, { 'if-match': '"1"' });
      expect(ok.statusCode).toBe(200);
      expect(ok.headers.etag).toBe('"2"');

      const stale = await agent.patch(
        `/api/v2/customers/${id}`,
        { status: 'inactive' },
        { 'if-match': '"1"' },
      );
      expect(stale.statusCode).toBe(412);
      expect(stale.json()).toMatchObject({
        code: 'PRECONDITION_FAILED',
        current: { id, status: 'active', version: 2 },
      });

      expect((await manager.delete(`/api/v2/customers/${id}`)).statusCode).toBe(428);
      expect((await manager.delete(`/api/v2/customers/${id}`, { 'if-match': '"1"' })).statusCode).toBe(412);
      expect((await manager.delete(`/api/v2/customers/${id}`, { 'if-match': '"2"' })).statusCode).toBe(204);
    });

    it('pages with cursors and lists an organisation’s contacts', async () => {
      const org = (
        await agent.post('/api/v2/customers', { kind: 'organisation', company: 'Analytical Engines Ltd' })
      ).json<CustomerV2>();
      for (const first of ['Charles', 'Augusta']) {
        const contact = await agent.post(`/api/v2/customers/${org.id}/contacts`, {
          first_name: first,
          last_name: 'Babbage',
        });
        expect(contact.statusCode).toBe(201);
        expect(contact.json()).toMatchObject({ kind: 'person', organisation_id: org.id });
      }
      const contacts = await agent.get(`/api/v2/customers/${org.id}/contacts?limit=1`);
      const firstPage = contacts.json<{ data: CustomerV2[]; next_cursor: string; has_more: boolean }>();
      expect(firstPage.has_more).toBe(true);
      const second = await agent.get(
        `/api/v2/customers/${org.id}/contacts?limit=1&cursor=${firstPage.next_cursor}`,
      );
      const names = [...firstPage.data, ...second.json<{ data: CustomerV2[] }>().data].map(
        (c) => c.first_name,
      );
      expect(names.sort()).toEqual(['Augusta', 'Charles']);

      const person = firstPage.data[0] as CustomerV2;
      expect((await agent.get(`/api/v2/customers/${person.id}/contacts`)).statusCode).toBe(404);
      const cannot = await agent.patch(
        `/api/v2/customers/${org.id}`,
        { kind: 'person', first_name: 'X' },
        { 'if-match': '"1"' },
      );
      expect(cannot.statusCode).toBe(409);
    });
  });

  describe('filters', () => {
    let ids: Record<string, number>;
    beforeAll(async () => {
      const make = async (key: string, body: Record<string, unknown>) =>
        [key, (await createV1({ last_name: `Filter ${key}`, ...body })).id] as const;
      ids = Object.fromEntries(
        await Promise.all([
          make('lead', { status: 'lead', tags: ['filters', 'north'], email: 'Lead.Person@Filters.test' }),
          make('active', {
            status: 'active',
            tags: ['filters', 'south'],
            phone: '+44 20 7946 0991',
            owner: agentId,
          }),
          make('inactive', { status: 'inactive', tags: ['filters'] }),
        ]),
      );
    });
    const idsOf = async (query: string) => {
      const response = await agent.get(
        `/api/customers/?${query.startsWith('tag=') ? '' : 'tag=filters&'}${query}`,
      );
      expect(response.statusCode, response.body).toBe(200);
      return response
        .json<{ results: CustomerV1[] }>()
        .results.map((c) => c.id)
        .sort();
    };

    it('filters by status, tag, owner and creation time', async () => {
      expect(await idsOf('status=active')).toEqual([ids.active]);
      expect(await idsOf('tag=north,south')).toEqual([ids.lead, ids.active].sort());
      expect(await idsOf(`owner=${agentId}`)).toEqual([ids.active]);
      expect(await idsOf('created_after=2000-01-01')).toHaveLength(3);
      expect(await idsOf('created_before=2000-01-01')).toEqual([]);
      expect((await agent.get('/api/customers/?status=gone')).statusCode).toBe(400);
    });

    it('finds exact e-mail (any case) and phone (any spelling) through the blind indexes, never partial', async () => {
      expect(await idsOf('email=lead.person%40filters.test')).toEqual([ids.lead]);
      expect(await idsOf('email=%20LEAD.PERSON%40FILTERS.TEST')).toEqual([ids.lead]);
      expect(await idsOf('email=lead.person%40filters')).toEqual([]);
      expect(await idsOf('phone=%2B442079460991')).toEqual([ids.active]);
      expect(await idsOf('phone=%2B44%20(0)20%207946%200991')).toEqual([ids.active]);
      expect(await idsOf('phone=7946')).toEqual([]);
      const v2 = await agent.get('/api/v2/customers?email=LEAD.person@filters.test');
      expect(v2.json<{ data: CustomerV2[] }>().data.map((c) => c.id)).toEqual([ids.lead]);
    });

    it('orders by the allowed fields', async () => {
      const names = (await agent.get('/api/customers/?tag=filters&ordering=-last_name'))
        .json<{ results: CustomerV1[] }>()
        .results.map((c) => c.last_name);
      expect(names).toEqual(['Filter lead', 'Filter inactive', 'Filter active']);
      expect((await agent.get('/api/customers/?ordering=email')).statusCode).toBe(400);
    });
  });

  describe('formats and permissions', () => {
    it('exports decrypted values as CSV, XML and NDJSON to those who may read them (customers:pii)', async () => {
      await createV1({ last_name: 'Export', email: 'export.me@formats.test', tags: ['export'] }, manager);
      const csv = await manager.get('/api/customers/?tag=export&format=csv');
      expect(csv.headers['content-type']).toContain('text/csv');
      const records = parseCsv(csv.body, { columns: true }) as Record<string, string>[];
      expect(records).toHaveLength(1);
      expect(records[0]).toMatchObject({ last_name: 'Export', email: 'export.me@formats.test' });

      const xml = await manager.get('/api/v2/customers?tag=export', { accept: 'application/xml' });
      const parsed = new XMLParser().parse(xml.body) as { root: { 'list-item': { email: string } } };
      expect(parsed.root['list-item'].email).toBe('export.me@formats.test');

      const ndjson = await manager.get('/api/v2/customers?tag=export&format=ndjson');
      const lines = ndjson.body
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as CustomerV2);
      expect(lines.map((c) => c.email)).toEqual(['export.me@formats.test']);
    });

    it('refuses viewers (no customers:read) and holds API keys to their scopes', async () => {
      expect((await viewer.get('/api/customers/')).statusCode).toBe(403);
      expect((await viewer.get('/api/v2/customers')).statusCode).toBe(403);
      expect((await viewer.get('/api/customers/?format=csv')).statusCode).toBe(403);
      const keys = apiKeyHelpers(t, admin);
      const account = await keys.serviceAccount({ role: 'agent' });
      const readOnly = await keys.newKey(account, { scopes: ['customers:read'] });
      expect((await keys.withKey(readOnly.key, 'GET', '/api/v2/customers')).statusCode).toBe(200);
      const write = await keys.withKey(readOnly.key, 'POST', '/api/v2/customers', { last_name: 'Key' });
      expect(write.statusCode).toBe(403);
    });
  });

  it('documents every customer route in OpenAPI, tagged and summarised', async () => {
    for (const version of ['v1', 'v2'] as const) {
      const doc = (await admin.get(`/api/${version}/openapi.json`)).json<{
        paths: Record<string, Record<string, { tags?: string[]; summary?: string }>>;
      }>();
      const paths = Object.entries(doc.paths).filter(([path]) => path.includes('/customers'));
      expect(paths.length).toBeGreaterThanOrEqual(version === 'v1' ? 2 : 3);
      for (const [, operations] of paths)
        for (const operation of Object.values(operations)) {
          expect(operation.tags).toEqual(['customers']);
          expect(operation.summary).toBeTruthy();
        }
    }
  });

  it('audits every change by field name, without personal values', async () => {
    const customer = await createV1({
      first_name: 'Audit',
      last_name: 'Trail',
      email: 'audit.trail@audit.test',
    });
    await agent.patch(`/api/customers/${customer.id}/`, { phone: '+44 20 7946 0000', status: 'active' });
    await manager.delete(`/api/customers/${customer.id}/`);
    const { rows } = await t.database.pool.query<{ action: string; before: unknown; after: unknown }>(
      "SELECT action, before, after FROM audit_log WHERE resource_type = 'customer' AND resource_id = $1 ORDER BY id",
      [String(customer.id)],
    );
    expect(rows.map((row) => row.action)).toEqual([
      'customer.created',
      'customer.updated',
      'customer.deleted',
    ]);
    expect(rows[0]?.after).toMatchObject({
      fields_set: ['first_name', 'last_name', 'email', 'kind', 'status'],
    });
    expect(rows[1]?.after).toMatchObject({ fields_changed: ['phone', 'status'], status: 'active' });
    const text = JSON.stringify(rows);
    for (const value of ['Audit', 'Trail', 'audit.trail', '7946']) expect(text).not.toContain(value);
  });
});
