/**
 * Realtime latency: `npm run bench:realtime` starts two API processes on one database,
 * holds a WebSocket on the first and an SSE stream on the second, and measures how long
 * an event takes to reach both:
 *
 * - commit -> arrival: the bench commits a ticket change (row and outbox event) itself
 *   and starts the clock when COMMIT returns; the event travels by NOTIFY to both
 *   processes, which read it, check who may see it and send it.
 * - API write -> arrival: a ticket created with POST on the first process; the clock
 *   starts before the request is sent, so this includes the request itself.
 *
 * Prints p50/p99/max per path and client (target: p99 < 100 ms). Settings:
 * BENCH_REALTIME_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/opsdesk_bench_realtime,
 * created when missing; never one you care about), BENCH_REALTIME_EVENTS (default 300
 * per path), BENCH_REALTIME_GAP_MS (pause between writes, default 10), REDIS_URL (relay
 * the wakes through Redis instead).
 */
import http from 'node:http';
import { createRequire } from 'node:module';
import { spawnSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { ensureDatabase } from './generate.ts';
import { expectOk, loginAndCreateToken, repoRoot, startServer, type RunningServer } from './server.ts';

const url =
  process.env.BENCH_REALTIME_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/opsdesk_bench_realtime';
const EVENTS = Number(process.env.BENCH_REALTIME_EVENTS ?? 300);
const GAP_MS = Number(process.env.BENCH_REALTIME_GAP_MS ?? 10);
const USER = 'realtime-bench';
const PASSWORD = 'realtime-bench-password';

interface WsClient {
  on(event: 'message', listener: (data: Buffer) => void): void;
  on(event: 'open' | 'close', listener: () => void): void;
  on(event: 'error', listener: (error: Error) => void): void;
  terminate(): void;
}
const { WebSocket } = createRequire(import.meta.url)('ws') as {
  WebSocket: new (url: string, options: { headers: Record<string, string> }) => WsClient;
};

type Arrival = (message: { type?: string; payload?: { ticket?: { id: number; title: string } } }) => void;

function openWs(target: string, token: string, onMessage: Arrival): Promise<() => void> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(target, { headers: { authorization: `Bearer ${token}` } });
    socket.on('message', (data) => {
      const message = JSON.parse(data.toString()) as Parameters<Arrival>[0];
      if (message.type === 'stream.ready')
        resolve(() => {
          socket.terminate();
        });
      onMessage(message);
    });
    socket.on('error', reject);
  });
}

