import { randomUUID } from 'node:crypto';
import { crc32, deflateSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, TestApp } from '../../../test/helpers/app.ts';
import { createTestApp } from '../../../test/helpers/app.ts';
import { systemContext } from '../../platform/auth/actor.ts';
import { readAfter } from '../../platform/events/index.ts';

interface OrderBody {
  id: number;
  status: string;
  total: number;
  subtotal: number;
  deposit_total: number;
  balance_due: number;
  paid_total: number;
  deposit_held: number;
  version: number;
  items: { quantity: number; stock_items: number[] }[];
}
interface PaymentBody {
  id: number;
  kind: string;
  status: string;
  amount: number;
  applied_amount: number;
}
interface LedgerBody {
  balance_due: number;
  deposit_held: number;
  entries: { kind: string; amount: number; balance_delta: number; deposit_delta: number }[];
  payments: PaymentBody[];
}

function pngChunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}
const PNG = Buffer.concat([
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  pngChunk('IHDR', Buffer.from([0, 0, 0, 1, 0, 0, 0, 1, 8, 2, 0, 0, 0])),
  pngChunk('IDAT', deflateSync(Buffer.from([0, 255, 0, 0]))),
  pngChunk('IEND', Buffer.alloc(0)),
]);

function multipart(filename: string, content: Buffer) {
  const boundary = `----opsdesk-${randomUUID()}`;
  return {
    payload: Buffer.concat([
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${filename}"\r\nContent-Type: image/png\r\n\r\n`,
      ),
      content,
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ]),
    headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
  };
}

