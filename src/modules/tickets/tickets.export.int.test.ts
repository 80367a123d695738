import { parse as parseCsv } from 'csv-parse/sync';
import { XMLParser } from 'fast-xml-parser';
import type { TSchema } from '@sinclair/typebox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type Browser, type TestApp } from '../../../test/helpers/app.ts';
import { ctxOf } from '../../../test/helpers/service-context.ts';
import { columnsOf, flatten } from '../../platform/http/columns.ts';
import type { Person } from '../identity/index.ts';
import { IncidentTicketV1, ServiceTicketV1, TicketV2 } from './tickets.schemas.ts';
import type { TicketInput } from './tickets.service.ts';
import type { TicketKind } from './tickets.tables.ts';

/**
 * The flat ticket export (tickets.export.ts: one joined statement, no per-row
 * presenter) against the JSON list it stands for: for the same filters, search, order
 * and caller, NDJSON has the list's items field by field, and CSV and XML their
 * flattened leaves, in v2 and both v1 views.
 */

let t: TestApp;
let admin: Person;
let adminBrowser: Browser;
let viewer: Browser;

type Item = { id: number } & Record<string, unknown>;

/** Every item of a JSON list, page after page (v1 pages or v2 cursors). */
async function jsonItems(browser: Browser, url: string): Promise<Item[]> {
  const items: Item[] = [];
  let next: string | null = url;
  while (next) {
    const response = await browser.get(next);
    expect(response.statusCode, response.body).toBe(200);
    const page = response.json<{
      results?: Item[];
      next?: string | null;
      data?: Item[];
      next_cursor?: string | null;
    }>();
    if (page.results) {
      items.push(...page.results);
      next = page.next ? page.next.replace(/^https?:\/\/[^/]+/, '') : null;
    } else {
      items.push(...(page.data ?? []));
      next = page.next_cursor ? `${url}&cursor=${encodeURIComponent(page.next_cursor)}` : null;
    }
  }
  return items;
}

const ndjsonOf = (body: string) =>
  body
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Item);

beforeAll(async () => {
  t = await createTestApp();
  admin = await t.user({ role: 'admin', department: 'Ops' });
  adminBrowser = await t.login(admin);
  const ctx = ctxOf(admin);
  const { sites, tickets, identity, ticketReference } = t.services;
  const eng = await identity.ensureDepartment(ctx, 'Engineering');
  const studio = await sites.createLocation(ctx, {
    name: 'Studio A',
    address: '1 Broadcast Road',
    timeZone: 'Europe/Berlin',
  });
  const control = await sites.createFacility(ctx, { name: 'Control room', locationId: studio.id });
  const roaming = await sites.createFacility(ctx, { name: 'Roaming kit', status: 'inactive' });
  const outage = await ticketReference.createIncidentType(ctx, { name: 'Outage', severityLevel: 1 });
  const hardware = await ticketReference.createCategory(ctx, { name: 'Hardware' });
  const printers = await ticketReference.createCategory(ctx, { name: 'Printers', parentId: hardware.id });
  const reporter = await t.user({ role: 'agent', department: 'Ops' });
  const engineer = await t.user({ role: 'agent', department: 'Engineering' });
  const viewerPerson = await t.user({ role: 'viewer', department: 'Ops' });
  viewer = await t.login(viewerPerson);

  const make = (kind: TicketKind, input: TicketInput & { title: string }) => tickets.create(ctx, kind, input);
  const full = await make('incident', {
    title: 'Transmitter "A" down, 50% power',
    description: 'Line one\nline two, with <xml> & "quotes"',
    priority: 'critical',
    incidentTypeId: outage.id,
    categoryId: hardware.id,
    subcategoryId: printers.id,
    departmentId: eng.id,
    facilityId: control.id,
    reporterId: reporter.user.id,
    assigneeId: engineer.user.id,
  });
  await tickets.update(ctx, full.id, { status: 'resolved' }, { walkStatus: true });
  await make('incident', { title: 'Bare incident', priority: 'low' });
  await make('incident', {
    title: 'Ops klystron hum',
    priority: 'high',
    facilityId: roaming.id,
    departmentId: null,
  });
  await make('service', {
    title: 'New headset',
    priority: 'medium',
    serviceType: 'equipment',
    dueDate: '2027-01-31',
    reporterId: viewerPerson.user.id,
    facilityId: control.id,
  });
  const done = await make('service', { title: 'Swap cable', priority: 'low', assigneeId: reporter.user.id });
  await tickets.update(ctx, done.id, { status: 'completed' }, { walkStatus: true });
  for (let i = 0; i < 7; i++) {
    await make(i % 2 ? 'service' : 'incident', {
      title: `Filler ${i} klystron`,
      priority: i % 3 ? 'medium' : 'high',
      departmentId: i % 2 ? eng.id : null,
      reporterId: i % 2 ? engineer.user.id : reporter.user.id,
    });
  }
});