function openSse(target: string, token: string, onMessage: Arrival): Promise<() => void> {
  return new Promise((resolve, reject) => {
    const request = http.get(target, { headers: { authorization: `Bearer ${token}` } }, (response) => {
      if (response.statusCode !== 200) reject(new Error(`SSE answered ${response.statusCode}`));
      response.setEncoding('utf8');
      let buffer = '';
      response.on('data', (chunk: string) => {
        buffer += chunk;
        let at: number;
        while ((at = buffer.indexOf('\n\n')) !== -1) {
          const data = /^data: (.*)$/m.exec(buffer.slice(0, at))?.[1];
          buffer = buffer.slice(at + 2);
          if (!data) continue;
          const message = JSON.parse(data) as Parameters<Arrival>[0];
          if (message.type === 'stream.ready') resolve(() => request.destroy());
          onMessage(message);
        }
      });
    });
    request.on('error', reject);
  });
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;

function summary(label: string, samples: number[], expected: number): string {
  const sorted = [...samples].sort((a, b) => a - b);
  const ms = (value: number) => `${value.toFixed(1)} ms`.padStart(10);
  return `${label.padEnd(34)} ${String(sorted.length).padStart(4)}/${expected}  p50 ${ms(percentile(sorted, 50))}  p99 ${ms(percentile(sorted, 99))}  max ${ms(sorted.at(-1) ?? Number.NaN)}`;
}

const step = (text: string) => {
  console.error(`[bench:realtime] ${text}`);
};

async function main(): Promise<void> {
  await ensureDatabase(url);
  step('building and starting API process 1 (migrates the database)');
  const redis: Record<string, string> = process.env.REDIS_URL ? { REDIS_URL: process.env.REDIS_URL } : {};
  const servers: RunningServer[] = [];
  const closers: (() => void)[] = [];
  const pool = new pg.Pool({ connectionString: url, max: 2 });
  try {
    servers.push(await startServer(url, 10, { WEB_CONCURRENCY: '1', ...redis }));
    step('creating the bench superuser');
    const created = spawnSync(
      process.execPath,
      [
        'bin/opsdesk.js',
        'createsuperuser',
        '--username',
        USER,
        '--email',
        'rt@bench.test',
        '--password',
        PASSWORD,
        '--no-input',
      ],
      { cwd: repoRoot, env: { ...process.env, DATABASE_URL: url, LOG_LEVEL: 'warn' }, encoding: 'utf8' },
    );
    if (created.status !== 0 && !/exists|ready/i.test(created.stdout + created.stderr))
      throw new Error(`createsuperuser failed: ${created.stdout}${created.stderr}`);
    step('starting API process 2');
    servers.push(await startServer(url, 10, { WEB_CONCURRENCY: '1', ...redis }));
    const [a, b] = servers as [RunningServer, RunningServer];
    const token = await loginAndCreateToken(a.url, USER, PASSWORD);
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };

    // Titles are the correlation key: `<path>:<n>`.
    const sentAt = new Map<string, number>();
    const latencies = new Map<string, number[]>();
    const arrival =
      (client: string): Arrival =>
      (message) => {
        const title = message.payload?.ticket?.title;
        const start = title ? sentAt.get(title) : undefined;
        if (!title || start === undefined) return;
        const key = `${title.split(':')[0]} -> ${client}`;
        latencies.set(key, [...(latencies.get(key) ?? []), performance.now() - start]);
      };
    step('opening the streams');
    const types = 'types=ticket.created,ticket.updated';
    closers.push(
      await openWs(
        `${a.url.replace(/^http/, 'ws')}/api/v2/stream/ws?${types}`,
        token,
        arrival('WebSocket on process 1'),
      ),
    );
    closers.push(await openSse(`${b.url}/api/v2/stream?${types}`, token, arrival('SSE on process 2')));

    const ticket = (await expectOk(
      await fetch(`${a.url}/api/v2/tickets`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ kind: 'incident', title: 'realtime bench' }),
      }),
      'POST /api/v2/tickets',
    )) as { id: number; number: string };
    const pause = () => new Promise((resolve) => setTimeout(resolve, GAP_MS));

    step(`writing ${EVENTS} commits, then ${EVENTS} API creates`);
    for (let i = 0; i < EVENTS; i++) {
      const title = `commit:${i}`;
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const { rows } = await client.query<{
          version: number;
          department_id: number | null;
          reporter_id: number | null;
        }>(
          'UPDATE tickets SET title = $1, version = version + 1 WHERE id = $2 RETURNING version, department_id, reporter_id',
          [title, ticket.id],
        );
        const row = rows[0];
        const snapshot = {
          id: ticket.id,
          number: ticket.number,
          kind: 'incident',
          title,
          status: 'open',
          priority: 'medium',
          department_id: row?.department_id ?? null,
          facility_id: null,
          reporter_id: row?.reporter_id ?? null,
          assignee_id: null,
          version: row?.version ?? 1,
        };
        await client.query(
          `INSERT INTO events (type, subject_type, subject_id, department_id, user_ids, payload)
           VALUES ('ticket.updated', 'ticket', $1, $2, $3, $4)`,
          [
            String(ticket.id),
            row?.department_id ?? null,
            row?.reporter_id ? [row.reporter_id] : [],
            { ticket: snapshot, changes: ['title'] },
          ],
        );
        // An event can arrive before COMMIT's answer is read: such a one counts from just before COMMIT.
        sentAt.set(title, performance.now());
        await client.query('COMMIT');
        sentAt.set(title, performance.now());
      } finally {
        client.release();
      }
      await pause();
    }
    for (let i = 0; i < EVENTS; i++) {
      const title = `api:${i}`;
      sentAt.set(title, performance.now());
      await expectOk(
        await fetch(`${a.url}/api/v2/tickets`, {
          method: 'POST',
          headers,
          body: JSON.stringify({ kind: 'incident', title }),
        }),
        'POST /api/v2/tickets',
      );
      await pause();
    }
    await new Promise((resolve) => setTimeout(resolve, 1_000));

    console.log(
      `\nRealtime latency: ${EVENTS} events per path, ${GAP_MS} ms apart, wakes over ${redis.REDIS_URL ? 'Redis' : 'PostgreSQL NOTIFY'}`,
    );
    for (const path of ['commit', 'api'])
      for (const client of ['WebSocket on process 1', 'SSE on process 2'])
        console.log(
          summary(
            `${path === 'commit' ? 'commit' : 'API write'} -> ${client}`,
            latencies.get(`${path} -> ${client}`) ?? [],
            EVENTS,
          ),
        );
    const p99 = Math.max(
      ...[...latencies.entries()]
        .filter(([key]) => key.startsWith('commit'))
        .map(([, samples]) =>
          percentile(
            [...samples].sort((x, y) => x - y),
            99,
          ),
        ),
    );
    console.log(
      `\ncommit -> arrival p99 ${p99.toFixed(1)} ms (target < 100 ms): ${p99 < 100 ? 'met' : 'NOT met'}`,
    );
  } finally {
    for (const close of closers) close();
    for (const server of servers.reverse()) await server.stop();
    await pool.end();
  }
}

await main();
