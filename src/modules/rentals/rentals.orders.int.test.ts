import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, TestApp } from '../../../test/helpers/app.ts';
import { createTestApp } from '../../../test/helpers/app.ts';
import { systemContext } from '../../platform/auth/actor.ts';

// August 2026: the 10th is a Monday; the 14th (Friday) is a holiday of the shop calendar.
const NOW = new Date('2026-08-01T00:00:00Z');
const hours = { start: '09:00', end: '17:00' };

interface OrderBody {
  id: number;
  status: string;
  rental_start: string;
  rental_end: string;
  items: { product: number; quantity: number; unit_price: number; stock_items: number[] }[];
  subtotal: number;
  total: number;
  deposit_total: number;
  allowed_transitions: string[];
}
interface AvailabilityBody {
  units: number;
  intervals: { start: string; end: string; free: number; closed: boolean }[];
  items: { id: number; busy: { start: string; end: string; reason: string; order_id: number | null }[] }[];
}

describe('rental orders and availability', () => {
  let t: TestApp;
  let manager: Browser;
  let agent: Browser;
  let customerId: number;
  let calendarId: number;
  let productId: number;
  let itemIds: number[];

  beforeAll(async () => {
    t = await createTestApp({}, undefined, { now: () => NOW });
    manager = await t.login(await t.user({ role: 'manager' }));
    agent = await t.login(await t.user({ role: 'agent' }));
    const ctx = systemContext('rentals-test');
    customerId = (await t.services.customers.create(ctx, { lastName: 'Renter' })).id;
    const calendar = await t.services.calendars.createCalendar(ctx, {
      name: 'Shop',
      timeZone: 'Europe/Berlin',
      weekly: { 1: [hours], 2: [hours], 3: [hours], 4: [hours], 5: [hours] },
    });
    calendarId = calendar.id;
    await t.services.calendars.addClosure(ctx, calendarId, {
      kind: 'holiday',
      date: '2026-08-14',
      name: 'Shop party',
    });
    const product = await manager.post('/api/catalog/products/', {
      name: 'Drill',
      sku: 'DRL-1',
      currency: 'EUR',
      hourly_rate: 500,
      daily_rate: 2000,
      weekly_rate: 8000,
      deposit: 5000,
      buffer_before_minutes: 60,
      buffer_after_minutes: 120,
      calendar_id: calendarId,
    });
    productId = product.json<{ id: number }>().id;
    itemIds = [];
    for (const serial of ['D-1', 'D-2', 'D-3']) {
      const item = await manager.post(`/api/catalog/products/${productId}/items/`, { serial_number: serial });
      itemIds.push(item.json<{ id: number }>().id);
    }
  });
  afterAll(async () => {
    await t.close();
  });

  it('takes the seed body (whole days) and maps them to the calendar opening hours', async () => {
    const response = await agent.post('/api/orders/', {
      customer: customerId,
      rental_start: '2026-08-10',
      rental_end: '2026-08-11',
      items: [{ product: productId, quantity: 2 }],
    });
    expect(response.statusCode).toBe(201);
    const order = response.json<OrderBody>();
    expect(order).toMatchObject({
      status: 'reserved',
      rental_start: '2026-08-10T07:00:00.000Z', // 09:00 in Berlin (CEST)
      rental_end: '2026-08-11T15:00:00.000Z', // 17:00 in Berlin
      allowed_transitions: ['pick_up', 'cancel'],
    });
    // 32 hours: a day and 8 hours (2000 + 4000) is dearer than two days (4000).
    expect(order.items[0]).toMatchObject({ quantity: 2, unit_price: 4000 });
    expect(order.items[0]?.stock_items).toHaveLength(2);
    expect(order).toMatchObject({ subtotal: 8000, total: 8000, deposit_total: 10000 });

    const availability = await agent.get(
      `/api/v2/catalog/products/${productId}/availability?from=2026-08-10T00:00:00Z&to=2026-08-12T00:00:00Z`,
    );
    expect(availability.statusCode).toBe(200);
    const body = availability.json<AvailabilityBody>();
    expect(body.units).toBe(3);
    const booked = body.items.flatMap((item) => item.busy.filter((b) => b.reason === 'booked'));
    expect(booked).toHaveLength(2);
    // The hold includes the buffers: an hour before pickup, two hours after the return.
    expect(booked[0]).toMatchObject({
      start: '2026-08-10T06:00:00.000Z',
      end: '2026-08-11T17:00:00.000Z',
      order_id: order.id,
    });
    const during = body.intervals.find(
      (i) => i.start <= '2026-08-10T08:00:00.000Z' && i.end > '2026-08-10T08:00:00.000Z',
    );
    expect(during).toMatchObject({ free: 1, closed: false });
    const night = body.intervals.find(
      (i) => i.start <= '2026-08-10T20:00:00.000Z' && i.end > '2026-08-10T20:00:00.000Z',
    );
    expect(night).toMatchObject({ free: 0, closed: true });
    const lastHour = body.intervals.find(
      (i) => i.start <= '2026-08-11T14:30:00.000Z' && i.end > '2026-08-11T14:30:00.000Z',
    );
    expect(lastHour).toMatchObject({ free: 1, closed: false });

    const tooMany = await agent.post('/api/orders/', {
      customer: customerId,
      rental_start: '2026-08-11',
      rental_end: '2026-08-11',
      items: [{ product: productId, quantity: 2 }],
    });
    expect(tooMany.statusCode).toBe(409);
    expect(tooMany.json<{ detail: string }>().detail).toContain('Not enough free units of "Drill"');
  });

  it('refuses pickup on a closed day and shows maintenance in availability', async () => {
    const closed = await agent.post('/api/orders/', {
      customer: customerId,
      rental_start: '2026-08-14',
      rental_end: '2026-08-17',
      items: [{ product: productId, quantity: 1 }],
    });
    expect(closed.statusCode).toBe(400);
    expect(closed.json()).toEqual({ rental_start: ['The shop is closed on 2026-08-14.'] });

    const saturday = await agent.post('/api/v2/orders', {
      customer: customerId,
      rental_start: '2026-08-15T10:00:00+02:00',
      rental_end: '2026-08-17T10:00:00+02:00',
      items: [{ product: productId, quantity: 1 }],
    });
    expect(saturday.statusCode).toBe(400);
    expect(saturday.headers['content-type']).toContain('application/problem+json');

    const [itemId] = itemIds;
    await manager.patch(`/api/catalog/products/${productId}/items/${itemId}/`, { status: 'maintenance' });
    const availability = await agent.get(
      `/api/catalog/products/${productId}/availability/?from=2026-08-17&to=2026-08-18`,
    );
    const body = availability.json<AvailabilityBody>();
    expect(body.items.find((item) => item.id === itemId)?.busy[0]).toMatchObject({ reason: 'maintenance' });
    const open = body.intervals.find((i) => !i.closed);
    expect(open?.free).toBe(2);
    await manager.patch(`/api/catalog/products/${productId}/items/${itemId}/`, { status: 'available' });
  });

  it('enforces the lifecycle and releases stock on cancel', async () => {
    const draft = await agent.post('/api/v2/orders', {
      customer: customerId,
      rental_start: '2026-08-18',
      rental_end: '2026-08-18',
      items: [{ product: productId, quantity: 3 }],
      status: 'draft',
      discount: { kind: 'percent', basis_points: 1000 },
      tax_rate_bp: 1900,
    });
    expect(draft.statusCode).toBe(201);
    const order = draft.json<OrderBody & { discount_total: number; tax_total: number }>();
    // 8 hours: a day (2000) is cheaper than 8 hours (4000); 3 units; 10 % off; 19 % tax.
    expect(order).toMatchObject({
      status: 'draft',
      subtotal: 6000,
      discount_total: 600,
      tax_total: 1026,
      total: 6426,
    });
    expect(order.items[0]?.stock_items).toEqual([]);

    const illegal = await agent.post(`/api/v2/orders/${order.id}/pick-up`, {});
    expect(illegal.statusCode).toBe(409);
    expect(illegal.json()).toMatchObject({
      code: 'RENTALS_TRANSITION_NOT_ALLOWED',
      allowed_transitions: ['reserve', 'cancel'],
    });
    expect(illegal.json<{ detail: string }>().detail).toContain('allowed: reserve, cancel');

    const reserved = await agent.post(`/api/v2/orders/${order.id}/reserve`, {});
    expect(reserved.statusCode).toBe(200);
    expect(reserved.json<OrderBody>().items[0]?.stock_items).toHaveLength(3);
    const cancelled = await agent.post(`/api/orders/${order.id}/cancel/`, {});
    expect(cancelled.json()).toMatchObject({ status: 'cancelled', allowed_transitions: [] });
    expect(cancelled.json<OrderBody>().items[0]?.stock_items).toEqual([]);

    const again = await agent.post('/api/orders/', {
      customer: customerId,
      rental_start: '2026-08-18',
      rental_end: '2026-08-18',
      items: [{ product: productId, quantity: 3 }],
    });
    expect(again.statusCode).toBe(201);
    const id = again.json<OrderBody>().id;
    for (const [step, status] of [
      ['pick-up', 'picked_up'],
      ['return', 'returned'],
      ['close', 'closed'],
    ] as const) {
      const response = await agent.post(`/api/orders/${id}/${step}/`, {});
      expect(response.statusCode).toBe(200);
      expect(response.json()).toMatchObject({ status });
    }
    const late = await agent.post(`/api/orders/${id}/cancel/`, {});
    expect(late.statusCode).toBe(409);
    expect(late.json()).toMatchObject({ allowed_transitions: [] });

    const admin = await t.login(await t.user({ role: 'admin' }));
    const audit = await admin.get(`/api/v2/audit-log?resource_type=rental_order&resource_id=${id}`);
    expect(
      audit
        .json<{ data: { action: string }[] }>()
        .data.map((row) => row.action)
        .sort(),
    ).toEqual(['rental_order.close', 'rental_order.created', 'rental_order.pick_up', 'rental_order.return']);
  });

  it('checks the customer, the product and the order body', async () => {
    const noCustomer = await agent.post('/api/orders/', {
      customer: 999_999,
      rental_start: '2026-08-19',
      rental_end: '2026-08-19',
      items: [{ product: productId, quantity: 1 }],
    });
    expect(noCustomer.json()).toEqual({ customer: ['Invalid pk "999999" - object does not exist.'] });
    const noProduct = await agent.post('/api/orders/', {
      customer: customerId,
      rental_start: '2026-08-19',
      rental_end: '2026-08-19',
      items: [{ product: 999_999, quantity: 1 }],
    });
    expect(noProduct.statusCode).toBe(400);
    expect(noProduct.json()).toHaveProperty('items');
  });
});
