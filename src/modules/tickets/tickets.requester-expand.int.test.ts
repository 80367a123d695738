import { parse as parseCsv } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type Browser, type TestApp } from '../../../test/helpers/app.ts';
import { countQueries } from '../../../test/helpers/database.ts';

/**
 * `?expand=requester_customer` on v2 tickets: absent by default (`requester_customer_id`
 * as ever), added when expanded as GET /api/v2/customers/{id} answers the same caller
 * (in clear for managers, e-mail and phone masked for agents, `{id}` alone for viewers,
 * who may not read customers), read for a page in one query whatever its size.
 */

type Json = Record<string, unknown>;
interface Page {
  data: Json[];
}

const EMAIL = 'ada.lovelace@example.test';
const PHONE = '+44 20 7946 0123';

let t: TestApp;
let admin: Browser;
let manager: Browser;
let agent: Browser;
let viewer: Browser;
let customerId: number;
let withRequester: number;
let withoutRequester: number;

beforeAll(async () => {
  t = await createTestApp();
  admin = await t.login(await t.user({ role: 'admin' }));
  const managerPerson = await t.user({ role: 'manager', department: 'Desk' });
  manager = await t.login(managerPerson);
  agent = await t.login(await t.user({ role: 'agent', department: 'Desk' }));
  viewer = await t.login(await t.user({ role: 'viewer', department: 'Desk' }));
  const departmentId = managerPerson.user.departmentId;

  const customer = await admin.post('/api/v2/customers', {
    kind: 'person',
    first_name: 'Ada',
    last_name: 'Lovelace',
    email: EMAIL,
    phone: PHONE,
    notes: 'Calls about the transmitter.',
  });
  expect(customer.statusCode, customer.body).toBe(201);
  customerId = customer.json<{ id: number }>().id;

  const create = async (body: Json) => {
    const response = await admin.post('/api/v2/tickets', {
      kind: 'incident',
      department_id: departmentId,
      ...body,
    });
    expect(response.statusCode, response.body).toBe(201);
    return response.json<{ id: number }>().id;
  };
  withoutRequester = await create({ title: 'Nobody asked' });
  for (let i = 0; i < 30; i += 1) await create({ title: `Asked ${i}`, requester_customer_id: customerId });
  withRequester = await create({ title: 'The one we read', requester_customer_id: customerId });
});

afterAll(async () => {
  await t.close();
});

const read = async (browser: Browser, url: string) => {
  const response = await browser.get(url);
  expect(response.statusCode, response.body).toBe(200);
  return response;
};

describe('without ?expand=requester_customer', () => {
  it('answers requester_customer_id and no requester_customer, on the detail and the list', async () => {
    const detail = (await read(manager, `/api/v2/tickets/${withRequester}`)).json<Json>();
    expect(detail.requester_customer_id).toBe(customerId);
    expect(detail).not.toHaveProperty('requester_customer');
    const page = (await read(manager, '/api/v2/tickets?limit=50')).json<Page>();
    expect(page.data).toHaveLength(32);
    for (const item of page.data) expect(item).not.toHaveProperty('requester_customer');
    expect(page.data.find((item) => item.id === withoutRequester)?.requester_customer_id).toBeNull();
  });

  it('is refused in ?fields= (there is nothing to select) and left out of exports', async () => {
    const refused = await manager.get(`/api/v2/tickets/${withRequester}?fields=requester_customer`);
    expect(refused.statusCode).toBe(400);
    expect(refused.json<{ code: string }>().code).toBe('INVALID_FIELDS');
    const csv = await read(manager, '/api/v2/tickets?format=csv&expand=requester_customer');
    const [header] = parseCsv(csv.body) as string[][];
    expect(header).toContain('requester_customer_id');
    expect(header?.some((column) => column.startsWith('requester_customer.'))).toBe(false);
  });
});

