import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiKeyHelpers } from '../../../test/helpers/api-keys.ts';
import { createTestApp, type Browser, type TestApp } from '../../../test/helpers/app.ts';
import { systemContext } from '../../platform/auth/actor.ts';

interface Money {
  currency: string;
  amount: number;
  orders: number;
}
interface DashboardBody {
  revenue: { today: Money[]; this_month: Money[] } | null;
  active_orders: number;
  items_out: number;
  overdue: number;
  utilisation: { product_id: number; units: number; booked_hours: number; utilisation: number | null }[];
  popular_products: { product_id: number; orders: number; units: number }[];
  health: { status: string; database: string; jobs_failed: number };
}

// Wednesday 5 August 2026, 10:00 UTC.
const clock = new Date('2026-08-05T10:00:00Z');

describe('rentals dashboard, reports, events and permissions', () => {
  let t: TestApp;
  let manager: Browser;
  let agent: Browser;
  let customerId: number;
  let productId: number;
  const orderIds: number[] = [];

  beforeAll(async () => {
    t = await createTestApp({}, undefined, { now: () => clock });
    manager = await t.login(await t.user({ role: 'manager' }));
    agent = await t.login(await t.user({ role: 'agent' }));
    customerId = (await t.services.customers.create(systemContext('test'), { lastName: 'Renter' })).id;
    const product = await manager.post('/api/v2/catalog/products', {
      name: 'Tent',
      sku: 'TNT-1',
      currency: 'EUR',
      daily_rate: 1000,
    });
    productId = product.json<{ id: number }>().id;
    for (const serial of ['T-1', 'T-2', 'T-3', 'T-4'])
      expect(
        (await manager.post(`/api/v2/catalog/products/${productId}/items`, { serial_number: serial }))
          .statusCode,
      ).toBe(201);
    // Two days each (2000 minor units): one picked up and overdue, one reserved, one cancelled.
    for (const [start, end] of [
      ['2026-08-05T10:30:00Z', '2026-08-07T10:30:00Z'],
      ['2026-08-06T00:00:00Z', '2026-08-08T00:00:00Z'],
      ['2026-08-10T00:00:00Z', '2026-08-12T00:00:00Z'],
    ]) {
      const response = await agent.post('/api/v2/orders', {
        customer: customerId,
        rental_start: start,
        rental_end: end,
        items: [{ product: productId, quantity: 1 }],
      });
      expect(response.statusCode, response.body).toBe(201);
      orderIds.push(response.json<{ id: number }>().id);
    }
    const [first, , third] = orderIds;
    expect((await agent.post(`/api/v2/orders/${first}/pick-up`, {})).statusCode).toBe(200);
    expect((await agent.post(`/api/v2/orders/${third}/cancel`, {})).statusCode).toBe(200);
  });
  afterAll(async () => {
    await t.close();
  });

  it('shows a manager revenue, orders out and utilisation, and a write retires the cached figures', async () => {
    const url = '/api/v2/dashboard?from=2026-08-05&to=2026-08-09';
    const response = await manager.get(url);
    expect(response.statusCode, response.body).toBe(200);
    const body = response.json<DashboardBody>();
    expect(body.revenue).toEqual({
      today: [{ currency: 'EUR', amount: 4000, orders: 2 }],
      this_month: [{ currency: 'EUR', amount: 4000, orders: 2 }],
    });
    expect(body).toMatchObject({ active_orders: 2, items_out: 1, overdue: 0 });
    // 4 units over 4 days = 384 unit-hours; two bookings of 48 h each.
    expect(body.utilisation).toEqual([
      expect.objectContaining({ product_id: productId, units: 4, booked_hours: 96, utilisation: 0.25 }),
    ]);
    expect(body.popular_products).toEqual([
      { product_id: productId, name: 'Tent', sku: 'TNT-1', orders: 2, units: 2 },
    ]);
    expect(body.health).toMatchObject({ status: 'ok', database: 'ok' });

    const more = await agent.post('/api/v2/orders', {
      customer: customerId,
      rental_start: '2026-08-06T00:00:00Z',
      rental_end: '2026-08-07T00:00:00Z',
      items: [{ product: productId, quantity: 2 }],
    });
    expect(more.statusCode).toBe(201);
    const after = (await manager.get(url)).json<DashboardBody>();
    expect(after.active_orders).toBe(3);
    expect(after.revenue?.today).toEqual([{ currency: 'EUR', amount: 6000, orders: 3 }]);
    expect(after.popular_products[0]).toMatchObject({ orders: 3, units: 4 });
  });

  it('exports the reports as CSV through the list formats', async () => {
    const revenue = await manager.get(
      '/api/v2/reports/rentals/revenue?from=2026-08-01&to=2026-09-01&format=csv',
    );
    expect(revenue.statusCode, revenue.body).toBe(200);
    expect(revenue.headers['content-type']).toContain('text/csv');
    expect(revenue.body.trim().split(/\r?\n/)).toEqual([
      'day,currency,amount,orders',
      '2026-08-05,EUR,6000,3',
    ]);
    const utilisation = await agent.get('/api/v2/reports/rentals/utilisation?from=2026-08-05&to=2026-08-09');
    expect(utilisation.json<{ data: { booked_hours: number }[] }>().data[0]?.booked_hours).toBe(144);
    const popular = await agent.get(
      '/api/v2/reports/rentals/popular-products?from=2026-08-05&to=2026-08-09&format=csv',
    );
    expect(popular.body).toContain(`${productId},Tent,TNT-1,3,4`);
  });

  it('keeps revenue from an agent and everything from a key without rentals permissions', async () => {
    const dashboard = await agent.get('/api/v2/dashboard');
    expect(dashboard.statusCode).toBe(200);
    expect(dashboard.json<DashboardBody>().revenue).toBeNull();
    expect((await agent.get('/api/v2/reports/rentals/revenue')).statusCode).toBe(403);
    expect(
      (await agent.post('/api/v2/catalog/products', { name: 'X', sku: 'X', currency: 'EUR', daily_rate: 1 }))
        .statusCode,
    ).toBe(403);

    const admin = await t.login(await t.user({ role: 'admin' }));
    const keys = apiKeyHelpers(t, admin);
    const account = await keys.serviceAccount({ role: 'agent' });
    const { key } = await keys.newKey(account, { scopes: ['tickets:read'] });
    for (const url of ['/api/v2/orders', '/api/v2/dashboard', '/api/v2/reports/rentals/utilisation'])
      expect((await keys.withKey(key, 'GET', url)).statusCode, url).toBe(403);
    const create = await keys.withKey(key, 'POST', '/api/v2/orders', {
      customer: customerId,
      rental_start: '2026-09-01T00:00:00Z',
      rental_end: '2026-09-02T00:00:00Z',
      items: [{ product: productId, quantity: 1 }],
    });
    expect(create.statusCode).toBe(403);
  });

  it('records every change as a typed event beside its audit row', async () => {
    const { rows } = await t.database.db.execute<{ type: string; subject_id: string; actions: number }>(sql`
      select e.type, e.subject_id,
             (select count(*)::int from audit_log a where a.request_id = e.request_id
                and a.resource_id = e.subject_id) as actions
        from events e where e.type like 'rental.%' order by e.id`);
    const [first, second, third] = orderIds.map(String);
    expect(rows.map((row) => [row.type, row.subject_id])).toEqual([
      ['rental.product_created', String(productId)],
      ...[1, 2, 3, 4].map((): [string, unknown] => ['rental.stock_item_created', expect.any(String)]),
      ['rental.order_created', first],
      ['rental.order_created', second],
      ['rental.order_created', third],
      ['rental.order_picked_up', first],
      ['rental.order_cancelled', third],
      ['rental.order_created', expect.any(String)],
    ]);
    expect(rows.every((row) => row.actions === 1)).toBe(true);
  });
});
