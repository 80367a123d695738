import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemContext } from '../../src/platform/auth/actor.ts';
import { recordEvent } from '../../src/platform/events/index.ts';
import { eventCatalogue } from '../../src/modules/index.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { TEST_SECRET_KEY } from '../helpers/mfa.ts';
import { eventually, sampleOf, startReceiver, type WebhookReceiver } from '../helpers/webhook-receiver.ts';
import { startServer, type ServerProcess } from './helpers.ts';

/**
 * `opsdesk serve` (API and job worker in one process) killed with SIGKILL while a
 * webhook request is in flight, then started again: every event still arrives, in
 * order per subject; the one cut off is sent again once its lease lapses.
 */
describe('webhook delivery across a crash', () => {
  let t: TestApp;
  let hooks: WebhookReceiver;
  let server: ServerProcess | undefined;
  const ticketUpdated = eventCatalogue.get('ticket.updated')!;
  const env = {
    SECRET_KEY: TEST_SECRET_KEY,
    WEBHOOKS_ALLOW_PRIVATE_NETWORKS: 'true',
  };

  beforeAll(async () => {
    t = await createTestApp(env);
    // The third request never gets an answer: the process is killed while it waits.
    hooks = await startReceiver((_request, index) => (index === 2 ? { delayMs: Infinity } : {}));
  });
  afterAll(async () => {
    await server?.stop('SIGKILL');
    await hooks.close();
    await t.close();
  });

  const emit = (subject: string) =>
    t.database.db.transaction((tx) =>
      recordEvent(tx, systemContext('crash-test'), ticketUpdated, {
        subjectId: subject,
        payload: sampleOf(ticketUpdated.payload) as never,
      }),
    );

  const serve = () =>
    startServer({
      ...env,
      DATABASE_URL: t.config.databaseUrl as string,
      WEB_CONCURRENCY: '1',
      WORKER_IN_PROCESS: 'true',
      AUTO_MIGRATE: 'false',
      WEBHOOK_TIMEOUT_MS: '2000',
      WEBHOOK_RETRY_SCHEDULE: '200ms,400ms,800ms,1s,2s,5s',
    });

  it('delivers everything after the process is killed mid-delivery and restarted', async () => {
    const admin = await t.login(await t.user({ role: 'admin' }));
    const created = await admin.post('/api/v2/webhooks/endpoints', {
      url: hooks.url,
      event_types: ['ticket.updated'],
    });
    expect(created.statusCode).toBe(201);
    const { secret } = created.json<{ secret: string }>();

    server = await serve();
    for (let round = 0; round < 3; round++) for (const subject of ['crash-a', 'crash-b']) await emit(subject);
    await eventually('a request in flight', () => hooks.received.length >= 3 || undefined, 30_000);
    const killed = await server.stop('SIGKILL');
    expect(killed.signal).toBe('SIGKILL');
    server = undefined;
    // Written while nothing runs: picked up from the endpoint's cursor at the restart.
    await emit('crash-a');
    await emit('crash-b');

    server = await serve();
    const eventIds = await t.database.pool.query<{ id: string }>(
      `SELECT id FROM events WHERE type = 'ticket.updated' AND subject_id LIKE 'crash-%'`,
    );
    await eventually(
      'all 8 events delivered',
      () => new Set(hooks.delivered().map((item) => item.id)).size === 8 || undefined,
      60_000,
    );
    expect(new Set(hooks.delivered().map((item) => item.id))).toEqual(
      new Set(eventIds.rows.map((row) => `msg_evt_${row.id}`)),
    );
    const { Webhook } = await import('standardwebhooks');
    for (const item of hooks.received)
      expect(() => new Webhook(secret).verify(item.body, item.headers)).not.toThrow();
    for (const subject of ['crash-a', 'crash-b']) {
      const ids = hooks.received
        .map((item) => JSON.parse(item.body) as { data: { event_id: number; subject: { id: string } } })
        .filter((message) => message.data.subject.id === subject)
        .map((message) => message.data.event_id);
      expect(ids).toEqual([...ids].sort((a, b) => a - b));
    }
  }, 180_000);
});
