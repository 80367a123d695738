import { randomInt } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/helpers/app.ts';

const redisUrl = process.env.REDIS_URL;

/** A client address of its own per test run, so counters left in Redis by earlier runs never interfere. */
const clientIp = () => `10.${randomInt(255)}.${randomInt(255)}.${randomInt(1, 255)}`;

describe.runIf(redisUrl)('rate limits shared through Redis', () => {
  let nodeA: TestApp;
  let nodeB: TestApp;
  beforeAll(async () => {
    const env = { REDIS_URL: redisUrl ?? '', RATE_LIMIT_PER_MINUTE: '5', TRUST_PROXY: '1' };
    nodeA = await createTestApp(env);
    nodeB = await createTestApp(env, { databaseUrl: nodeA.config.databaseUrl ?? '' });
  });
  afterAll(async () => {
    await nodeB.close();
    await nodeA.close();
  });

  it('counts requests across two API processes', async () => {
    const ip = clientIp();
    const statuses: number[] = [];
    for (const node of [nodeA, nodeB, nodeA, nodeB, nodeA, nodeB]) {
      const response = await node.app.inject({
        method: 'GET',
        url: '/api/',
        headers: { 'x-forwarded-for': ip },
      });
      statuses.push(response.statusCode);
    }
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
    const other = await nodeA.app.inject({
      method: 'GET',
      url: '/api/',
      headers: { 'x-forwarded-for': clientIp() },
    });
    expect(other.statusCode).toBe(200);
  });

  it('reports Redis in readiness', async () => {
    const response = await nodeA.app.inject({
      method: 'GET',
      url: '/health/ready',
      headers: { 'x-forwarded-for': clientIp() },
    });
    expect(response.json()).toMatchObject({ status: 'ok', database: 'ok', redis: 'ok' });
  });
});

describe('probes', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ RATE_LIMIT_PER_MINUTE: '3', TRUST_PROXY: '1' });
  });
  afterAll(async () => {
    await t.close();
  });

  it('are never throttled: health and metrics answer 200 through a burst past the limit', async () => {
    const ip = clientIp();
    const get = (url: string) => t.app.inject({ method: 'GET', url, headers: { 'x-forwarded-for': ip } });
    const probes = [
      '/health/live',
      '/health/ready',
      '/api/health/',
      '/api/v1/health/',
      '/api/v2/health',
      '/metrics',
    ];
    for (let round = 0; round < 5; round++) {
      for (const url of probes) expect((await get(url)).statusCode, `${url} #${round + 1}`).toBe(200);
    }
    // The same client is limited everywhere else.
    const api = [];
    for (let i = 0; i < 4; i++) api.push((await get('/api/')).statusCode);
    expect(api).toEqual([200, 200, 200, 429]);
  });
});

describe('login attempts', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ LOGIN_RATE_LIMIT_PER_MINUTE: '3' });
  });
  afterAll(async () => {
    await t.close();
  });

  it('are limited per client and username, answering 429 with a detail', async () => {
    const victim = await t.user();
    const bystander = await t.user();
    const attempt = (username: string, password: string) =>
      t.app.inject({
        method: 'POST',
        url: '/api/auth/login/',
        headers: {
          cookie: 'csrftoken=abcdefghijklmnopqrstuvwxyz0123456789',
          'x-csrftoken': 'abcdefghijklmnopqrstuvwxyz0123456789',
        },
        payload: { username, password },
      });
    const statuses = [];
    for (let i = 0; i < 4; i++)
      statuses.push((await attempt(victim.user.username, 'wrong-password')).statusCode);
    expect(statuses).toEqual([401, 401, 401, 429]);
    const throttled = await attempt(victim.user.username, victim.password);
    expect(throttled.statusCode).toBe(429);
    expect(throttled.json()).toMatchObject({ detail: expect.stringContaining('throttled') });
    expect((await attempt(bystander.user.username, bystander.password)).statusCode).toBe(200);
  });
});
