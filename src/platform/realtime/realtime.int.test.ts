import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, PASSWORD, type TestApp } from '../../../test/helpers/app.ts';
import { sessionLogin } from '../../../test/helpers/cli.ts';
import { openSse, openWs, type Received, type StreamClient } from '../../../test/helpers/realtime.ts';
import { ctxOf } from '../../../test/helpers/service-context.ts';
import { systemContext } from '../auth/actor.ts';
import { latestEventId } from '../events/index.ts';
import type { Person } from '../../modules/identity/index.ts';

/**
 * The streams over real HTTP and WebSocket connections to a listening app: who gets
 * which event, filters, resume, limits, and the end of a stream whose credential ended.
 */
describe('realtime streams', () => {
  let t: TestApp;
  let base: string;
  let wsBase: string;
  let viewerA: Person;
  let agentA: Person;
  let agentB: Person;
  let viewerToken: string;
  const open: StreamClient[] = [];

  const track = <T extends { client: StreamClient }>(opened: T): T => {
    open.push(opened.client);
    return opened;
  };
  const ticketOf = (message: Received) => (message.data.payload as { ticket: { id: number } }).ticket.id;
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
  const ticketIn = async (person: Person, title: string) =>
    (await t.services.tickets.create(ctxOf(person), 'incident', { title, priority: 'low' })).id;

  beforeAll(async () => {
    t = await createTestApp({
      CORS_ORIGINS: 'http://allowed.test',
      REALTIME_HEARTBEAT_SECONDS: '1',
      REALTIME_MAX_MESSAGE_BYTES: '2048',
    });
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    const address = t.app.server.address();
    if (typeof address !== 'object' || !address) throw new Error('not listening');
    base = `http://127.0.0.1:${address.port}`;
    wsBase = `ws://127.0.0.1:${address.port}`;
    viewerA = await t.user({ role: 'viewer', department: 'Dept A' });
    agentA = await t.user({ role: 'agent', department: 'Dept A' });
    agentB = await t.user({ role: 'agent', department: 'Dept B' });
    viewerToken = (await t.services.identity.createToken(ctxOf(viewerA), { name: 'stream' })).secret;
  });
  afterAll(async () => {
    for (const client of open) client.close();
    await t.close();
  });

  it.each(['sse', 'ws'] as const)(
    'a viewer of department A gets A ticket events and never a department B ticket event (%s)',
    async (transport) => {
      const { client } = track(
        transport === 'sse'
          ? await openSse(`${base}/api/v2/stream`, bearer(viewerToken))
          : await openWs(`${wsBase}/api/v2/stream/ws`, bearer(viewerToken)),
      );
      await client.next((m) => m.event === 'stream.ready');
      const inB = await ticketIn(agentB, 'B only');
      const inA = await ticketIn(agentA, 'A ticket');
      await t.services.tickets.update(ctxOf(agentB), inB, { title: 'B only, renamed' });
      const seen = await client.next((m) => m.event === 'ticket.created');
      expect(seen.data.payload).toMatchObject({ ticket: { id: inA, title: 'A ticket' } });
      // B's events were committed before and after A's: in order, so either would show by now.
      const inA2 = await ticketIn(agentA, 'A again');
      await client.next((m) => m.event === 'ticket.created' && ticketOf(m) === inA2);
      const tickets = client.events().map(ticketOf);
      expect(tickets).not.toContain(inB);
      expect(tickets).toEqual([inA, inA2]);
      client.close();
    },
  );

  it('a watcher sees the ticket of another department it watches, as the REST routes let it read', async () => {
    const { client } = track(
      await openSse(`${base}/api/v2/stream?types=ticket.updated`, bearer(viewerToken)),
    );
    await client.next((m) => m.event === 'stream.ready');
    const inB = await ticketIn(agentB, 'watched');
    await t.services.tickets.watch(systemContext('test'), inB, viewerA.user.id);
    await t.services.tickets.update(ctxOf(agentB), inB, { title: 'watched, renamed' });
    const seen = await client.next((m) => m.event === 'ticket.updated');
    expect(seen.data.payload).toMatchObject({ ticket: { id: inB } });
    client.close();
  });

  it('filters by type, with entity wildcards, and refuses an unknown type', async () => {
    const { client } = track(
      await openSse(`${base}/api/v2/stream?types=ticket.updated,sla.*`, bearer(viewerToken)),
    );
    await client.next((m) => m.event === 'stream.ready');
    const id = await ticketIn(agentA, 'filtered');
    await t.services.tickets.update(ctxOf(agentA), id, { title: 'filtered, renamed' });
    await client.next((m) => m.event === 'ticket.updated');
    expect(client.events().map((m) => m.event)).toEqual(['ticket.updated']);
    client.close();

    const refused = await openSse(`${base}/api/v2/stream?types=ticket.exploded`, bearer(viewerToken));
    expect(refused.status).toBe(400);
    expect(refused.body).toContain('ticket.exploded');
  });

  it('resumes after Last-Event-ID in order, and says reset when the id is no longer kept', async () => {
    const start = await latestEventId(t.database.db);
    const ids = [await ticketIn(agentA, 'r1'), await ticketIn(agentA, 'r2'), await ticketIn(agentA, 'r3')];
    const { client } = track(
      await openSse(`${base}/api/v2/stream?types=ticket.created`, {
        ...bearer(viewerToken),
        'last-event-id': String(start),
      }),
    );
    await client.next((m) => m.event === 'stream.ready');
    expect(client.events().map(ticketOf)).toEqual(ids);
    const eventIds = client.events().map((m) => Number(m.id));
    expect(eventIds).toEqual([...eventIds].sort((a, b) => a - b));
    client.close();

    const ws = track(
      await openWs(
        `${wsBase}/api/v2/stream/ws?types=ticket.created&last_event_id=${start}`,
        bearer(viewerToken),
      ),
    );
    await ws.client.next((m) => m.event === 'stream.ready');
    expect(ws.client.events()).toHaveLength(3);
    ws.client.close();

    // The outbox pruned up to the second ticket's event: resuming from before it cannot be complete.
    const firstKept = Number(eventIds[1]);
    await t.database.db.execute(sql`delete from events where id <= ${firstKept}`);
    const late = track(
      await openSse(`${base}/api/v2/stream`, { ...bearer(viewerToken), 'last-event-id': String(start) }),
    );
    const reset = await late.client.next((m) => m.event === 'stream.reset');
    expect(reset.data).toMatchObject({ reason: 'too_old' });
    await late.client.next((m) => m.event === 'stream.ready');
    expect(late.client.events()).toHaveLength(0);
    late.client.close();
  });

  it('sends heartbeats, and an event above the message limit without its payload', async () => {
    const { client } = track(
      await openSse(`${base}/api/v2/stream?types=ticket.comment_added`, bearer(viewerToken)),
    );
    await client.next((m) => m.event === ':');
    const id = await ticketIn(agentA, 'long comment');
    await t.services.tickets.addComment(ctxOf(agentA), id, { body: 'x'.repeat(3000), internal: false });
    const big = await client.next((m) => m.event === 'ticket.comment_added');
    expect(big.data).toMatchObject({
      truncated: true,
      payload: null,
      subject: { type: 'ticket', id: String(id) },
    });
    client.close();
  });

  it('closes a WebSocket whose client sends a message above the limit with 1009', async () => {
    const { client, socket } = track(await openWs(`${wsBase}/api/v2/stream/ws`, bearer(viewerToken)));
    await client.next((m) => m.event === 'stream.ready');
    socket.send('y'.repeat(4096));
    await client.ended();
    expect(client.closeCode).toBe(1009);
  });

  it('pushes a new notification to its recipient only', async () => {
    const admin = await t.user({ role: 'admin' });
    const adminToken = (await t.services.identity.createToken(ctxOf(admin), { name: 'stream' })).secret;
    const mine = track(
      await openWs(`${wsBase}/api/v2/stream/ws?types=notification.created`, bearer(viewerToken)),
    );
    const theirs = track(
      await openSse(`${base}/api/v2/stream?types=notification.created`, bearer(adminToken)),
    );
    await mine.client.next((m) => m.event === 'stream.ready');
    await theirs.client.next((m) => m.event === 'stream.ready');
    await t.database.db.transaction((tx) =>
      t.services.notifications.notify(tx, {
        userIds: [viewerA.user.id],
        kind: 'test.ping',
        title: 'For the viewer',
        body: 'only',
        email: false,
      }),
    );
    await t.database.db.transaction((tx) =>
      t.services.notifications.notify(tx, {
        userIds: [admin.user.id],
        kind: 'test.ping',
        title: 'For the admin',
        body: 'only',
        email: false,
      }),
    );
    const pushed = await mine.client.next((m) => m.event === 'notification.created');
    expect(pushed.data.payload).toMatchObject({ notification: { title: 'For the viewer', read: false } });
    await theirs.client.next((m) => m.event === 'notification.created');
    expect(
      theirs.client
        .events()
        .map((m) => (m.data.payload as { notification: { title: string } }).notification.title),
    ).toEqual(['For the admin']);
    expect(mine.client.events()).toHaveLength(1);
    mine.client.close();
    theirs.client.close();
  });

  it('refuses a session-cookie stream from a cross-site origin, and serves an allowed one', async () => {
    const { headers } = await sessionLogin(base, viewerA.user.username, PASSWORD);
    const evil = await openSse(`${base}/api/v2/stream`, {
      cookie: headers.cookie,
      origin: 'https://evil.example',
    });
    expect(evil.status).toBe(403);
    const evilWs = await openWs(`${wsBase}/api/v2/stream/ws`, {
      cookie: headers.cookie,
      origin: 'https://evil.example',
    });
    expect(evilWs.status).toBe(403);
    const allowed = track(
      await openSse(`${base}/api/v2/stream`, { cookie: headers.cookie, origin: 'http://allowed.test' }),
    );
    expect(allowed.status).toBe(200);
    await allowed.client.next((m) => m.event === 'stream.ready');
    allowed.client.close();
    const anonymous = await openSse(`${base}/api/v2/stream`);
    expect(anonymous.status).toBe(401);
  });

  it('closes the streams of a session that logged out and of a token that was revoked', async () => {
    const { headers } = await sessionLogin(base, agentA.user.username, PASSWORD);
    const session = track(await openSse(`${base}/api/v2/stream`, { cookie: headers.cookie }));
    await session.client.next((m) => m.event === 'stream.ready');
    const logout = await fetch(`${base}/api/auth/logout/`, { method: 'POST', headers });
    expect(logout.status).toBeLessThan(300);
    const closing = await session.client.next((m) => m.event === 'stream.closing');
    expect(closing.data).toMatchObject({ reason: 'credentials_revoked' });
    await session.client.ended();

    const { token, secret } = await t.services.identity.createToken(ctxOf(agentA), { name: 'short-lived' });
    const ws = track(await openWs(`${wsBase}/api/v2/stream/ws`, bearer(secret)));
    await ws.client.next((m) => m.event === 'stream.ready');
    await t.services.identity.revokeToken(ctxOf(agentA), token.id);
    await ws.client.ended();
    expect(ws.client.closeCode).toBe(1008);
    expect(ws.client.received.at(-1)?.data).toMatchObject({
      type: 'stream.closing',
      reason: 'credentials_revoked',
    });
  });

  it('closes the stream of a user who was deactivated', async () => {
    const leaving = await t.user({ role: 'agent', department: 'Dept A' });
    const secret = (await t.services.identity.createToken(ctxOf(leaving), { name: 'x' })).secret;
    const { client } = track(await openSse(`${base}/api/v2/stream`, bearer(secret)));
    await client.next((m) => m.event === 'stream.ready');
    await t.services.identity.updatePerson(
      systemContext('test'),
      { userId: leaving.user.id },
      { isActive: false },
    );
    const closing = await client.next((m) => m.event === 'stream.closing');
    expect(closing.data).toMatchObject({ reason: 'credentials_revoked' });
  });

  it('counts open streams and messages in the metrics', async () => {
    const { client } = track(await openSse(`${base}/api/v2/stream`, bearer(viewerToken)));
    await client.next((m) => m.event === 'stream.ready');
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toMatch(/opsdesk_realtime_connections\{transport="sse"\} [1-9]/);
    expect(metrics).toMatch(/opsdesk_realtime_messages_sent_total\{transport="sse"\} [1-9]/);
    client.close();
  });
});