describe('with ?expand=requester_customer', () => {
  it('gives a manager the customer in clear, as GET /api/v2/customers/{id} does', async () => {
    const customer = (await read(manager, `/api/v2/customers/${customerId}`)).json<Json>();
    expect(customer).toMatchObject({ email: EMAIL, phone: PHONE });
    const detail = (
      await read(manager, `/api/v2/tickets/${withRequester}?expand=requester_customer`)
    ).json<Json>();
    expect(detail.requester_customer_id).toBe(customerId);
    expect(detail.requester_customer).toEqual(customer);
    const page = (await read(manager, '/api/v2/tickets?limit=50&expand=requester_customer')).json<Page>();
    expect(page.data).toHaveLength(32);
    for (const item of page.data)
      expect(item.requester_customer).toEqual(item.id === withoutRequester ? null : customer);
  });

  it('gives an agent (no customers:pii) the masked customer, as GET /api/v2/customers/{id} does', async () => {
    const customer = (await read(agent, `/api/v2/customers/${customerId}`)).json<Json>();
    expect(customer.email).not.toBe(EMAIL);
    expect(customer).toMatchObject({ email: 'a***@example.test', phone: '+44 ** **** *123' });
    const detail = await read(agent, `/api/v2/tickets/${withRequester}?expand=requester_customer`);
    expect(detail.json<Json>().requester_customer).toEqual(customer);
    expect(detail.body).not.toContain(EMAIL);
    const page = await read(agent, '/api/v2/tickets?limit=50&expand=requester_customer');
    for (const item of page.json<Page>().data)
      expect(item.requester_customer).toEqual(item.id === withoutRequester ? null : customer);
    expect(page.body).not.toContain(EMAIL);
    const selected = (
      await read(
        agent,
        `/api/v2/tickets/${withRequester}?expand=requester_customer&fields=requester_customer.email`,
      )
    ).json<Json>();
    expect(selected).toEqual({
      id: withRequester,
      requester_customer: { id: customerId, email: customer.email },
    });
  });

  it('gives a viewer (no customers:read) the id alone, nothing of the customer', async () => {
    expect((await viewer.get(`/api/v2/customers/${customerId}`)).statusCode).toBe(403);
    const detail = await read(viewer, `/api/v2/tickets/${withRequester}?expand=requester_customer`);
    expect(detail.json<Json>().requester_customer).toEqual({ id: customerId });
    const page = await read(viewer, '/api/v2/tickets?limit=50&expand=requester_customer');
    const items = page.json<Page>().data;
    expect(items).toHaveLength(32);
    for (const item of items)
      expect(item.requester_customer).toEqual(item.id === withoutRequester ? null : { id: customerId });
    for (const body of [detail.body, page.body])
      for (const secret of [EMAIL, PHONE, 'Lovelace', 'transmitter']) expect(body).not.toContain(secret);
  });

  it("expands on a customer's own ticket list too", async () => {
    const customer = (await read(agent, `/api/v2/customers/${customerId}`)).json<Json>();
    const page = (
      await read(agent, `/api/v2/customers/${customerId}/tickets?limit=50&expand=requester_customer`)
    ).json<Page>();
    expect(page.data).toHaveLength(31);
    for (const item of page.data) expect(item.requester_customer).toEqual(customer);
  });

  it('reads the customers of a page in one query, whatever the page size', async () => {
    const url = (limit: number, expand: boolean) =>
      `/api/v2/tickets?limit=${limit}${expand ? '&expand=requester_customer' : ''}`;
    // Warm-up: the first pages are cached after their first read, so each measured read is a hit.
    for (const limit of [2, 40]) for (const expand of [false, true]) await read(agent, url(limit, expand));
    const count = (limit: number, expand: boolean) =>
      countQueries(t.database.pool, async () => {
        const page = (await read(agent, url(limit, expand))).json<Page>();
        expect(page.data.length).toBe(Math.min(limit, 32));
      });
    const two = await count(2, true);
    const forty = await count(40, true);
    expect(forty).toBe(two);
    expect(forty).toBe((await count(40, false)) + 1);
  });
});
