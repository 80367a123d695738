import fs from 'node:fs/promises';
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../helpers/database.ts';
import { startServer, waitUntil, type ServerProcess } from './helpers.ts';

/** The Opsdesk processes `pid` forked, with the command each runs (`serve` or `worker`). */
async function childrenOf(pid: number): Promise<{ pid: number; command: string }[]> {
  const children: { pid: number; command: string }[] = [];
  for (const entry of await fs.readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await fs.readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    // The parent pid is the second field after the parenthesised command name.
    const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (parent !== pid) continue;
    const argv = (await fs.readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '')).split('\0');
    if (!argv.some((arg) => arg.endsWith('opsdesk.js'))) continue;
    children.push({ pid: Number(entry), command: argv.filter(Boolean).at(-1) ?? '' });
  }
  return children;
}

const isRunning = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** GET on a connection of its own, as separate clients would (the primary deals out connections). */
const getOnNewConnection = (url: string) =>
  new Promise<{ status: number; body: string }>((resolve, reject) => {
    http
      .get(url, { agent: false }, (response) => {
        let body = '';
        response.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
        response.on('end', () => {
          resolve({ status: response.statusCode ?? 0, body });
        });
      })
      .on('error', reject);
  });

/** The pids whose `http_requests_total` for `route` is above zero in the group's /metrics. */
function pidsThatServed(metrics: string, route: string): Set<string> {
  const pids = new Set<string>();
  for (const line of metrics.split('\n')) {
    if (!line.startsWith('http_requests_total{') || !line.includes(`route="${route}"`)) continue;
    const pid = /pid="(\d+)"/.exec(line)?.[1];
    if (pid && Number(line.split(' ').at(-1)) > 0) pids.add(pid);
  }
  return pids;
}

/**
 * `opsdesk serve` with WEB_CONCURRENCY=2, as real processes: two API processes share the
 * port, one job worker runs beside them, a killed API process is replaced while the
 * other keeps serving, and SIGTERM to the primary stops the whole group cleanly.
 */
describe('serve as a cluster', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let server: ServerProcess | undefined;

  beforeAll(async () => {
    database = await createTestDatabase();
    server = await startServer({
      DATABASE_URL: database.url,
      WEB_CONCURRENCY: '2',
      SEED_DEMO: 'true',
      LOG_LEVEL: 'info',
      RATE_LIMIT_PER_MINUTE: '0',
      SHUTDOWN_TIMEOUT_MS: '15000',
    });
  }, 120_000);

  afterAll(async () => {
    if (server) {
      const pids = (await childrenOf(server.pid)).map((child) => child.pid);
      await server.stop('SIGKILL');
      for (const pid of pids) if (isRunning(pid)) process.kill(pid, 'SIGKILL');
    }
    await database.drop();
  });

  it('serves from two API processes with one job worker beside them', async () => {
    const { url, pid } = server as ServerProcess;
    expect(server?.output()).toContain('2 API processes + 1 job worker');
    const children = await childrenOf(pid);
    expect(children.map((child) => child.command).sort()).toEqual(['serve', 'serve', 'worker']);

    for (let i = 0; i < 20; i++) expect((await getOnNewConnection(`${url}/health/live`)).status).toBe(200);
    const metrics = await getOnNewConnection(`${url}/metrics`);
    expect(metrics.status).toBe(200);
    const api = children.filter((child) => child.command === 'serve').map((child) => String(child.pid));
    expect([...pidsThatServed(metrics.body, '/health/live')].sort()).toEqual(api.sort());
    // The job worker reports its process metrics in the same scrape.
    const worker = children.find((child) => child.command === 'worker');
    expect(metrics.body).toContain(`process_resident_memory_bytes{pid="${worker?.pid}"}`);
  });

  it('keeps answering when an API process is killed, and replaces it', async () => {
    const { url, pid } = server as ServerProcess;
    const before = await childrenOf(pid);
    const victim = before.find((child) => child.command === 'serve');
    process.kill(victim?.pid ?? 0, 'SIGKILL');
    await waitUntil('the killed process is gone', () => Promise.resolve(!isRunning(victim?.pid ?? 0)));

    for (let i = 0; i < 10; i++) expect((await getOnNewConnection(`${url}/api/health/`)).status).toBe(200);

    await waitUntil(
      'a new API process serves',
      async () => {
        const serving = (await childrenOf(pid)).filter((child) => child.command === 'serve');
        if (serving.length !== 2 || serving.some((child) => child.pid === victim?.pid)) return false;
        for (let i = 0; i < 6; i++) await getOnNewConnection(`${url}/health/live`);
        const metrics = (await getOnNewConnection(`${url}/metrics`)).body;
        return serving.every((child) => pidsThatServed(metrics, '/health/live').has(String(child.pid)));
      },
      90_000,
    );
    expect((await childrenOf(pid)).filter((child) => child.command === 'worker')).toHaveLength(1);
  }, 120_000);

  it('stops every process on SIGTERM to the primary, exits 0 and leaves none behind', async () => {
    const running = server as ServerProcess;
    const children = await childrenOf(running.pid);
    expect(children).toHaveLength(3);
    const exit = await running.stop('SIGTERM', 30_000);
    server = undefined;
    // Past SHUTDOWN_TIMEOUT_MS the primary would exit 1.
    expect(exit.code).toBe(0);
    expect(exit.output).toContain('group shut down');
    for (const child of children) expect(isRunning(child.pid)).toBe(false);
  }, 60_000);
});
