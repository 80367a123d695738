import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/helpers/app.ts';
import { buildApp } from '../../app.ts';

const SECRET_KEY = 'observability-test-secret-0123456789abcdef';
const METRICS_TOKEN = 'scrape-me-0123456789';
const CUSTOMER_KEYS = {
  CUSTOMER_DATA_KEYS: `k1:${Buffer.alloc(32, 1).toString('base64')}`,
  CUSTOMER_BLIND_INDEX_KEY: Buffer.alloc(32, 2).toString('base64'),
};

describe('/metrics', () => {
  let development: TestApp;
  let productionOpen: TestApp;
  let productionProtected: TestApp;
  beforeAll(async () => {
    development = await createTestApp();
    const shared = { databaseUrl: development.config.databaseUrl ?? '' };
    productionOpen = await createTestApp({ NODE_ENV: 'production', SECRET_KEY, ...CUSTOMER_KEYS }, shared);
    productionProtected = await createTestApp(
      { NODE_ENV: 'production', SECRET_KEY, METRICS_TOKEN, ...CUSTOMER_KEYS },
      shared,
    );
  });
  afterAll(async () => {
    await productionProtected.close();
    await productionOpen.close();
    await development.close();
  });

  const scrape = (t: TestApp, authorization?: string) =>
    t.app.inject({ method: 'GET', url: '/metrics', headers: authorization ? { authorization } : {} });

  it('is open in development and test', async () => {
    const response = await scrape(development);
    expect(response.statusCode).toBe(200);
    expect(response.body).toContain('http_requests_total');
  });

  it('is not served in production without METRICS_TOKEN', async () => {
    expect((await scrape(productionOpen)).statusCode).toBe(404);
  });

  it('needs the bearer token in production with METRICS_TOKEN', async () => {
    const anonymous = await scrape(productionProtected);
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.headers['www-authenticate']).toBe('Bearer realm="metrics"');
    expect(anonymous.body).not.toContain('http_requests_total');
    expect((await scrape(productionProtected, 'Bearer wrong-token-0123456789')).statusCode).toBe(401);
    const scraper = await scrape(productionProtected, `Bearer ${METRICS_TOKEN}`);
    expect(scraper.statusCode).toBe(200);
    expect(scraper.body).toContain('http_requests_total');
  });
});

describe('request logs', () => {
  let t: TestApp;
  let logged: FastifyInstance;
  const lines: string[] = [];
  beforeAll(async () => {
    t = await createTestApp({ SECRET_KEY });
    const stream = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
        done();
      },
    });
    logged = await buildApp({ config: t.config, database: t.database, logger: { level: 'info', stream } });
    await logged.ready();
  });
  afterAll(async () => {
    await logged.close();
    await t.close();
  });

  it('never carry the token of a signed download link, a signature or credentials', async () => {
    const signature = 'c2lnbmF0dXJlLXRoYXQtbXVzdC1ub3QtbGVhaw';
    const linkToken = `eyJrIjoiYS9iIiwiZiI6IngucG5nIiwiZSI6MX0.${signature}`;
    await logged.inject({ method: 'GET', url: `/api/v2/files/${linkToken}` });
    await logged.inject({
      method: 'GET',
      url: `/api/v2/tickets?search=radio&token=query-token-secret&signature=${signature}&X-Amz-Signature=amz-secret`,
      headers: { authorization: 'Bearer header-token-secret', cookie: 'sessionid=cookie-secret' },
    });

    const requests = lines
      .map((line) => JSON.parse(line) as { msg: string; req?: { url: string } })
      .filter((line) => line.msg === 'incoming request');
    expect(requests.map((line) => line.req?.url)).toEqual([
      '/api/v2/files/[redacted]',
      '/api/v2/tickets?search=radio&token=[redacted]&signature=[redacted]&X-Amz-Signature=[redacted]',
    ]);
    const everything = lines.join('\n');
    for (const secret of [
      signature,
      'query-token-secret',
      'amz-secret',
      'header-token-secret',
      'cookie-secret',
    ])
      expect(everything).not.toContain(secret);
  });
});
