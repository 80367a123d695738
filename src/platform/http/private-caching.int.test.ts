import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type Browser, type TestApp } from '../../../test/helpers/app.ts';

/**
 * Caching of authenticated answers (RFC 9111): shared caches never store them, every
 * cache knows the credentials select them, and ETag revalidation keeps working.
 */

let t: TestApp;
let agent: Browser;
let ticketId: number;

/** The members of a Vary header, lowercased. */
const varyOf = (response: LightMyRequestResponse): string[] =>
  [response.headers.vary ?? '']
    .flat()
    .join(',')
    .split(',')
    .map((name) => name.trim().toLowerCase())
    .filter(Boolean);

/** An answer only the caller's private cache may keep, selected by the credentials. */
function expectPrivate(response: LightMyRequestResponse, cacheControl: string) {
  expect(response.headers['cache-control'], response.body).toBe(cacheControl);
  expect(varyOf(response)).toEqual(expect.arrayContaining(['cookie', 'authorization']));
}

beforeAll(async () => {
  t = await createTestApp();
  agent = await t.login(await t.user({ role: 'agent', department: 'Ops' }));
  const created = await agent.post('/api/v2/tickets', {
    kind: 'incident',
    title: 'Cached ticket',
    description: 'private',
    priority: 'low',
  });
  expect(created.statusCode, created.body).toBe(201);
  ticketId = created.json<{ id: number }>().id;
});

afterAll(async () => {
  await t.close();
});

describe('authenticated answers', () => {
  it('lists are private, no-store (v1 and v2), varying on Cookie and Authorization', async () => {
    expectPrivate(await agent.get('/api/incident-tickets/'), 'private, no-store');
    expectPrivate(await agent.get('/api/v2/tickets'), 'private, no-store');
  });

  it('exports are private, no-store', async () => {
    const csv = await agent.get('/api/v2/tickets?format=csv');
    expect(csv.statusCode).toBe(200);
    expectPrivate(csv, 'private, no-store');
    expectPrivate(await agent.get('/api/incident-tickets/?format=xml'), 'private, no-store');
  });

  it('a detail with an ETag is private, no-cache: stored only by the browser, revalidated each use', async () => {
    const detail = await agent.get(`/api/v2/tickets/${ticketId}`);
    expect(detail.statusCode).toBe(200);
    expectPrivate(detail, 'private, no-cache');
    const etag = detail.headers.etag as string;
    expect(etag).toMatch(/^"\d+"$/);

    const revalidated = await agent.get(`/api/v2/tickets/${ticketId}`, { 'if-none-match': etag });
    expect(revalidated.statusCode).toBe(304);
    expect(revalidated.body).toBe('');
    expect(revalidated.headers.etag).toBe(etag);
    // RFC 9110 15.4.5: a 304 carries the Cache-Control and Vary the 200 would have.
    expectPrivate(revalidated, 'private, no-cache');

    expectPrivate(await agent.get(`/api/incident-tickets/${ticketId}/`), 'private, no-store');
  });

  it('writes and errors of authenticated routes are private too', async () => {
    const comment = await agent.post(`/api/v2/tickets/${ticketId}/comments`, { body: 'hello' });
    expect(comment.statusCode, comment.body).toBe(201);
    expect(comment.headers['cache-control']).toMatch(/^private, no-(store|cache)$/);
    expectPrivate(await agent.get('/api/v2/tickets/999999'), 'private, no-store');
    const anonymous = await t.app.inject({ method: 'GET', url: '/api/v2/tickets' });
    expect(anonymous.statusCode).toBe(401);
    expectPrivate(anonymous, 'private, no-store');
  });

  it('an API token (Authorization header) gets the same policy', async () => {
    const created = await agent.post('/api/v2/tokens', { name: 'script' });
    expect(created.statusCode, created.body).toBe(201);
    expectPrivate(created, 'private, no-store');
    const { token } = created.json<{ token: string }>();
    const listed = await t.app.inject({
      method: 'GET',
      url: '/api/v2/tickets',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(listed.statusCode).toBe(200);
    expectPrivate(listed, 'private, no-store');
  });

  it('answers that hand out a cookie (CSRF token, login) are private, no-store', async () => {
    const csrf = await t.app.inject({ method: 'GET', url: '/api/csrf/' });
    expect(csrf.headers['set-cookie']).toBeDefined();
    expectPrivate(csrf, 'private, no-store');
  });

  it('keeps the Vary members CORS adds', async () => {
    const response = await agent.get('/api/v2/tickets', { origin: 'http://localhost:5173' });
    expect(varyOf(response)).toEqual(expect.arrayContaining(['origin', 'cookie', 'authorization']));
  });
});

describe('public answers', () => {
  it.each(['/health/live', '/api/v2/openapi.json', '/api/v1/openapi.json', '/docs/'])(
    '%s is unchanged: no Cache-Control or credential Vary of ours',
    async (url) => {
      const response = await t.app.inject({ method: 'GET', url });
      expect(response.statusCode).toBe(200);
      expect(response.headers['cache-control']).toBeUndefined();
      expect(varyOf(response)).not.toContain('cookie');
    },
  );
});
