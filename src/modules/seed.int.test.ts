import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../test/helpers/app.ts';
import { seedDemo } from './seed.ts';

describe('demo seed', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('seeds once, and every demo ticket runs a workflow with an SLA clock and an assignment on record', async () => {
    expect(await seedDemo(t.services)).toBe(true);
    expect(await seedDemo(t.services)).toBe(false);
    const { rows } = await t.database.db.execute<{
      tickets: number;
      runs: number;
      clocks: number;
      decided: number;
      unassigned: number;
    }>(sql`
      select (select count(*)::int from tickets) as tickets,
             (select count(*)::int from ticket_workflows) as runs,
             (select count(*)::int from ticket_slas where policy_id is not null) as clocks,
             (select count(distinct ticket_id)::int from ticket_assignments) as decided,
             (select count(*)::int from tickets where assignee_id is null and status in ('open', 'in_progress')) as unassigned`);
    const [counts] = rows;
    expect(counts?.tickets).toBeGreaterThan(0);
    expect(counts?.runs).toBe(counts?.tickets);
    expect(counts?.clocks).toBe(counts?.tickets);
    expect(counts?.decided).toBe(counts?.tickets);
    expect(counts?.unassigned).toBe(0);
  });

  it('seeds demo customers: organisations with contacts and people, their PII readable', async () => {
    const page = await t.services.customers.list({
      params: {
        filters: {},
        search: undefined,
        sort: [],
        relevance: false,
        pagination: { kind: 'offset', page: 1, pageSize: 50 },
      },
    });
    const organisations = page.rows.filter((customer) => customer.kind === 'organisation');
    expect(organisations.length).toBeGreaterThanOrEqual(2);
    expect(page.rows.filter((customer) => customer.organisationId !== null).length).toBeGreaterThanOrEqual(3);
    expect(page.rows.find((customer) => customer.lastName === 'Hughes')?.email).toBe(
      'amelia.hughes@mail.example',
    );
  });

  it('seeds a small rental shop: products with stock and orders in every status, taken by the desk', async () => {
    const { rows } = await t.database.db.execute<{
      products: number;
      items: number;
      maintenance: number;
    }>(sql`
      select (select count(*)::int from rental_products) as products,
             (select count(*)::int from rental_stock_items) as items,
             (select count(*)::int from rental_stock_items where status = 'maintenance') as maintenance`);
    expect(rows[0]).toEqual({ products: 4, items: 12, maintenance: 1 });
    const statuses = await t.database.db.execute<{
      status: string;
      orders: number;
      held: number;
      desk: number;
    }>(sql`
      select o.status, count(distinct o.id)::int as orders,
             count(b.id) filter (where b.released_at is null)::int as held,
             count(distinct o.created_by)::int as desk
        from rental_orders o left join rental_bookings b on b.order_id = o.id
       group by o.status order by o.status`);
    expect(statuses.rows).toEqual([
      { status: 'cancelled', orders: 1, held: 0, desk: 1 },
      { status: 'closed', orders: 1, held: 1, desk: 1 },
      { status: 'draft', orders: 1, held: 0, desk: 1 },
      { status: 'picked_up', orders: 2, held: 2, desk: 1 },
      { status: 'reserved', orders: 2, held: 2, desk: 1 },
      { status: 'returned', orders: 1, held: 2, desk: 1 },
    ]);
  });
});
