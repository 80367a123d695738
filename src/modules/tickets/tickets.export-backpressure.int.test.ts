import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/helpers/app.ts';

/**
 * A flat export over a real socket to a client that stops reading: the server stops
 * reading its cursor (what it has written or buffered for the socket stops growing,
 * far below the whole export) and holds one pool connection; a client that goes away
 * ends the export: the cursor's transaction is gone and the connection given up.
 */

const TICKETS = 20_000;

let t: TestApp;
let base: string;
let token: string;
const sockets: Socket[] = [];

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** What the server has sent on its sockets plus what it holds for them, in bytes. */
const serverOutput = () =>
  sockets.reduce((sum, socket) => sum + socket.bytesWritten + socket.writableLength, 0);

/** Backends of this database inside a transaction (an export's cursor), other than the asking one. */
async function openTransactions(): Promise<number> {
  const { rows } = await t.database.pool.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM pg_stat_activity
      WHERE datname = current_database() AND pid <> pg_backend_pid() AND xact_start IS NOT NULL`,
  );
  return rows[0]?.n ?? -1;
}

beforeAll(async () => {
  t = await createTestApp();
  const admin = await t.user({ role: 'admin' });
  const browser = await t.login(admin);
  const created = await browser.post('/api/v2/tokens', { name: 'export' });
  token = created.json<{ token: string }>().token;
  const client = await t.database.pool.connect();
  try {
    // One statement loads them; it may take longer than the pool's statement timeout on a busy machine.
    await client.query('SET statement_timeout = 0');
    // The bulk of each row is its service type, which no search index reads: a quick load.
    const load = {
      text: `INSERT INTO tickets (kind, number, title, priority, reporter_id, service_type)
             SELECT 'incident', n, 'Exported ticket number ' || n, 'low', $1, repeat('Some service type text. ', 40)
               FROM generate_series(1, $2::int) AS n`,
      values: [admin.user.id, TICKETS],
      query_timeout: 300_000,
    };
    await client.query(load);
  } finally {
    client.release(true);
  }
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  t.app.server.on('connection', (socket: Socket) => sockets.push(socket));
  base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await t.close();
});

describe('flat export backpressure', () => {
  it('a client that reads everything gets every row (the size the stall is measured against)', async () => {
    const response = await fetch(`${base}/api/v2/tickets?format=ndjson`, {
      headers: { authorization: `Bearer ${token}` },
    });
    const body = await response.text();
    expect(body.split('\n').filter(Boolean)).toHaveLength(TICKETS);
    expect(body.length).toBeGreaterThan(20_000_000);
  });

  it('a stalled client stops the cursor; a client that leaves ends it and frees the connection', async () => {
    const { pool } = t.database;
    const before = serverOutput();
    const request = http.get(`${base}/api/v2/tickets?format=ndjson`, {
      headers: { authorization: `Bearer ${token}` },
      agent: false,
    });
    const response = await new Promise<http.IncomingMessage>((resolve) => request.on('response', resolve));
    expect(response.statusCode).toBe(200);
    response.pause();
    // Until the server stops writing: the socket buffers and one chunk of the stream are full.
    let previous = -1;
    for (let i = 0; i < 50 && serverOutput() !== previous; i++) {
      previous = serverOutput();
      await sleep(200);
    }
    const stalled = serverOutput() - before;
    await sleep(1000);
    expect(serverOutput() - before, 'nothing more is read from the cursor while the client stalls').toBe(
      stalled,
    );
    // Socket buffers (loopback: a few MB) and a chunk, not the 20+ MB export.
    expect(stalled).toBeLessThan(8_000_000);
    expect(pool.totalCount - pool.idleCount, 'the export holds one connection').toBe(1);
    expect(await openTransactions()).toBe(1);

    request.destroy();
    let open = await openTransactions();
    for (let i = 0; i < 50 && (open > 0 || pool.totalCount !== pool.idleCount); i++) {
      await sleep(100);
      open = await openTransactions();
    }
    expect(open, 'the cursor and its transaction are gone').toBe(0);
    expect(pool.totalCount - pool.idleCount, 'no connection is held for the export').toBe(0);
  });
});
