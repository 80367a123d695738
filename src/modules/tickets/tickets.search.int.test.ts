import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type Browser, type TestApp } from '../../../test/helpers/app.ts';

/**
 * Search pages over more tickets than a tier's window of newest tickets
 * (tickets.search.ts): relevance order across tiers and pages, the exact v1 count,
 * typo correction, prefixes, department scope, and the one statement a page costs.
 */

interface Row {
  id: number;
  title: string;
}
interface V1Page {
  count: number;
  next: string | null;
  results: Row[];
}
interface V2Page {
  data: Row[];
  next_cursor: string | null;
}

let t: TestApp;
let admin: Browser;
let opsAgent: Browser;
let opsViewer: Browser;
/** Every "zeppelin" ticket in relevance order, and the ones an Ops member may see. */
let expected: number[];
let expectedForOps: number[];
let stopWordTitle: number;
let studioB: number;
let studioBravo: number;

async function create(browser: Browser, title: string, description = ''): Promise<number> {
  const response = await browser.post('/api/v2/tickets', { kind: 'incident', title, description });
  expect(response.statusCode, response.body).toBe(201);
  return response.json<{ id: number }>().id;
}

/** Every page of a v2 search, following cursors. */
async function v2All(browser: Browser, query: string, limit = 20): Promise<number[]> {
  const ids: number[] = [];
  let cursor: string | null = null;
  do {
    const response = await browser.get(
      `/api/v2/tickets?${query}&limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
    );
    expect(response.statusCode, response.body).toBe(200);
    const page = response.json<V2Page>();
    ids.push(...page.data.map((row) => row.id));
    cursor = page.next_cursor;
  } while (cursor);
  return ids;
}

async function v1Page(browser: Browser, query: string): Promise<V1Page> {
  const response = await browser.get(`/api/incident-tickets/?${query}`);
  expect(response.statusCode, response.body).toBe(200);
  return response.json<V1Page>();
}

/** Statements sent to PostgreSQL (pool queries and checked-out connections) while `run` runs. */
async function roundTrips(run: () => Promise<unknown>): Promise<number> {
  const pool = t.database.pool;
  const query = pool.query.bind(pool);
  const connect = pool.connect.bind(pool);
  let calls = 0;
  pool.query = ((...args: unknown[]) => {
    calls += 1;
    return (query as (...a: unknown[]) => unknown)(...args);
  }) as typeof pool.query;
  pool.connect = ((...args: unknown[]) => {
    calls += 1;
    return (connect as (...a: unknown[]) => unknown)(...args);
  }) as typeof pool.connect;
  try {
    await run();
  } finally {
    delete (pool as { query?: unknown }).query;
    delete (pool as { connect?: unknown }).connect;
  }
  return calls;
}

beforeAll(async () => {
  t = await createTestApp();
  admin = await t.login(await t.user({ role: 'admin' }));
  opsAgent = await t.login(await t.user({ role: 'agent', department: 'Ops' }));
  opsViewer = await t.login(await t.user({ role: 'viewer', department: 'Ops' }));
  const engAgent = await t.login(await t.user({ role: 'agent', department: 'Eng' }));

  // Oldest first: within a tier, the newest come first.
  const exact = await create(admin, 'Zeppelin');
  const opsTitled: number[] = [];
  const engTitled: number[] = [];
  for (let i = 1; i <= 12; i += 1) {
    opsTitled.push(await create(opsAgent, `Zeppelin rig fault ${i}`));
    engTitled.push(await create(engAgent, `Zeppelin rig hum ${i}`));
  }
  const described: number[] = [];
  for (let i = 1; i <= 4; i += 1)
    described.push(await create(opsAgent, `Rig fault ${i}`, 'near the zeppelin hangar'));
  stopWordTitle = await create(admin, 'The');
  studioB = await create(admin, 'Studio B monitor dark');
  studioBravo = await create(admin, 'Studio Bravo monitor dark');

  // Newer than all of the above: more tickets than a tier's window of newest tickets holds.
  await t.database.pool.query(`
    INSERT INTO tickets (kind, number, title, description, created_at)
    SELECT 'incident', 900000 + g, 'Filler ' || g, 'nothing here', now() + g * interval '1 second'
    FROM generate_series(1, 2500) AS g`);
  // And newer still: three title matches within the window, one of them Ops'.
  const recent = [await create(admin, 'Zeppelin winch'), await create(opsAgent, 'Zeppelin mast')];
  recent.push(await create(admin, 'Zeppelin cable'));
  await t.database.pool.query(
    "UPDATE tickets SET created_at = now() + interval '1 day' + id * interval '1 second' WHERE id = ANY($1)",
    [recent],
  );

  const newest = (ids: number[]) => [...ids].reverse();
  const titled = [...opsTitled, ...engTitled].sort((a, b) => a - b);
  expected = [exact, ...newest(recent), ...newest(titled), ...newest(described)];
  const ops = new Set([...opsTitled, ...described, recent[1]]);
  expectedForOps = expected.filter((id) => ops.has(id));
});

afterAll(async () => {
  await t.close();
});

describe('search over more tickets than a tier reads first', () => {
  it('pages in relevance order, with matches newer and older than the window, tier after tier', async () => {
    expect(await v2All(admin, 'search=zeppelin')).toEqual(expected);
    expect(await v2All(admin, 'search=zeppelin', 7)).toEqual(expected);
    expect(await v2All(admin, 'search=zeppelin', 100)).toEqual(expected);
  });

  it('v1 counts exactly, and its pages cut the same order', async () => {
    const first = await v1Page(admin, 'search=zeppelin&page_size=10');
    expect(first.count).toBe(expected.length);
    const ids = [...first.results.map((row) => row.id)];
    for (let page = 2; page <= Math.ceil(expected.length / 10); page += 1) {
      const next = await v1Page(admin, `search=zeppelin&page_size=10&page=${page}`);
      expect(next.count).toBe(expected.length);
      ids.push(...next.results.map((row) => row.id));
    }
    expect(ids).toEqual(expected);
  });

  it('corrects a typo against title words, for pages, counts and sorted lists alike', async () => {
    expect(await v2All(admin, 'search=zepelin')).toEqual(expected);
    const page = await v1Page(admin, 'search=zeplin&page_size=50');
    expect(page.count).toBe(expected.length);
    expect(page.results.map((row) => row.id)).toEqual(expected);
    const sorted = await v1Page(admin, 'search=zepelin&ordering=-created_at&page_size=50');
    expect(sorted.count).toBe(expected.length);
    expect(sorted.results.map((row) => row.id).sort()).toEqual([...expected].sort());
    const nothing = await v1Page(admin, 'search=qqxqqzzv');
    expect(nothing).toMatchObject({ count: 0, results: [] });
  });

  it('matches word prefixes, every word required; a single letter only as a word of its own', async () => {
    expect((await v2All(admin, 'search=zepp')).sort()).toEqual([...expected].sort());
    expect((await v1Page(admin, 'search=zepp%20rig&page_size=50')).count).toBe(24 + 4);
    expect(await v2All(admin, 'search=studio%20b')).toEqual([studioB]);
    expect(await v2All(admin, 'search=studio%20br')).toEqual([studioBravo]);
    expect(await v1Page(admin, 'search=studio%20b&ordering=-created_at')).toMatchObject({
      count: 1,
      results: [{ id: studioB }],
    });
  });

  it('finds a title made of stop words by its exact title, in pages, counts and sorted lists', async () => {
    expect(await v2All(admin, 'search=the')).toEqual([stopWordTitle]);
    expect(await v1Page(admin, 'search=The')).toMatchObject({ count: 1, results: [{ id: stopWordTitle }] });
    expect(await v1Page(admin, 'search=the&ordering=title')).toMatchObject({ count: 1 });
  });

  it('shows and counts only the tickets in the caller’s scope, typo or not', async () => {
    for (const browser of [opsAgent, opsViewer]) {
      expect(await v2All(browser, 'search=zeppelin')).toEqual(expectedForOps);
      expect(await v2All(browser, 'search=zepelin', 5)).toEqual(expectedForOps);
      const page = await v1Page(browser, 'search=zepelin&page_size=5&page=2');
      expect(page.count).toBe(expectedForOps.length);
      expect(page.results.map((row) => row.id)).toEqual(expectedForOps.slice(5, 10));
      expect((await v1Page(browser, 'search=zeppelin&ordering=-created_at')).count).toBe(
        expectedForOps.length,
      );
    }
  });

  it('costs no more round trips than a page without search, typo or not', async () => {
    const plain = await roundTrips(() => admin.get('/api/v2/tickets?limit=20'));
    for (const term of ['zeppelin', 'zepelin', 'qqxqqzzv']) {
      const search = await roundTrips(() => admin.get(`/api/v2/tickets?limit=20&search=${term}`));
      expect(search, term).toBeLessThanOrEqual(plain);
    }
  });
});
