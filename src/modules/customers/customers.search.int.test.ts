import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type Browser, type TestApp } from '../../../test/helpers/app.ts';

interface Found {
  id: number;
  first_name: string;
  last_name: string;
  company: string;
}

describe('customer search', () => {
  let t: TestApp;
  let agent: Browser;

  beforeAll(async () => {
    t = await createTestApp();
    agent = await t.login(await t.user({ role: 'agent' }));
    const people: [string, string, Record<string, unknown>?][] = [
      ['Ann', 'Whitfield'],
      ['Anna', 'Kowalczyk', { email: 'anna.k@search.test', phone: '+48 22 123 45 67' }],
      ['Annabel', 'Okonkwo'],
      ['Margaret', 'Hamilton'],
      ['Hamish', 'McTavish'],
    ];
    for (const [first_name, last_name, more] of people) {
      const response = await agent.post('/api/v2/customers', { first_name, last_name, ...more });
      expect(response.statusCode).toBe(201);
    }
    await agent.post('/api/v2/customers', { kind: 'organisation', company: 'Whitfield Logistics' });
  });
  afterAll(async () => {
    await t.close();
  });

  const search = async (term: string, version: 'v1' | 'v2' = 'v2') => {
    const response = await agent.get(
      version === 'v2'
        ? `/api/v2/customers?search=${encodeURIComponent(term)}`
        : `/api/customers/?search=${encodeURIComponent(term)}`,
    );
    expect(response.statusCode, response.body).toBe(200);
    const body = response.json<{ data?: Found[]; results?: Found[]; count?: number }>();
    return {
      names: (body.data ?? body.results ?? []).map((c) => c.last_name || c.company),
      count: body.count,
    };
  };

  it('matches names by prefix, whole-word matches first', async () => {
    expect((await search('ann')).names).toEqual(['Whitfield', 'Okonkwo', 'Kowalczyk']);
    expect((await search('Hami')).names.sort()).toEqual(['Hamilton', 'McTavish']);
    expect((await search('marg ham')).names).toEqual(['Hamilton']);
  });

  it('finds companies and people with the same word', async () => {
    expect((await search('whitfield')).names.sort()).toEqual(['Whitfield', 'Whitfield Logistics']);
  });

  it('tolerates typos when the words as typed match nothing', async () => {
    expect((await search('kowalcyzk')).names).toEqual(['Kowalczyk']);
    expect((await search('Hamliton')).names).toEqual(['Hamilton']);
    const v1 = await search('Hamliton', 'v1');
    expect(v1).toEqual({ names: ['Hamilton'], count: 1 });
    expect((await search('zzzzqqq')).names).toEqual([]);
  });

  it('counts every match in v1 and pages best first', async () => {
    expect(await search('ann', 'v1')).toEqual({ names: ['Whitfield', 'Okonkwo', 'Kowalczyk'], count: 3 });
    const page = await agent.get('/api/v2/customers?search=ann&limit=2');
    const first = page.json<{ data: Found[]; next_cursor: string }>();
    const next = await agent.get(`/api/v2/customers?search=ann&limit=2&cursor=${first.next_cursor}`);
    expect([...first.data, ...next.json<{ data: Found[] }>().data].map((c) => c.last_name)).toEqual([
      'Whitfield',
      'Okonkwo',
      'Kowalczyk',
    ]);
  });

  it('finds e-mail and phone exactly (blind index), never by a part of them', async () => {
    expect((await search('ANNA.K@search.test')).names).toEqual(['Kowalczyk']);
    expect((await search('+48221234567')).names).toEqual(['Kowalczyk']);
    expect((await search('anna.k@search')).names).toEqual([]);
    expect((await search('1234567')).names).toEqual([]);
  });

  it('applies a search to exports and explicit sorts, typo-corrected too', async () => {
    const csv = await agent.get('/api/v2/customers?search=Hamliton&format=csv');
    expect(csv.body).toContain('Hamilton');
    expect(csv.body).not.toContain('McTavish');
    const sorted = await agent.get('/api/customers/?search=ann&ordering=last_name');
    expect(sorted.json<{ results: Found[] }>().results.map((c) => c.last_name)).toEqual([
      'Kowalczyk',
      'Okonkwo',
      'Whitfield',
    ]);
  });
});
