import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/helpers/app.ts';
import { loadConfig } from '../../config.ts';
import { deprecationHeaders } from './deprecation.ts';

/**
 * v1 deprecation announced as configured: `Deprecation` (RFC 9745), `Sunset` (RFC 8594)
 * and `Link: rel="deprecation"` on every v1 answer (under /api/v1 and bare /api, errors
 * too), readable by browser clients through CORS; never on v2, never when unset.
 */

describe('deprecationHeaders', () => {
  it('writes RFC 9745 and RFC 8594 formats', () => {
    expect(
      deprecationHeaders({
        deprecatedAt: new Date('2026-07-01T00:00:00Z'),
        sunsetAt: new Date('2027-01-31T00:00:00Z'),
        link: 'https://docs.example.com/v2-migration',
      }),
    ).toEqual({
      deprecation: '@1782864000',
      sunset: 'Sun, 31 Jan 2027 00:00:00 GMT',
      link: '<https://docs.example.com/v2-migration>; rel="deprecation"; type="text/html"',
    });
    expect(deprecationHeaders({})).toEqual({});
  });
});

describe('with API_V1_* set', () => {
  let t: TestApp;
  const origin = 'http://localhost:8080';

  beforeAll(async () => {
    t = await createTestApp({
      API_V1_DEPRECATION_DATE: '2026-07-01',
      API_V1_SUNSET_DATE: '2027-01-31T00:00:00Z',
      API_V1_DEPRECATION_LINK: 'https://docs.example.com/v2-migration',
    });
  });
  afterAll(async () => {
    await t.close();
  });

  it('announces the deprecation on every v1 answer, errors included, and exposes it through CORS', async () => {
    for (const url of ['/api/v1/', '/api/', '/api/csrf/', '/api/v1/incident-tickets/']) {
      const response = await t.app.inject({ method: 'GET', url, headers: { origin } });
      expect(response.headers.deprecation, url).toBe('@1782864000');
      expect(response.headers.sunset, url).toBe('Sun, 31 Jan 2027 00:00:00 GMT');
      expect(response.headers.link, url).toBe(
        '<https://docs.example.com/v2-migration>; rel="deprecation"; type="text/html"',
      );
      const exposed = String(response.headers['access-control-expose-headers']).split(/,\s*/);
      expect(exposed).toEqual(expect.arrayContaining(['deprecation', 'sunset', 'link']));
    }
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/incident-tickets/' })).statusCode).toBe(401);
  });

  it('says nothing of it on v2', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/api/v2/' });
    expect(response.statusCode).toBe(200);
    expect(response.headers.deprecation).toBeUndefined();
    expect(response.headers.sunset).toBeUndefined();
  });

  it('refuses a date it cannot read', () => {
    expect(() => loadConfig({ API_V1_SUNSET_DATE: 'next spring' })).toThrow(
      /API_V1_SUNSET_DATE must be an ISO 8601 date/,
    );
  });
});

describe('without them', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('sends no deprecation headers', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/api/v1/' });
    expect(response.statusCode).toBe(200);
    expect(response.headers.deprecation).toBeUndefined();
    expect(response.headers.sunset).toBeUndefined();
    expect(response.headers.link).toBeUndefined();
  });
});
