import { sql } from 'drizzle-orm';
import { pino } from 'pino';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type Browser, type TestApp } from '../../../test/helpers/app.ts';
import {
  eventually,
  sampleOf,
  startReceiver,
  type WebhookReceiver,
} from '../../../test/helpers/webhook-receiver.ts';
import { systemContext } from '../../platform/auth/actor.ts';
import { recordEvent, type EventDefinition } from '../../platform/events/index.ts';
import { startWorker, type JobWorker } from '../../platform/jobs/worker.ts';
import type { Person } from '../identity/index.ts';
import { allJobs, eventCatalogue } from '../index.ts';
import { startDispatchTrigger } from './index.ts';

/**
 * Deliveries end to end: events written to the outbox reach a real HTTP receiver through
 * a real job worker, signed (checked with the official `standardwebhooks` package),
 * retried on a short schedule, in order per subject, dead-lettered, replayed.
 */
describe('webhook delivery', () => {
  let t: TestApp;
  let admin: Person;
  let browser: Browser;
  let worker: JobWorker;
  let trigger: { close(): Promise<void> };
  const receivers: WebhookReceiver[] = [];
  const ctx = systemContext('webhooks-test');
  const ticketUpdated = eventCatalogue.get('ticket.updated')!;

  beforeAll(async () => {
    t = await createTestApp({
      WEBHOOKS_ALLOW_PRIVATE_NETWORKS: 'true',
      WEBHOOK_RETRY_SCHEDULE: '100ms,200ms,300ms',
      WEBHOOK_TIMEOUT_MS: '1000',
    });
    admin = await t.user({ role: 'admin' });
    browser = await t.login(admin);
    const log = pino({ level: 'silent' });
    worker = await startWorker({
      pool: t.database.pool,
      jobs: allJobs(t.services, t.database.db),
      concurrency: 4,
      log,
    });
    trigger = startDispatchTrigger({ pool: t.database.pool, db: t.database.db });
  });
  afterAll(async () => {
    await trigger.close();
    await worker.stop(2000);
    for (const receiver of receivers) await receiver.close();
    await t.close();
  });

  async function receiver(answer?: WebhookReceiver['answer']) {
    const started = await startReceiver(answer);
    receivers.push(started);
    return started;
  }

  /** An endpoint for `url` (all types unless given); answers its id and secret. */
  async function subscribe(url: string, eventTypes?: string[]): Promise<{ id: number; secret: string }> {
    const response = await browser.post('/api/v2/webhooks/endpoints', { url, event_types: eventTypes });
    expect(response.statusCode, response.body).toBe(201);
    return response.json();
  }

  const emit = (definition: EventDefinition, subjectId: string | number) =>
    t.database.db.transaction((tx) =>
      recordEvent(tx, ctx, definition, { subjectId, payload: sampleOf(definition.payload) as never }),
    );

  const deliveriesOf = async (endpointId: number, query = '') =>
    (await browser.get(`/api/v2/webhooks/endpoints/${endpointId}/deliveries?limit=100${query}`)).json<{
      data: {
        id: number;
        status: string;
        event_type: string;
        attempts: number;
        last_error: string | null;
      }[];
    }>().data;

  it('delivers every event type of the catalogue but personal ones, signed with the endpoint secret', async () => {
    const deliverable = eventCatalogue.definitions.filter((definition) => !definition.personal);
    expect(deliverable.length).toBeLessThan(eventCatalogue.definitions.length);
    const hooks = await receiver();
    const { secret } = await subscribe(hooks.url);
    expect(secret).toMatch(/^whsec_/);
    for (const definition of eventCatalogue.definitions)
      await emit(definition, `catalogue-${definition.type}`);
    await eventually('every type delivered', () => hooks.delivered().length >= deliverable.length);
    const verifier = new Webhook(secret);
    const types = hooks.received.map((item) => {
      const message = verifier.verify(item.body, item.headers) as {
        type: string;
        data: { event_id: number };
      };
      expect(item.headers['webhook-id']).toBe(`msg_evt_${message.data.event_id}`);
      return message.type;
    });
    // Every event was emitted before the last delivery: a personal one would have been queued among them.
    expect(types.sort()).toEqual(deliverable.map((definition) => definition.type).sort());
    expect(() =>
      new Webhook(`whsec_${Buffer.from('wrong-secret-wrong-secret!').toString('base64')}`).verify(
        hooks.received[0]!.body,
        hooks.received[0]!.headers,
      ),
    ).toThrow();
  });

  it('retries a receiver that fails three times, and delivers every event in order per subject', async () => {
    const hooks = await receiver((_request, index) => (index < 3 ? { status: 500 } : {}));
    await subscribe(hooks.url, ['ticket.updated']);
    const subjects = ['order-a', 'order-b', 'order-c'];
    for (let round = 0; round < 5; round++)
      for (const subject of subjects) await emit(ticketUpdated, subject);
    await eventually(
      '15 events delivered',
      () => new Set(hooks.delivered().map((item) => item.id)).size === 15,
    );
    expect(hooks.received.filter((item) => item.status === 500)).toHaveLength(3);
    for (const subject of subjects) {
      // Every request about one subject, failed or not, in arrival order: never a later event before an earlier one succeeded.
      const ids = hooks.received
        .map((item) => JSON.parse(item.body) as { data: { event_id: number; subject: { id: string } } })
        .filter((message) => message.data.subject.id === subject)
        .map((message) => message.data.event_id);
      expect(ids).toEqual([...ids].sort((a, b) => a - b));
      expect(new Set(ids).size).toBe(5);
    }
  });

  it('does not follow a redirect, and counts it as a failure', async () => {
    const elsewhere = await receiver();
    const hooks = await receiver(() => ({ status: 302, headers: { location: elsewhere.url } }));
    const { id } = await subscribe(hooks.url, ['ticket.updated']);
    await emit(ticketUpdated, 'redirected');
    const [delivery] = await eventually('dead-lettered', async () => {
      const rows = await deliveriesOf(id);
      return rows[0]?.status === 'dead' ? rows : undefined;
    });
    expect(delivery).toMatchObject({
      attempts: 4,
      last_error: expect.stringMatching(/Redirect .* not followed/),
    });
    expect(hooks.received).toHaveLength(4);
    expect(elsewhere.received).toHaveLength(0);
  });

  it('gives up an attempt after the timeout', async () => {
    const hooks = await receiver((_request, index) => (index === 0 ? { delayMs: 3000 } : {}));
    const { id } = await subscribe(hooks.url, ['ticket.updated']);
    await emit(ticketUpdated, 'slow');
    await eventually('delivered on the second attempt', () => hooks.delivered().length === 1 || undefined);
    // The receiver has the body before the sender records the answer: wait for the log.
    const delivery = await eventually('success recorded', async () =>
      (await deliveriesOf(id)).find((row) => row.status === 'succeeded'),
    );
    const detail = (await browser.get(`/api/v2/webhooks/endpoints/${id}/deliveries/${delivery.id}`)).json<{
      status: string;
      attempt_log: {
        succeeded: boolean;
        error: string | null;
        duration_ms: number;
        status_code: number | null;
      }[];
    }>();
    expect(detail.status).toBe('succeeded');
    expect(detail.attempt_log).toHaveLength(2);
    expect(detail.attempt_log[1]).toMatchObject({
      succeeded: false,
      status_code: null,
      error: 'Timed out after 1000 ms.',
    });
    expect(detail.attempt_log[1]!.duration_ms).toBeGreaterThanOrEqual(950);
    expect(detail.attempt_log[1]!.duration_ms).toBeLessThan(2500);
  });

  it('dead-letters after the schedule, logs each attempt, and replays one or many', async () => {
    let healthy = false;
    const hooks = await receiver(() => (healthy ? {} : { status: 503, body: 'maintenance window' }));
    const { id } = await subscribe(hooks.url, ['ticket.updated']);
    await emit(ticketUpdated, 'dead-1');
    await emit(ticketUpdated, 'dead-2');
    const dead = await eventually('both dead', async () => {
      const rows = await deliveriesOf(id, '&status=dead');
      return rows.length === 2 ? rows : undefined;
    });
    const detail = (await browser.get(`/api/v2/webhooks/endpoints/${id}/deliveries/${dead[0]!.id}`)).json<{
      attempt_log: { status_code: number; response_excerpt: string }[];
    }>();
    expect(detail.attempt_log).toHaveLength(4);
    expect(detail.attempt_log[0]).toMatchObject({ status_code: 503, response_excerpt: 'maintenance window' });

    healthy = true;
    const one = await browser.post(`/api/v2/webhooks/endpoints/${id}/deliveries/${dead[0]!.id}/replay`);
    expect(one.json()).toEqual({ replayed: 1 });
    await eventually('replayed one delivered', () => hooks.delivered().length === 1 || undefined);
    const many = await browser.post(`/api/v2/webhooks/endpoints/${id}/replay`, {
      from: new Date(Date.now() - 60_000).toISOString(),
      to: new Date().toISOString(),
    });
    expect(many.json()).toEqual({ replayed: 1 });
    // The receiver has answered before the sender records it: wait for the log.
    await eventually('both recorded as delivered', async () =>
      (await deliveriesOf(id, '&status=succeeded')).length === 2 ? true : undefined,
    );
    expect(hooks.delivered()).toHaveLength(2);
  });

  it('signs with both secrets during a rotation', async () => {
    const hooks = await receiver();
    const { id, secret: old } = await subscribe(hooks.url, ['ticket.updated']);
    const rotated = await browser.post(`/api/v2/webhooks/endpoints/${id}/rotate-secret`);
    const { secret: fresh } = rotated.json<{ secret: string }>();
    expect(fresh).not.toBe(old);
    await emit(ticketUpdated, 'rotated');
    await eventually('delivered', () => hooks.delivered().length === 1 || undefined);
    const [item] = hooks.received;
    expect(item!.headers['webhook-signature']!.split(' ')).toHaveLength(2);
    expect(new Webhook(fresh).verify(item!.body, item!.headers)).toMatchObject({ type: 'ticket.updated' });
    expect(new Webhook(old).verify(item!.body, item!.headers)).toMatchObject({ type: 'ticket.updated' });
  });

  it('pings an endpoint on demand', async () => {
    const hooks = await receiver();
    const { id, secret } = await subscribe(hooks.url, ['ticket.updated']);
    const ping = await browser.post(`/api/v2/webhooks/endpoints/${id}/ping`);
    expect(ping.json()).toMatchObject({ succeeded: true, status_code: 200 });
    expect(new Webhook(secret).verify(hooks.received[0]!.body, hooks.received[0]!.headers)).toMatchObject({
      type: 'webhook.ping',
    });
  });

  it('disables an endpoint failing for WEBHOOK_DISABLE_AFTER_DAYS and tells the admins', async () => {
    const hooks = await receiver(() => ({ status: 500 }));
    const { id } = await subscribe(hooks.url, ['ticket.updated']);
    await emit(ticketUpdated, 'failing-1');
    await eventually('failing', async () => {
      const body = (await browser.get(`/api/v2/webhooks/endpoints/${id}`)).json<{
        failing_since: string | null;
      }>();
      return body.failing_since ?? undefined;
    });
    // Failing since six days (default limit five): the next failure disables it.
    await t.database.db.execute(
      sql`update webhook_endpoints set failing_since = now() - interval '6 days' where id = ${id}`,
    );
    await emit(ticketUpdated, 'failing-2');
    const endpoint = await eventually('disabled', async () => {
      const body = (await browser.get(`/api/v2/webhooks/endpoints/${id}`)).json<{
        enabled: boolean;
        disabled_reason: string | null;
      }>();
      return body.enabled ? undefined : body;
    });
    expect(endpoint.disabled_reason).toMatch(/failed since/);
    const { rows } = await t.database.pool.query<{ title: string }>(
      `SELECT title FROM notifications WHERE user_id = $1 AND kind = 'webhook.disabled'`,
      [admin.user.id],
    );
    expect(rows[0]?.title).toContain(hooks.url);
    const countBefore = hooks.received.length;
    await emit(ticketUpdated, 'failing-3');
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(hooks.received.length).toBe(countBefore);
  });
});
