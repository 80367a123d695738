import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/helpers/app.ts';

/**
 * Readiness under load: a burst of probes (or of BMS health checks) costs the database
 * one check, not one query per request, and the answer is never older than a second.
 */
describe('health checks', () => {
  let t: TestApp;
  let checkouts = 0;

  beforeAll(async () => {
    t = await createTestApp();
    t.database.pool.on('acquire', () => {
      checkouts++;
    });
  });
  afterAll(() => t.close());

  const burst = (url: string) =>
    Promise.all(Array.from({ length: 50 }, () => t.app.inject({ method: 'GET', url })));

  it('answers a burst of readiness probes with one database check shared by all', async () => {
    await sleep(1100);
    checkouts = 0;
    const responses = [...(await burst('/api/health/')), ...(await burst('/health/ready'))];
    expect(responses.map((response) => response.statusCode)).toEqual(responses.map(() => 200));
    expect(responses[0]?.json()).toMatchObject({ status: 'ok', database: 'ok' });
    expect(checkouts).toBe(1);

    // The next second checks again: readiness follows the database.
    await sleep(1100);
    expect((await t.app.inject({ method: 'GET', url: '/health/ready' })).statusCode).toBe(200);
    expect(checkouts).toBe(2);
  });

  it('answers liveness without touching the database', async () => {
    checkouts = 0;
    const responses = await burst('/health/live');
    expect(responses.every((response) => response.statusCode === 200)).toBe(true);
    expect(checkouts).toBe(0);
  });
});
