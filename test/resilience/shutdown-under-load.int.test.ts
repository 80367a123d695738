import http from 'node:http';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../helpers/database.ts';
import { login, startServer, waitUntil, type ServerProcess } from './helpers.ts';

const DRAIN_DELAY_MS = 3000;

interface Outcome {
  started: number;
  status?: number;
  error?: string;
}

/** Keeps `concurrency` keep-alive clients requesting `url` until `stop()`; every outcome is kept. */
function steadyLoad(url: string, headers: Record<string, string>, concurrency: number) {
  const outcomes: Outcome[] = [];
  let running = true;
  const clients = Array.from({ length: concurrency }, async () => {
    while (running) {
      const outcome: Outcome = { started: Date.now() };
      outcomes.push(outcome);
      try {
        const response = await fetch(url, { headers, signal: AbortSignal.timeout(20_000) });
        await response.arrayBuffer();
        outcome.status = response.status;
      } catch (error) {
        const cause = (error as { cause?: { code?: string } }).cause;
        outcome.error = cause?.code ?? String(error);
      }
    }
  });
  return {
    outcomes,
    async stop() {
      running = false;
      await Promise.all(clients);
    },
  };
}

/** Whether a new TCP connection to `port` is accepted. */
const accepts = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => {
      resolve(false);
    });
  });

/**
 * SIGTERM under steady load, as Kubernetes sends it: readiness answers 503 at once while
 * requests are still served for the drain delay (the load balancer stops sending within
 * it); then the listener closes, requests in flight finish (one is still uploading its
 * body), idle keep-alive sockets are closed, and the process exits 0. No request fails.
 */
describe('shutdown under load', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let server: ServerProcess | undefined;
  let headers: Record<string, string>;

  beforeAll(async () => {
    database = await createTestDatabase();
    server = await startServer({
      DATABASE_URL: database.url,
      SEED_DEMO: 'true',
      LOG_LEVEL: 'info',
      RATE_LIMIT_PER_MINUTE: '0',
      LOGIN_RATE_LIMIT_PER_MINUTE: '0',
      SHUTDOWN_DRAIN_DELAY_MS: String(DRAIN_DELAY_MS),
      SHUTDOWN_TIMEOUT_MS: '20000',
    });
    headers = await login(server.url, 'admin', 'opsdesk-demo-lantern');
  });

  afterAll(async () => {
    await server?.stop('SIGKILL');
    await database.drop();
  });

  it('turns unready at once, serves through the drain, finishes in-flight requests and exits 0', async () => {
    const { url } = server as ServerProcess;
    const port = Number(new URL(url).port);
    const load = steadyLoad(`${url}/api/service-tickets/`, headers, 8);
    await waitUntil('the load is flowing', () =>
      Promise.resolve(load.outcomes.filter((outcome) => outcome.status === 200).length >= 20),
    );

    // A keep-alive connection left idle: the shutdown closes it instead of waiting for its timeout.
    const idle = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const idleClosed = new Promise<void>((resolve) => {
      http.get(`${url}/health/live`, { agent: idle }, (response) => {
        response.resume();
        response.socket.once('close', () => {
          resolve();
        });
      });
    });

    // A login whose body is half sent when the signal comes, and the rest after the listener closed.
    const body = JSON.stringify({ username: 'admin', password: 'opsdesk-demo-lantern' });
    const slow = http.request(`${url}/api/auth/login/`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(body),
        'x-csrftoken': headers['x-csrftoken'],
        cookie: `csrftoken=${headers['x-csrftoken']}`,
      },
    });
    const slowAnswer = new Promise<{ status?: number; error?: string }>((resolve) => {
      slow.on('response', (response) => {
        response.resume();
        response.on('end', () => {
          resolve({ status: response.statusCode });
        });
      });
      slow.on('error', (error: NodeJS.ErrnoException) => {
        resolve({ error: error.code ?? error.message });
      });
    });
    slow.write(body.slice(0, 10));
    await sleep(200);

    const exited = (server as ServerProcess).stop('SIGTERM', 40_000);
    await waitUntil(
      'readiness answers 503',
      async () => (await fetch(`${url}/health/ready`)).status === 503,
      DRAIN_DELAY_MS,
    );
    const unready = Date.now();
    // The load balancer takes the process out of rotation well within the drain delay.
    await sleep(DRAIN_DELAY_MS - 1000);
    await load.stop();

    await waitUntil('the listener is closed', async () => !(await accepts(port)), 20_000);
    slow.end(body.slice(10));
    expect(await slowAnswer).toEqual({ status: 200 });
    await idleClosed;

    const exit = await exited;
    server = undefined;
    expect(exit.code).toBe(0);
    expect(exit.output).not.toMatch(/uncaught/i);

    // Requests kept being served after readiness said 503, and not one failed.
    expect(load.outcomes.filter((o) => o.started > unready && o.status === 200).length).toBeGreaterThan(0);
    expect(load.outcomes.filter((o) => o.status !== 200)).toEqual([]);
  });
});
