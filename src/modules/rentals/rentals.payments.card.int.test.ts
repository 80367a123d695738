import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, TestApp } from '../../../test/helpers/app.ts';
import { createTestApp } from '../../../test/helpers/app.ts';
import { systemContext } from '../../platform/auth/actor.ts';
import { signCardPayload } from '../../platform/payments/index.ts';

const SECRET = 'whsec_card_processor_test_secret';

interface Call {
  path: string;
  authorization: string | undefined;
  idempotencyKey: string | undefined;
  body: Record<string, unknown>;
}

/** A card processor over real HTTP: charges stay pending (the answer comes by webhook), refunds succeed at once. */
function startProcessor(): Promise<{ url: string; calls: Call[]; close: () => Promise<void> }> {
  const calls: Call[] = [];
  const server = http.createServer((request, response) => {
    let raw = '';
    request.on('data', (chunk: Buffer) => (raw += chunk.toString()));
    request.on('end', () => {
      const path = request.url ?? '';
      calls.push({
        path,
        authorization: request.headers.authorization,
        idempotencyKey: request.headers['idempotency-key'] as string | undefined,
        body: JSON.parse(raw) as Record<string, unknown>,
      });
      const answer = path.endsWith('/refunds')
        ? { id: `re_${calls.length}`, status: 'succeeded' }
        : { id: `ch_${calls.length}`, status: 'pending' };
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
    });
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        url: `http://127.0.0.1:${port}/v1`,
        calls,
        close: () =>
          new Promise((done) => {
            server.close(() => {
              done();
            });
          }),
      });
    });
  });
}

describe('card payments through a card processor and its signed webhooks', () => {
  let t: TestApp;
  let desk: Browser;
  let processor: Awaited<ReturnType<typeof startProcessor>>;
  let base: string;
  let orderId: number;

  beforeAll(async () => {
    processor = await startProcessor();
    t = await createTestApp({
      CARD_PROCESSOR_URL: processor.url,
      CARD_PROCESSOR_API_KEY: 'sk_test_opsdesk',
      CARD_WEBHOOK_SECRET: SECRET,
      CARD_WEBHOOK_TOLERANCE_SECONDS: '300',
    });
    base = await t.app.listen({ port: 0, host: '127.0.0.1' });
    desk = await t.login(await t.user({ role: 'agent' }));
    const customer = await t.services.customers.create(systemContext('card-test'), { lastName: 'Payer' });
    const manager = await t.login(await t.user({ role: 'manager' }));
    const product = await manager.post('/api/v2/catalog/products', {
      name: 'Projector',
      sku: 'PRJ-CARD',
      currency: 'EUR',
      daily_rate: 3000,
    });
    const productId = product.json<{ id: number }>().id;
    await manager.post(`/api/v2/catalog/products/${productId}/items`, { serial_number: 'PRJ-C-1' });
    const start = new Date(Date.now() + 10 * 86_400_000);
    const order = await desk.post('/api/v2/orders', {
      customer: customer.id,
      rental_start: start.toISOString(),
      rental_end: new Date(start.getTime() + 86_400_000).toISOString(),
      items: [{ product: productId, quantity: 1 }],
    });
    expect(order.statusCode, order.body).toBe(201);
    orderId = order.json<{ id: number }>().id;
  });
  afterAll(async () => {
    await t.close();
    await processor.close();
  });

  const webhook = (body: string, signature?: string) =>
    fetch(`${base}/api/v2/payments/webhooks/card`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(signature ? { 'card-signature': signature } : {}) },
      body,
    });
  const balance = async () =>
    (await desk.get(`/api/v2/orders/${orderId}`)).json<{ balance_due: number; paid_total: number }>();

  it('charges through the processor, settles on a signed webhook once, and refuses bad signatures', async () => {
    const paid = await desk.post(
      `/api/v2/orders/${orderId}/payments`,
      { amount: 3000, method: 'card', source: 'tok_visa' },
      { 'idempotency-key': 'card-1' },
    );
    expect(paid.statusCode, paid.body).toBe(202);
    const payment = paid.json<{ id: number; status: string; provider_ref: string }>();
    expect(payment.status).toBe('pending');
    expect(processor.calls).toHaveLength(1);
    expect(processor.calls[0]).toMatchObject({
      path: '/v1/charges',
      authorization: 'Bearer sk_test_opsdesk',
      idempotencyKey: `rental-payment-${payment.id}`,
      body: { amount: 3000, currency: 'EUR', capture: true, source: 'tok_visa' },
    });
    expect(await balance()).toMatchObject({ balance_due: 3000, paid_total: 0 });

    const event = JSON.stringify({
      id: 'evt_1',
      type: 'charge.succeeded',
      data: { id: payment.provider_ref, status: 'succeeded' },
    });
    const now = Math.floor(Date.now() / 1000);
    expect((await webhook(event)).status).toBe(401);
    expect((await webhook(event, signCardPayload('not-the-secret', event, now))).status).toBe(401);
    expect((await webhook(event, signCardPayload(SECRET, event, now - 3600))).status).toBe(401);
    const tampered = event.replace('succeeded', 'failed');
    expect((await webhook(tampered, signCardPayload(SECRET, event, now))).status).toBe(401);
    expect(await balance()).toMatchObject({ balance_due: 3000 });

    const accepted = await webhook(event, signCardPayload(SECRET, event, now));
    expect(accepted.status).toBe(200);
    expect(await accepted.json()).toEqual({ outcome: 'processed' });
    expect(await balance()).toMatchObject({ balance_due: 0, paid_total: 3000 });

    const replayed = await webhook(event, signCardPayload(SECRET, event, now + 1));
    expect(await replayed.json()).toEqual({ outcome: 'duplicate' });
    // The same outcome under a new event id (the processor resending) moves nothing either.
    const resent = JSON.stringify({ ...JSON.parse(event), id: 'evt_2' });
    expect((await webhook(resent, signCardPayload(SECRET, resent, now))).status).toBe(200);
    const ledger = (await desk.get(`/api/v2/orders/${orderId}/ledger`)).json<{
      balance_due: number;
      entries: { kind: string }[];
    }>();
    expect(ledger.entries.map((e) => e.kind)).toEqual(['charge', 'payment']);
    expect(ledger.balance_due).toBe(0);
    const seen = await t.database.pool.query('select event_id from rental_card_events order by id');
    expect(seen.rows.map((row: { event_id: string }) => row.event_id)).toEqual(['evt_1', 'evt_2']);

    // The same Idempotency-Key again: the first answer, and no second charge at the processor.
    const retry = await desk.post(
      `/api/v2/orders/${orderId}/payments`,
      { amount: 3000, method: 'card', source: 'tok_visa' },
      { 'idempotency-key': 'card-1' },
    );
    expect(retry.json<{ id: number }>().id).toBe(payment.id);
    expect(processor.calls).toHaveLength(1);

    // A card refund goes to the processor against the charge.
    const refund = await desk.post(
      `/api/v2/orders/${orderId}/refunds`,
      { payment: payment.id, amount: 1000, reason: 'goodwill' },
      { 'idempotency-key': 'refund-1' },
    );
    expect(refund.statusCode, refund.body).toBe(201);
    expect(processor.calls[1]).toMatchObject({
      path: `/v1/charges/${payment.provider_ref}/refunds`,
      body: { amount: 1000 },
    });
    expect(await balance()).toMatchObject({ balance_due: 1000 });
  });
});
