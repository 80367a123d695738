import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type Browser, type TestApp } from '../../../test/helpers/app.ts';
import { sampleOf, startReceiver, type WebhookReceiver } from '../../../test/helpers/webhook-receiver.ts';
import { systemContext } from '../../platform/auth/actor.ts';
import { recordEvent } from '../../platform/events/index.ts';
import { eventCatalogue } from '../index.ts';

/** The admin API, with the SSRF guard on (the default). */
describe('webhook endpoints API', () => {
  let t: TestApp;
  let admin: Browser;
  let hooks: WebhookReceiver;
  const PUBLIC = 'http://93.184.215.14/hooks';

  beforeAll(async () => {
    t = await createTestApp();
    admin = await t.login(await t.user({ role: 'admin' }));
    hooks = await startReceiver();
  });
  afterAll(async () => {
    await hooks.close();
    await t.close();
  });

  it.each([
    'http://127.0.0.1:8080/hooks',
    'http://10.1.2.3/hooks',
    'http://192.168.0.10/hooks',
    'http://169.254.169.254/latest/meta-data/',
    'http://[::1]/hooks',
    'http://[fd00:ec2::254]/latest',
    'http://localhost:8080/hooks',
  ])('refuses %s at creation', async (url) => {
    const response = await admin.post('/api/v2/webhooks/endpoints', { url });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({
      code: 'WEBHOOK_UNSAFE_URL',
      errors: [
        { field: 'url', message: expect.stringMatching(/is a loopback, private, link-local or metadata/) },
      ],
    });
  });

  it('creates, reads, updates with If-Match, lists and deletes an endpoint; the secret shows once', async () => {
    const created = await admin.post('/api/v2/webhooks/endpoints', {
      url: PUBLIC,
      description: 'CRM',
      event_types: ['ticket.created', 'ticket.status_changed'],
    });
    expect(created.statusCode).toBe(201);
    const body = created.json<{ id: number; secret: string; version: number }>();
    expect(body).toMatchObject({
      url: PUBLIC,
      enabled: true,
      event_types: ['ticket.created', 'ticket.status_changed'],
    });
    expect(body.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const read = await admin.get(`/api/v2/webhooks/endpoints/${body.id}`);
    expect(read.json()).not.toHaveProperty('secret');
    expect(read.headers.etag).toBe(`"${body.version}"`);
    expect((await admin.patch(`/api/v2/webhooks/endpoints/${body.id}`, { enabled: false })).statusCode).toBe(
      428,
    );
    const updated = await admin.patch(
      `/api/v2/webhooks/endpoints/${body.id}`,
      { enabled: false, description: 'CRM (paused)' },
      { 'if-match': read.headers.etag as string },
    );
    expect(updated.json()).toMatchObject({ enabled: false, description: 'CRM (paused)' });
    const unsafe = await admin.patch(
      `/api/v2/webhooks/endpoints/${body.id}`,
      { url: 'http://127.0.0.1/' },
      { 'if-match': '*' },
    );
    expect(unsafe.statusCode).toBe(400);
    const list = await admin.get('/api/v2/webhooks/endpoints');
    expect(list.json<{ data: { id: number }[] }>().data.map((item) => item.id)).toContain(body.id);
    const audit = await t.database.pool.query<{ after: unknown }>(
      `SELECT after FROM audit_log WHERE resource_type = 'webhook_endpoint' AND resource_id = $1`,
      [String(body.id)],
    );
    expect(JSON.stringify(audit.rows)).not.toContain('v1.');
    expect(
      (await admin.delete(`/api/v2/webhooks/endpoints/${body.id}`, { 'if-match': '*' })).statusCode,
    ).toBe(204);
    expect((await admin.get(`/api/v2/webhooks/endpoints/${body.id}`)).statusCode).toBe(404);
  });

  it('refuses unknown and personal event types, and anyone but an admin', async () => {
    const unknown = await admin.post('/api/v2/webhooks/endpoints', {
      url: PUBLIC,
      event_types: ['ticket.exploded'],
    });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.body).toContain('ticket.exploded');
    const personal = await admin.post('/api/v2/webhooks/endpoints', {
      url: PUBLIC,
      event_types: ['notification.created'],
    });
    expect(personal.statusCode).toBe(400);
    expect(personal.body).toContain('Personal events are never sent to webhooks: notification.created');
    const manager = await t.login(await t.user({ role: 'manager', department: 'Ops' }));
    expect((await manager.get('/api/v2/webhooks/endpoints')).statusCode).toBe(403);
    expect((await manager.post('/api/v2/webhooks/endpoints', { url: PUBLIC })).statusCode).toBe(403);
  });

  it('checks the address again at delivery: a URL that now points inside is not called', async () => {
    const { id } = (await admin.post('/api/v2/webhooks/endpoints', { url: PUBLIC })).json<{ id: number }>();
    // As if the name had been re-pointed at an internal address after the check at creation.
    await t.database.db.execute(sql`update webhook_endpoints set url = ${hooks.url} where id = ${id}`);
    const ticketCreated = eventCatalogue.get('ticket.created')!;
    await t.database.db.transaction((tx) =>
      recordEvent(tx, systemContext('test'), ticketCreated, {
        subjectId: 1,
        payload: sampleOf(ticketCreated.payload) as never,
      }),
    );
    const delivery = t.services.webhookDelivery;
    await delivery.dispatch();
    await delivery.deliverLane(id, 'ticket:1');
    expect(hooks.received).toHaveLength(0);
    const log = await admin.get(`/api/v2/webhooks/endpoints/${id}/deliveries`);
    expect(log.json<{ data: unknown[] }>().data[0]).toMatchObject({
      status: 'retrying',
      attempts: 1,
      last_error: expect.stringMatching(/127\.0\.0\.1 is a loopback/),
    });
  });

  it('documents every webhook route in the v2 OpenAPI with tags, a summary and responses', async () => {
    const document = (await admin.get('/api/v2/openapi.json')).json<{
      paths: Record<string, Record<string, { tags?: string[]; summary?: string; responses?: object }>>;
    }>();
    const operations = Object.entries(document.paths)
      // The admin API only: a payment provider's inbound webhook belongs to its own module.
      .filter(([path]) => path.startsWith('/api/v2/webhooks/'))
      .flatMap(([, methods]) => Object.values(methods));
    expect(operations.length).toBeGreaterThanOrEqual(10);
    for (const operation of operations) {
      expect(operation.tags).toEqual(['webhooks']);
      expect(operation.summary).toBeTruthy();
      expect(operation.responses).toBeTruthy();
    }
  });
});