describe('a rental order through its life, money included', () => {
  let clock = new Date('2026-08-01T00:00:00Z');
  let t: TestApp;
  let desk: Browser;
  let customerId: number;
  let productId: number;

  beforeAll(async () => {
    t = await createTestApp({}, undefined, { now: () => clock });
    desk = await t.login(await t.user({ role: 'manager' }));
    customerId = (await t.services.customers.create(systemContext('rentals-test'), { lastName: 'Renter' }))
      .id;
    const product = await desk.post('/api/v2/catalog/products', {
      name: 'Cinema camera',
      sku: 'CAM-LIFE',
      currency: 'EUR',
      hourly_rate: 500,
      daily_rate: 2000,
      deposit: 5000,
      buffer_after_minutes: 60,
      late_fee_unit: 'hour',
      late_fee_amount: 300,
      late_fee_grace_minutes: 30,
    });
    expect(product.statusCode, product.body).toBe(201);
    productId = product.json<{ id: number }>().id;
    for (const serial of ['CAM-L-1', 'CAM-L-2'])
      expect(
        (await desk.post(`/api/v2/catalog/products/${productId}/items`, { serial_number: serial }))
          .statusCode,
      ).toBe(201);
  });
  afterAll(async () => {
    await t.close();
  });

  const key = () => ({ 'idempotency-key': randomUUID() });
  const order = async (id: number) => (await desk.get(`/api/v2/orders/${id}`)).json<OrderBody>();

  it('quotes, edits the draft, reserves, takes money idempotently, hands out, takes back late and closes at zero', async () => {
    // Quote: a draft holds nothing and owes nothing.
    const quote = await desk.post('/api/v2/orders', {
      customer: customerId,
      rental_start: '2026-08-10T10:00:00Z',
      rental_end: '2026-08-11T10:00:00Z',
      items: [{ product: productId, quantity: 1 }],
      status: 'draft',
    });
    expect(quote.statusCode, quote.body).toBe(201);
    const draft = quote.json<OrderBody>();
    expect(draft).toMatchObject({ status: 'draft', total: 2000, deposit_total: 5000, balance_due: 0 });

    // Editing the draft re-prices it; If-Match is required and checked.
    const edited = await desk.patch(
      `/api/v2/orders/${draft.id}`,
      { items: [{ product: productId, quantity: 2 }], discount: { kind: 'amount', amount: 500 } },
      { 'if-match': `"${draft.version}"` },
    );
    expect(edited.statusCode, edited.body).toBe(200);
    expect(edited.json<OrderBody>()).toMatchObject({ subtotal: 4000, total: 3500, deposit_total: 10000 });

    // Reserving books the units and charges the total.
    const reserved = await desk.post(`/api/v2/orders/${draft.id}/reserve`);
    expect(reserved.statusCode, reserved.body).toBe(200);
    expect(reserved.json<OrderBody>()).toMatchObject({ status: 'reserved', balance_due: 3500 });
    const id = draft.id;
    const units = reserved.json<OrderBody>().items.flatMap((item) => item.stock_items);
    expect(units).toHaveLength(2);

    // A reserved order cannot be edited any more.
    const late = await desk.patch(
      `/api/v2/orders/${id}`,
      { notes: 'x' },
      { 'if-match': `"${(await order(id)).version}"` },
    );
    expect(late.statusCode).toBe(409);

    // The deposit, sent twice with one Idempotency-Key: one payment, the second answer replayed.
    const depositKey = { 'idempotency-key': 'deposit-of-the-camera-order' };
    const first = await desk.post(`/api/v2/orders/${id}/deposit/hold`, { method: 'cash' }, depositKey);
    const again = await desk.post(`/api/v2/orders/${id}/deposit/hold`, { method: 'cash' }, depositKey);
    expect(first.statusCode, first.body).toBe(201);
    expect(again.statusCode).toBe(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.json<PaymentBody>().id).toBe(first.json<PaymentBody>().id);
    expect(first.json<PaymentBody>()).toMatchObject({
      kind: 'deposit_hold',
      status: 'succeeded',
      amount: 10000,
    });
    expect(await order(id)).toMatchObject({ deposit_held: 10000, balance_due: 3500 });

    // Payment calls need a key; partial payments add up; more than is due is refused.
    expect(
      (await desk.post(`/api/v2/orders/${id}/payments`, { amount: 100, method: 'cash' })).statusCode,
    ).toBe(400);
    const cash = await desk.post(`/api/v2/orders/${id}/payments`, { amount: 1500, method: 'cash' }, key());
    expect(cash.statusCode, cash.body).toBe(201);
    const transfer = await desk.post(
      `/api/v2/orders/${id}/payments`,
      { amount: 2000, method: 'bank_transfer', reference: 'SEPA 42' },
      key(),
    );
    expect(transfer.statusCode).toBe(201);
    const over = await desk.post(`/api/v2/orders/${id}/payments`, { amount: 1, method: 'cash' }, key());
    expect(over.statusCode).toBe(409);
    expect(over.json<{ code: string; due: number }>()).toMatchObject({ code: 'RENTALS_OVERPAYMENT', due: 0 });

    // Refunds: never more than the payment brought in.
    const cashId = cash.json<PaymentBody>().id;
    const refund = await desk.post(`/api/v2/orders/${id}/refunds`, { payment: cashId, amount: 500 }, key());
    expect(refund.statusCode, refund.body).toBe(201);
    const tooMuch = await desk.post(`/api/v2/orders/${id}/refunds`, { payment: cashId, amount: 1001 }, key());
    expect(tooMuch.statusCode).toBe(409);
    expect(tooMuch.json<{ code: string; refundable: number }>()).toMatchObject({
      code: 'RENTALS_REFUND_EXCEEDS_PAID',
      refundable: 1000,
    });
    expect(await order(id)).toMatchObject({ balance_due: 500 });
    expect(
      (await desk.post(`/api/v2/orders/${id}/payments`, { amount: 500, method: 'cash' }, key())).statusCode,
    ).toBe(201);

    // Pickup per unit, with a photo: the order is picked up when the last unit is out.
    const photo = await desk.request({
      method: 'POST',
      url: `/api/v2/orders/${id}/photos`,
      ...multipart('before.png', PNG),
    });
    expect(photo.statusCode, photo.body).toBe(201);
    clock = new Date('2026-08-10T09:55:00Z');
    const one = await desk.post(`/api/v2/orders/${id}/pickup`, {
      items: [{ stock_item: units[0], condition: 'like new', photos: [photo.json<{ id: number }>().id] }],
    });
    expect(one.statusCode, one.body).toBe(200);
    expect(one.json<{ order: OrderBody }>().order.status).toBe('reserved');
    const twice = await desk.post(`/api/v2/orders/${id}/pickup`, { items: [{ stock_item: units[0] }] });
    expect(twice.statusCode).toBe(409);
    const rest = await desk.post(`/api/v2/orders/${id}/pickup`, { items: [{ stock_item: units[1] }] });
    expect(rest.json<{ order: OrderBody }>().order.status).toBe('picked_up');

    // Back 3 h 10 min after the due return (grace 30 min): 4 started hours late, 300 each, per unit.
    clock = new Date('2026-08-11T13:10:00Z');
    const back = await desk.post(`/api/v2/orders/${id}/return`, {
      items: [
        {
          stock_item: units[0],
          condition: 'cracked viewfinder',
          damage: { amount: 1500, description: 'Viewfinder' },
          maintenance: true,
        },
        { stock_item: units[1], condition: 'fine' },
      ],
    });
    expect(back.statusCode, back.body).toBe(200);
    const returned = back.json<{
      order: OrderBody;
      handovers: { late_minutes: number; late_fee: number }[];
    }>();
    expect(returned.order.status).toBe('returned');
    expect(returned.handovers.map((h) => [h.late_minutes, h.late_fee])).toEqual([
      [190, 1200],
      [190, 1200],
    ]);
    expect(returned.order.balance_due).toBe(2400 + 1500);
    const item = await desk.get(`/api/v2/catalog/products/${productId}/items/${units[0]}`);
    expect(item.json()).toMatchObject({ status: 'maintenance', condition: 'cracked viewfinder' });

    // The late fee is paid at the desk; the deposit goes back minus the damage.
    expect(
      (await desk.post(`/api/v2/orders/${id}/payments`, { amount: 2400, method: 'cash' }, key())).statusCode,
    ).toBe(201);
    const release = await desk.post(`/api/v2/orders/${id}/deposit/release`, {}, key());
    expect(release.statusCode, release.body).toBe(201);
    expect(release.json<PaymentBody>()).toMatchObject({
      kind: 'deposit_release',
      amount: 10000,
      applied_amount: 1500,
    });

    const closed = await desk.post(`/api/v2/orders/${id}/close`);
    expect(closed.json<OrderBody>()).toMatchObject({ status: 'closed', balance_due: 0, deposit_held: 0 });

    const ledger = (await desk.get(`/api/v2/orders/${id}/ledger`)).json<LedgerBody>();
    expect(ledger.entries.map((e) => e.kind)).toEqual([
      'charge',
      'deposit_hold',
      'payment',
      'payment',
      'refund',
      'payment',
      'late_fee',
      'damage',
      'late_fee',
      'payment',
      'payment',
      'deposit_release',
    ]);
    expect(ledger.entries.reduce((sum, e) => sum + e.balance_delta, 0)).toBe(0);
    expect(ledger.entries.reduce((sum, e) => sum + e.deposit_delta, 0)).toBe(0);
    expect(ledger).toMatchObject({ balance_due: 0, deposit_held: 0 });
    expect(ledger.payments.filter((p) => p.kind === 'deposit_hold')).toHaveLength(1);

    // The booking of the returned units ends at the return plus the after-buffer.
    const bookings = await t.database.pool.query<{ ends_at: Date }>(
      'select ends_at from rental_bookings where order_id = $1',
      [id],
    );
    for (const row of bookings.rows) expect(row.ends_at.toISOString()).toBe('2026-08-11T14:10:00.000Z');

    // Every money movement is in the outbox.
    const events = (await readAfter(t.database.db, 0, 500, { subjectId: String(id) })).map((e) => e.type);
    expect(events.filter((type) => type === 'rental.payment_received')).toHaveLength(4);
    for (const type of [
      'rental.deposit_held',
      'rental.payment_refunded',
      'rental.items_checked_out',
      'rental.items_checked_in',
      'rental.deposit_released',
    ])
      expect(events).toContain(type);
  });

  it('refuses to change a ledger entry', async () => {
    await expect(t.database.pool.query('update rental_ledger_entries set amount = 0')).rejects.toThrow(
      /append-only/,
    );
    await expect(t.database.pool.query('delete from rental_ledger_entries')).rejects.toThrow(/append-only/);
  });
});