afterAll(async () => {
  await t.close();
});

const lists: { name: string; json: string; schema: TSchema; filename: string }[] = [
  { name: 'v2', json: '/api/v2/tickets?limit=3', schema: TicketV2, filename: 'tickets' },
  {
    name: 'v2 filtered, sorted',
    json: '/api/v2/tickets?limit=2&priority=high,critical&sort=title',
    schema: TicketV2,
    filename: 'tickets',
  },
  {
    name: 'v2 search',
    json: '/api/v2/tickets?limit=2&search=klystron',
    schema: TicketV2,
    filename: 'tickets',
  },
  {
    name: 'v1 incidents',
    json: '/api/incident-tickets/?page_size=2',
    schema: IncidentTicketV1,
    filename: 'incident-tickets',
  },
  {
    name: 'v1 services, ordered',
    json: '/api/service-tickets/?page_size=2&ordering=-id',
    schema: ServiceTicketV1,
    filename: 'service-tickets',
  },
];

describe.each(lists)('flat export: $name', ({ json, schema, filename }) => {
  const exportUrl = (format: string) =>
    `${json.replace(/([?&])(limit|page_size)=\d+&?/, '$1')}&format=${format}`;

  it('NDJSON has the JSON list items, field by field, in the same order', async () => {
    const expected = await jsonItems(adminBrowser, json);
    expect(expected.length).toBeGreaterThan(1);
    const response = await adminBrowser.get(exportUrl('ndjson'));
    expect(response.statusCode, response.body).toBe(200);
    expect(response.headers['content-type']).toBe('application/x-ndjson; charset=utf-8');
    expect(response.headers['content-disposition']).toBe(`attachment; filename="${filename}.ndjson"`);
    expect(ndjsonOf(response.body)).toEqual(expected);
  });

  it('CSV has one record per item, one column per leaf, each equal to the JSON value', async () => {
    const expected = await jsonItems(adminBrowser, json);
    const response = await adminBrowser.get(exportUrl('csv'));
    expect(response.statusCode).toBe(200);
    const columns = columnsOf(schema);
    const [header, ...records] = parseCsv(response.body) as string[][];
    expect(header).toEqual(columns);
    expect(records).toEqual(expected.map((item) => flatten(item, columns)));
  });

  it('XML has the same leaves', async () => {
    const expected = await jsonItems(adminBrowser, json);
    const response = await adminBrowser.get(exportUrl('xml'));
    expect(response.statusCode).toBe(200);
    const parsed = new XMLParser({ parseTagValue: false, trimValues: false }).parse(response.body) as {
      root: { 'list-item': Record<string, string>[] | Record<string, string> };
    };
    const items = [parsed.root['list-item']].flat();
    const columns = columnsOf(schema);
    expect(items.map((item) => columns.map((column) => item[column]))).toEqual(
      expected.map((item) => flatten(item, columns)),
    );
  });
});

describe('flat export permission scope', () => {
  it('a viewer exports exactly what they can list: their department and their own tickets', async () => {
    const listed = await jsonItems(viewer, '/api/v2/tickets?limit=50');
    const all = await jsonItems(adminBrowser, '/api/v2/tickets?limit=50');
    expect(listed.length).toBeGreaterThan(0);
    expect(listed.length).toBeLessThan(all.length);
    for (const format of ['ndjson', 'csv']) {
      const response = await viewer.get(`/api/v2/tickets?format=${format}`);
      expect(response.statusCode).toBe(200);
      const ids =
        format === 'ndjson'
          ? ndjsonOf(response.body).map((item) => item.id)
          : (parseCsv(response.body, { columns: true }) as { id: string }[]).map((row) => Number(row.id));
      expect(ids).toEqual(listed.map((item) => item.id));
    }
    const engineering = all.filter(
      (item) => (item.department as { name: string } | null)?.name === 'Engineering',
    );
    expect(engineering.length).toBeGreaterThan(0);
    const exported = ndjsonOf((await viewer.get('/api/v2/tickets?format=ndjson')).body).map(
      (item) => item.id,
    );
    for (const item of engineering) expect(exported).not.toContain(item.id);
  });

  it('the v1 views keep their kind: an incident export holds no service request', async () => {
    const response = await adminBrowser.get('/api/incident-tickets/?format=ndjson');
    const numbers = ndjsonOf(response.body).map((item) => item.number as string);
    expect(numbers.length).toBeGreaterThan(0);
    expect(numbers.every((number) => number.startsWith('INC-'))).toBe(true);
  });
});
