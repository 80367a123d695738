import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Type } from '@sinclair/typebox';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendList } from './negotiation.ts';

interface Row {
  id: number;
  title: string;
  secret: string;
}

const Item = Type.Object({
  id: Type.Integer(),
  title: Type.String(),
  place: Type.Object({ name: Type.String() }),
});

/** List exports through the shared `sendList`, on a real HTTP server. */
describe('list exports', () => {
  let app: FastifyInstance;
  let base: string;
  let produced = 0;

  const rows: Row[] = [
    { id: 1, title: '=HYPERLINK("http://evil.test")', secret: 's1' },
    { id: 2, title: 'line\nbreak, "quoted"', secret: 's2' },
  ];

  beforeAll(async () => {
    app = Fastify({ logger: false });
    app.get('/items', (request, reply) =>
      sendList<Row>(request, reply, {
        page: () => Promise.resolve({ kind: 'cursor', rows, nextCursor: null }),
        all: async function* () {
          yield* rows;
        },
        present: (row) => ({
          id: row.id,
          title: row.title,
          place: { name: `room ${row.id}` },
          secret: row.secret,
        }),
        item: Item,
        filename: 'items',
      }),
    );
    // Endless: only backpressure stops the server from reading it.
    app.get('/endless', (request, reply) =>
      sendList<number>(request, reply, {
        page: () => Promise.resolve({ kind: 'cursor', rows: [], nextCursor: null }),
        all: async function* () {
          for (;;) {
            produced++;
            yield produced;
            // A real source (a cursor) waits on I/O between batches.
            if (produced % 1000 === 0) await new Promise((resolve) => setImmediate(resolve));
          }
        },
        present: (n) => ({
          id: n,
          title: `ticket number ${n} with a title of some length`,
          place: { name: 'x' },
        }),
        item: Item,
        filename: 'endless',
      }),
    );
    await app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  });

  afterAll(() => app.close());

  it.each([
    ['?format=ndjson', {}],
    ['', { accept: 'application/x-ndjson' }],
  ])('NDJSON (%s %j): one item per line, serialised by the item schema', async (query, headers) => {
    const response = await fetch(`${base}/items${query}`, { headers });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/x-ndjson; charset=utf-8');
    expect(response.headers.get('content-disposition')).toBe('attachment; filename="items.ndjson"');
    const text = await response.text();
    expect(text.endsWith('\n')).toBe(true);
    expect(
      text
        .trimEnd()
        .split('\n')
        .map((line) => JSON.parse(line) as unknown),
    ).toEqual([
      { id: 1, title: '=HYPERLINK("http://evil.test")', place: { name: 'room 1' } },
      { id: 2, title: 'line\nbreak, "quoted"', place: { name: 'room 2' } },
    ]);
  });

  it('CSV: a column per leaf, formulas neutralised, quoting intact', async () => {
    const response = await fetch(`${base}/items?format=csv`);
    expect(response.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(await response.text()).toBe(
      'id,title,place.name\n' +
        `1,"'=HYPERLINK(""http://evil.test"")",room 1\n` +
        '2,"line\nbreak, ""quoted""",room 2\n',
    );
  });

  it('a client that stops reading stops the export from reading its rows (memory stays bounded)', async () => {
    produced = 0;
    const request = http.get(`${base}/endless?format=ndjson`);
    const response = await new Promise<http.IncomingMessage>((resolve) => request.on('response', resolve));
    response.pause();
    let previous = -1;
    // Until the source stops being read: the socket buffers and the stream's chunk are full.
    for (let i = 0; i < 100 && produced !== previous; i++) {
      previous = produced;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(produced).toBe(previous);
    // A few MB of socket buffers and one 64 KiB chunk: thousands of rows, not millions.
    expect(produced).toBeLessThan(100_000);
    request.destroy();
  });
});
