import { pino } from 'pino';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type Browser, type TestApp } from '../../../test/helpers/app.ts';
import { eventually, startReceiver, type WebhookReceiver } from '../../../test/helpers/webhook-receiver.ts';
import { systemContext } from '../../platform/auth/actor.ts';
import { startWorker, type JobWorker } from '../../platform/jobs/worker.ts';
import { allJobs } from '../index.ts';
import { startRevalidationTrigger } from './index.ts';

interface DeliveryV2 {
  id: number;
  status: string;
  attempts: number;
  tags: string[];
  last_status_code: number | null;
}

/**
 * Next.js revalidation end to end: changes made through the services reach a real HTTP
 * receiver (standing in for `app/api/revalidate/route.ts`) through a real job worker,
 * as the cache tags of their events, with the target's secret, signed, retried.
 */
describe('revalidation targets', () => {
  let t: TestApp;
  let browser: Browser;
  let worker: JobWorker;
  let trigger: { close(): Promise<void> };
  const receivers: WebhookReceiver[] = [];
  const ctx = systemContext('revalidation-test');

  beforeAll(async () => {
    t = await createTestApp({
      WEBHOOKS_ALLOW_PRIVATE_NETWORKS: 'true',
      WEBHOOK_RETRY_SCHEDULE: '100ms,200ms',
      WEBHOOK_TIMEOUT_MS: '1000',
    });
    browser = await t.login(await t.user({ role: 'admin' }));
    worker = await startWorker({
      pool: t.database.pool,
      jobs: allJobs(t.services, t.database.db),
      concurrency: 4,
      log: pino({ level: 'silent' }),
    });
    trigger = startRevalidationTrigger({ pool: t.database.pool, db: t.database.db });
  });

  afterAll(async () => {
    await trigger.close();
    await worker.stop(2000);
    for (const receiver of receivers) await receiver.close();
    await t.close();
  });

  async function target(answer?: WebhookReceiver['answer'], secret?: string) {
    const receiver = await startReceiver(answer);
    receivers.push(receiver);
    const response = await browser.post('/api/v2/revalidation-targets', { url: receiver.url, secret });
    expect(response.statusCode, response.body).toBe(201);
    return { receiver, ...response.json<{ id: number; secret: string }>() };
  }

  const deliveriesOf = async (id: number) =>
    (await browser.get(`/api/v2/revalidation-targets/${id}/deliveries?limit=100`)).json<{
      data: DeliveryV2[];
    }>().data;

  const tagsReceived = (receiver: WebhookReceiver) =>
    receiver.received
      .filter((item) => item.status === 200)
      .flatMap((item) => JSON.parse(item.body) as { tags: string[] })
      .flatMap((body) => body.tags);

  it('POSTs the tags of each change with the secret, signed, and logs the delivery', async () => {
    const { receiver, id, secret } = await target();
    expect(secret).toMatch(/^whsec_/);
    const ticket = await t.services.tickets.create(ctx, 'incident', { title: 'Printer on fire' });
    await eventually('the ticket tags', () => tagsReceived(receiver).includes(`ticket:${ticket.id}`));
    const [request] = receiver.received;
    expect(request?.headers.authorization).toBe(`Bearer ${secret}`);
    const body = new Webhook(secret).verify(request!.body, request!.headers) as { tags: string[] };
    expect(body.tags).toEqual(expect.arrayContaining([`ticket:${ticket.id}`, 'tickets', 'tickets:incident']));
    // One POST for the transaction's events (the ticket's creation and what its hooks did).
    expect(receiver.received).toHaveLength(1);
    // The receiver answers before the job records that answer.
    const delivery = await eventually('the delivery logged', async () =>
      (await deliveriesOf(id)).find((row) => row.status === 'succeeded'),
    );
    expect(delivery).toMatchObject({ status: 'succeeded', attempts: 1, last_status_code: 200 });
    // Reference data sends its own tags.
    const facility = await t.services.sites.createFacility(ctx, { name: 'Dock 4' });
    await eventually('the facility tags', () => tagsReceived(receiver).includes(`facility:${facility.id}`));
    expect(tagsReceived(receiver)).toContain('facilities');
  });

  it('retries a failing target with backoff until it answers, and a secret of its own is the one sent', async () => {
    const { receiver, id } = await target(
      (_request, index) => ({ status: index < 2 ? 503 : 200 }),
      'frontend-revalidate-secret-0123',
    );
    const ticket = await t.services.tickets.create(ctx, 'service', { title: 'New badge' });
    await eventually('a delivery after two failures', () =>
      tagsReceived(receiver).includes(`ticket:${ticket.id}`),
    );
    expect(receiver.received.map((item) => item.status)).toEqual([503, 503, 200]);
    expect(
      receiver.received.every(
        (item) => item.headers.authorization === 'Bearer frontend-revalidate-secret-0123',
      ),
    ).toBe(true);
    const deliveries = await eventually('the log to show success', async () => {
      const rows = await deliveriesOf(id);
      return rows[0]?.status === 'succeeded' ? rows : undefined;
    });
    expect(deliveries[0]).toMatchObject({ attempts: 3, last_status_code: 200 });
  });

  it('gives up after the schedule (dead), and a retry sends it again', async () => {
    let up = false;
    const { receiver, id } = await target(() => ({ status: up ? 200 : 500 }));
    const ticket = await t.services.tickets.create(ctx, 'incident', { title: 'Lift stuck' });
    const [dead] = await eventually('the delivery to die', async () => {
      const rows = await deliveriesOf(id);
      return rows[0]?.status === 'dead' ? rows : undefined;
    });
    expect(dead?.attempts).toBe(3);
    up = true;
    const retried = await browser.post(`/api/v2/revalidation-targets/${id}/deliveries/${dead!.id}/retry`);
    expect(retried.statusCode, retried.body).toBe(202);
    await eventually('the retried delivery', () => tagsReceived(receiver).includes(`ticket:${ticket.id}`));
  });

  it('refuses what is not an http(s) URL, and only admins manage targets', async () => {
    const refused = await browser.post('/api/v2/revalidation-targets', {
      url: 'ftp://example.com/revalidate',
    });
    expect(refused.statusCode).toBe(400);
    const agent = await t.login(await t.user({ role: 'manager' }));
    expect((await agent.get('/api/v2/revalidation-targets')).statusCode).toBe(403);
  });
});
