import v8 from 'node:v8';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type Browser, type TestApp } from '../../../test/helpers/app.ts';
import { freePort } from '../../../test/helpers/passkeys.ts';
import { eventually } from '../../../test/helpers/webhook-receiver.ts';
import { systemContext } from '../../platform/auth/actor.ts';
import { connectRedis } from '../../platform/cache/redis.ts';

const hasRedisServer = spawnSync('redis-server', ['--version']).status === 0;

/** A Redis of this test's own: the machine's shared one must never be stopped. */
async function startRedis(port: number): Promise<ChildProcess> {
  const child = spawn('redis-server', ['--port', String(port), '--save', '', '--appendonly', 'no'], {
    stdio: 'ignore',
  });
  await eventually('redis-server to listen', async () => {
    const socket = net.connect(port, '127.0.0.1');
    return new Promise<true | undefined>((resolve) => {
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => {
        resolve(undefined);
      });
    });
  });
  return child;
}

/** The value of one sample of the /metrics text (0 when absent). */
async function metric(t: TestApp, name: string, labels: string): Promise<number> {
  const text = (await t.app.inject({ method: 'GET', url: '/metrics' })).body;
  const line = text.split('\n').find((row) => row.startsWith(`${name}{${labels}}`));
  return line ? Number(line.split(' ').at(-1)) : 0;
}

/**
 * Cached reads never stale: two API processes on one database and one Redis; one
 * writes, the other reads at once, again and again; permissions apply per request to
 * a value cached for everyone; with Redis gone, reads go on from the database.
 */
