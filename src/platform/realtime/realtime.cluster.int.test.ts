import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/helpers/app.ts';
import { spawnOpsdesk } from '../../../test/helpers/cli.ts';
import { openSse, openWs, type Received } from '../../../test/helpers/realtime.ts';
import { ctxOf } from '../../../test/helpers/service-context.ts';
import type { Person } from '../../modules/identity/index.ts';

/** Redis runs where REDIS_URL says (as the other Redis tests); without it only PostgreSQL is tried. */
const REDIS_URL = process.env.REDIS_URL;

async function listening(t: TestApp): Promise<string> {
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  const address = t.app.server.address();
  if (typeof address !== 'object' || !address) throw new Error('not listening');
  return `127.0.0.1:${address.port}`;
}

const ticketOf = (message: Received) => (message.data.payload as { ticket: { id: number } }).ticket.id;

/**
 * An event committed through one API process arrives on a stream held by another:
 * over PostgreSQL NOTIFY by default, over Redis pub/sub when REDIS_URL is set, and
 * between real `opsdesk serve` processes.
 */
describe.each([
  ['PostgreSQL NOTIFY', {}],
  ...(REDIS_URL ? [['Redis pub/sub', { REDIS_URL }] as const] : []),
] as [string, Record<string, string>][])('realtime across processes (%s)', (_name, env) => {
  let a: TestApp;
  let b: TestApp;
  let onB: string;
  let agent: Person;
  let token: string;

  beforeAll(async () => {
    a = await createTestApp(env);
    b = await createTestApp(env, { databaseUrl: a.config.databaseUrl as string });
    onB = await listening(b);
    agent = await a.user({ role: 'agent', department: 'Ops' });
    token = (await a.services.identity.createToken(ctxOf(agent), { name: 'stream' })).secret;
  });
  afterAll(async () => {
    await b.close();
    await a.close();
  });

  it('a ticket created on one process reaches SSE and WebSocket streams held by the other', async () => {
    const headers = { authorization: `Bearer ${token}` };
    const sse = await openSse(`http://${onB}/api/v2/stream?types=ticket.created`, headers);
    const ws = await openWs(`ws://${onB}/api/v2/stream/ws?types=ticket.created`, headers);
    try {
      await sse.client.next((m) => m.event === 'stream.ready');
      await ws.client.next((m) => m.event === 'stream.ready');
      const ids: number[] = [];
      for (let i = 0; i < 3; i++)
        ids.push((await a.services.tickets.create(ctxOf(agent), 'incident', { title: `on A ${i}` })).id);
      for (const client of [sse.client, ws.client]) {
        await client.next((m) => m.event === 'ticket.created' && ticketOf(m) === ids[2]);
        expect(client.events().map(ticketOf)).toEqual(ids);
      }
    } finally {
      sse.client.close();
      ws.client.close();
    }
  });
});

describe('realtime between spawned server processes', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('an event written through one `opsdesk serve` arrives on a stream of another', async () => {
    const start = () =>
      spawnOpsdesk(['serve'], {
        DATABASE_URL: t.config.databaseUrl as string,
        PORT: '0',
        HOST: '127.0.0.1',
        LOG_LEVEL: 'warn',
        WORKER_IN_PROCESS: 'false',
        WEB_CONCURRENCY: '1',
      });
    const servers = [start(), start()];
    try {
      const urls: string[] = [];
      for (const server of servers) {
        let url: string | undefined;
        for (let waited = 0; !url && waited < 90_000; waited += 100) {
          url = /serving at (http:\/\/\S+)/.exec(server.output())?.[1];
          if (!url) await new Promise((resolve) => setTimeout(resolve, 100));
        }
        if (!url) throw new Error(`server did not start: ${server.output()}`);
        urls.push(url);
      }
      const [writer, reader] = urls as [string, string];
      const agent = await t.user({ role: 'agent', department: 'Ops' });
      const token = (await t.services.identity.createToken(ctxOf(agent), { name: 'stream' })).secret;
      const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
      const stream = await openSse(`${reader}/api/v2/stream?types=ticket.created`, headers);
      try {
        await stream.client.next((m) => m.event === 'stream.ready');
        const created = await fetch(`${writer}/api/v2/tickets`, {
          method: 'POST',
          headers,
          body: JSON.stringify({ kind: 'incident', title: 'through the other process' }),
        });
        expect(created.status, await created.clone().text()).toBe(201);
        const { id } = (await created.json()) as { id: number };
        const arrived = await stream.client.next((m) => m.event === 'ticket.created');
        expect(ticketOf(arrived)).toBe(id);
      } finally {
        stream.client.close();
      }
    } finally {
      for (const server of servers) server.kill('SIGTERM');
      await Promise.all(servers.map((server) => new Promise((resolve) => server.once('exit', resolve))));
    }
  }, 180_000);
});
