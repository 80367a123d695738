import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type Browser, type TestApp } from '../../../test/helpers/app.ts';
import { systemContext } from '../auth/actor.ts';

interface V1Page {
  count: number;
  next: string | null;
  previous: string | null;
  results: { id: number; title: string }[];
}

/**
 * A v1 page's results are written once per page object (page-body.ts): a cached first
 * page answers every request with the same bytes, but its links are each request's own,
 * and a write answers with the new page at once.
 */
describe('v1 page bodies', () => {
  let t: TestApp;
  let agent: Browser;
  const ctx = systemContext('page-body-test');

  beforeAll(async () => {
    t = await createTestApp();
    const person = await t.user({ role: 'agent', department: 'Ops' });
    agent = await t.login(person);
    for (let index = 1; index <= 3; index += 1)
      await t.services.tickets.create(ctx, 'incident', {
        title: `page body ${index}`,
        departmentId: person.user.departmentId,
      });
  });

  afterAll(async () => {
    await t.close();
  });

  it('answers a cached page with the same results and each request its own links', async () => {
    const first = await agent.get('/api/incident-tickets/?page_size=2&ordering=-id');
    const again = await agent.get('/api/incident-tickets/?page_size=2&ordering=-id');
    expect(first.headers['content-type']).toMatch(/^application\/json/);
    expect(again.body).toBe(first.body);
    const page = first.json<V1Page>();
    expect(page.count).toBe(3);
    expect(page.results.map((row) => row.title)).toEqual(['page body 3', 'page body 2']);
    expect(page.previous).toBeNull();
    expect(new URL(page.next ?? '').searchParams.get('page')).toBe('2');

    // The same page reached with the parameters in another order: the same results, its own next link.
    const reordered = (await agent.get('/api/incident-tickets/?ordering=-id&page_size=2')).json<V1Page>();
    expect(reordered.results).toEqual(page.results);
    expect(reordered.next).not.toBe(page.next);
    expect(new URL(reordered.next ?? '').search).toBe('?ordering=-id&page_size=2&page=2');

    const second = (await agent.get(page.next ?? '')).json<V1Page>();
    expect(second.results.map((row) => row.title)).toEqual(['page body 1']);
    expect(second.next).toBeNull();
    expect(new URL(second.previous ?? '').searchParams.has('page')).toBe(false);
  });

  it('answers the new page once a write has returned', async () => {
    const before = (await agent.get('/api/incident-tickets/?page_size=2&ordering=-id')).json<V1Page>();
    const [newest] = before.results;
    await t.services.tickets.update(ctx, newest?.id ?? 0, { title: 'page body renamed' });
    const after = (await agent.get('/api/incident-tickets/?page_size=2&ordering=-id')).json<V1Page>();
    expect(after.results[0]).toMatchObject({ id: newest?.id, title: 'page body renamed' });
  });
});