describe.runIf(hasRedisServer)('read caches', () => {
  let redis: ChildProcess;
  let a: TestApp;
  let b: TestApp;
  let adminB: Browser;
  let agentB: Browser;
  let viewerB: Browser;
  let departmentId: number;
  let redisUrl: string;
  const ctx = systemContext('cache-test');

  beforeAll(async () => {
    const port = await freePort();
    redis = await startRedis(port);
    redisUrl = `redis://127.0.0.1:${port}`;
    const env = { REDIS_URL: redisUrl };
    a = await createTestApp(env);
    b = await createTestApp(env, { databaseUrl: a.config.databaseUrl as string });
    const admin = await a.user({ role: 'admin' });
    const agent = await a.user({ role: 'agent', department: 'Ops' });
    const viewer = await a.user({ role: 'viewer', department: 'Sales' });
    departmentId = agent.user.departmentId as number;
    [adminB, agentB, viewerB] = await Promise.all([b.login(admin), b.login(agent), b.login(viewer)]);
  });

  afterAll(async () => {
    await b.close();
    await a.close();
    redis.kill('SIGKILL');
  });

  const newTicket = (title: string) => a.services.tickets.create(ctx, 'incident', { title, departmentId });

  it('never serves a value older than the last write, read from the other process', async () => {
    const ticket = await newTicket('loop 0');
    const hitsBefore = await metric(b, 'opsdesk_cache_hits_total', 'cache="ticket_detail",layer="local"');
    for (let i = 1; i <= 40; i += 1) {
      await a.services.tickets.update(ctx, ticket.id, { title: `loop ${i}` });
      // Twice each: the first read may compute, the second is served from the cache.
      for (let read = 0; read < 2; read += 1) {
        const v2 = await agentB.get(`/api/v2/tickets/${ticket.id}`);
        expect(v2.json<{ title: string }>().title).toBe(`loop ${i}`);
        const v1 = await agentB.get(`/api/incident-tickets/${ticket.id}/`);
        expect(v1.json<{ title: string }>().title).toBe(`loop ${i}`);
        const page = await agentB.get('/api/v2/tickets?limit=5&sort=-id');
        expect(page.json<{ data: { id: number; title: string }[] }>().data[0]).toMatchObject({
          id: ticket.id,
          title: `loop ${i}`,
        });
      }
    }
    const hits =
      (await metric(b, 'opsdesk_cache_hits_total', 'cache="ticket_detail",layer="local"')) - hitsBefore;
    expect(hits).toBeGreaterThanOrEqual(40);
    expect(await metric(b, 'opsdesk_cache_hit_ratio', 'cache="ticket_detail"')).toBeGreaterThan(0);
  });

  it('serves a repeated search from the cache and never a result a write has changed', async () => {
    const searchHits = () => metric(b, 'opsdesk_cache_hits_total', 'cache="ticket_searches",layer="local"');
    const titles = async (word: string) => {
      const v1 = (await agentB.get(`/api/incident-tickets/?search=${word}&page_size=50`)).json<{
        count: number;
        results: { title: string }[];
      }>();
      const v2 = (await agentB.get(`/api/v2/tickets?search=${word}&limit=50`)).json<{
        data: { title: string }[];
      }>();
      expect(v2.data.map((row) => row.title)).toEqual(v1.results.map((row) => row.title));
      expect(v1.count).toBe(v1.results.length);
      return v1.results.map((row) => row.title).sort();
    };
    const ticket = await newTicket('alpha quayside');
    const before = await searchHits();
    expect(await titles('quayside')).toEqual(['alpha quayside']);
    expect(await titles('quayside')).toEqual(['alpha quayside']);
    expect(await searchHits()).toBeGreaterThanOrEqual(before + 2);

    await a.services.tickets.update(ctx, ticket.id, { title: 'alpha lighthouse' });
    expect(await titles('quayside')).toEqual([]);
    expect(await titles('lighthouse')).toEqual(['alpha lighthouse']);
    await newTicket('beta quayside');
    expect(await titles('quayside')).toEqual(['beta quayside']);
    await a.services.tickets.remove(ctx, ticket.id);
    expect(await titles('lighthouse')).toEqual([]);
  });

  it('sees changes to what a ticket embeds (a renamed facility, a watcher) at once', async () => {
    const facility = await a.services.sites.createFacility(ctx, { name: 'Hall A' });
    const ticket = await a.services.tickets.create(ctx, 'incident', {
      title: 'embedded',
      departmentId,
      facilityId: facility.id,
    });
    const facilityName = async () =>
      (await agentB.get(`/api/v2/tickets/${ticket.id}?expand=facility`)).json<{
        facility: { name: string };
      }>().facility.name;
    expect(await facilityName()).toBe('Hall A');
    await a.services.sites.updateFacility(ctx, facility.id, { name: 'Hall B' });
    expect(await facilityName()).toBe('Hall B');

    // A viewer of another department reads a ticket only while watching it.
    expect((await viewerB.get(`/api/v2/tickets/${ticket.id}`)).statusCode).toBe(404);
    const viewerId = (await viewerB.get('/api/v2/me')).json<{ id: number }>().id;
    await a.services.tickets.watch(ctx, ticket.id, viewerId);
    expect((await viewerB.get(`/api/v2/tickets/${ticket.id}`)).statusCode).toBe(200);
    await a.services.tickets.unwatch(ctx, ticket.id, viewerId);
    expect((await viewerB.get(`/api/v2/tickets/${ticket.id}`)).statusCode).toBe(404);
  });

  it("never gives a viewer another department's cached ticket", async () => {
    const ticket = await newTicket('Ops only');
    // Cached by readers who may see it, on the viewer's process...
    expect((await adminB.get(`/api/v2/tickets/${ticket.id}`)).statusCode).toBe(200);
    expect((await agentB.get(`/api/v2/tickets/${ticket.id}`)).statusCode).toBe(200);
    expect(
      (await adminB.get('/api/v2/tickets?limit=5&sort=-id')).json<{ data: { id: number }[] }>().data[0]?.id,
    ).toBe(ticket.id);
    // ...and still not found to a viewer of Sales, in detail (v1 and v2) and in their first page.
    expect((await viewerB.get(`/api/v2/tickets/${ticket.id}`)).statusCode).toBe(404);
    expect((await viewerB.get(`/api/incident-tickets/${ticket.id}/`)).statusCode).toBe(404);
    const page = (await viewerB.get('/api/v2/tickets?limit=5&sort=-id')).json<{ data: { id: number }[] }>();
    expect(page.data.map((item) => item.id)).not.toContain(ticket.id);
  });

  it('shares cached values through Redis, and serves correctly when Redis is gone', async () => {
    const agentId = (await agentB.get('/api/v2/me')).json<{ id: number }>().id;
    const ticket = await a.services.tickets.create(ctx, 'incident', {
      title: 'shared',
      departmentId,
      reporterId: agentId,
    });
    const redisHits = () => metric(b, 'opsdesk_cache_hits_total', 'cache="ticket_detail",layer="redis"');
    const before = await redisHits();
    // Computed on a, found by b in Redis (b has never read it).
    await a.services.tickets.get(ctx.actor, ticket.id);
    const client = connectRedis(redisUrl);
    await new Promise((resolve) => client.once('ready', resolve));
    await eventually('the entry to reach Redis', async () =>
      (await client.exists(`opsdesk:cache:ticket_detail:${ticket.id}`)) === 1 ? true : undefined,
    );
    // Embedded people carry no password hash: not in this process, not in Redis.
    const kept = await client.getBuffer(`opsdesk:cache:ticket_detail:${ticket.id}`);
    client.disconnect();
    const { rows } = await a.database.pool.query<{ hash: string }>(
      'SELECT password_hash AS hash FROM users WHERE id = $1',
      [agentId],
    );
    expect(rows[0]?.hash).toBeTruthy();
    const entry = v8.deserialize(kept as Buffer) as {
      value: { reporter: { user: Record<string, unknown> } };
    };
    expect(entry.value.reporter.user.id).toBe(agentId);
    expect(entry.value.reporter.user).not.toHaveProperty('passwordHash');
    expect((kept as Buffer).includes(rows[0]?.hash ?? '')).toBe(false);
    expect((await agentB.get(`/api/v2/tickets/${ticket.id}`)).json<{ title: string }>().title).toBe('shared');
    expect(await redisHits()).toBe(before + 1);

    redis.kill('SIGKILL');
    for (let i = 1; i <= 5; i += 1) {
      await a.services.tickets.update(ctx, ticket.id, { title: `no redis ${i}` });
      for (const reader of [agentB, adminB]) {
        const response = await reader.get(`/api/v2/tickets/${ticket.id}`);
        expect(response.statusCode).toBe(200);
        expect(response.json<{ title: string }>().title).toBe(`no redis ${i}`);
      }
    }
  });
});
