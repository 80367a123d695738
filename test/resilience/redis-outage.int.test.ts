import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomInt } from 'node:crypto';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectRedis, watchRedis } from '../../src/platform/cache/redis.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';

const hasRedisServer = spawnSync('redis-server', ['--version']).status === 0;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => {
        resolve(port);
      });
    });
  });
}

/** A Redis of this test's own (the machine's shared one must never be stopped). */
async function startRedis(port: number): Promise<ChildProcess> {
  const child = spawn('redis-server', ['--port', String(port), '--save', '', '--appendonly', 'no'], {
    stdio: 'ignore',
  });
  await until('redis-server to listen', async () => {
    const socket = net.connect(port, '127.0.0.1');
    return new Promise<true | undefined>((resolve) => {
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => {
        resolve(undefined);
      });
    });
  });
  return child;
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}

async function until<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** A client address of its own, so counters never carry over between checks. */
const clientIp = () => `10.${randomInt(255)}.${randomInt(255)}.${randomInt(1, 255)}`;

describe.runIf(hasRedisServer)('Redis going away and coming back', () => {
  let port: number;
  let redisServer: ChildProcess;
  let t: TestApp;

  beforeAll(async () => {
    port = await freePort();
    redisServer = await startRedis(port);
    t = await createTestApp({
      REDIS_URL: `redis://127.0.0.1:${port}`,
      RATE_LIMIT_PER_MINUTE: '5',
      TRUST_PROXY: '1',
    });
  });
  afterAll(async () => {
    await t.close();
    await stop(redisServer);
  });

  const get = async (url: string, ip = clientIp()) => {
    const started = Date.now();
    const response = await t.app.inject({ method: 'GET', url, headers: { 'x-forwarded-for': ip } });
    return Object.assign(response, { elapsedMs: Date.now() - started });
  };
  const burst = async (ip: string) => {
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await get('/api/', ip)).statusCode);
    return statuses;
  };
  const rateKeysInRedis = () =>
    spawnSync('redis-cli', ['-p', String(port), '--scan', '--pattern', 'opsdesk:rate:*'], {
      encoding: 'utf8',
    }).stdout.trim();

  it('serves, limits in-process and reports degraded while Redis is down, then recovers', async () => {
    expect((await get('/health/ready')).json()).toMatchObject({ status: 'ok', redis: 'ok' });
    expect(await burst(clientIp())).toEqual([200, 200, 200, 200, 200, 429]);
    expect(rateKeysInRedis()).not.toBe('');

    const logged: string[] = [];
    const log = (level: string) => (_details: object, message: string) => logged.push(`${level}: ${message}`);
    const watched = connectRedis(`redis://127.0.0.1:${port}`);
    watchRedis(watched, { warn: log('warn'), info: log('info') });
    await until('a second client', async () => (watched.status === 'ready' ? true : undefined));

    await stop(redisServer);

    // Bounds far below the Redis client's own connect timeout (10 s): nothing waits for the dead server.
    const live = await get('/health/live');
    expect(live.statusCode).toBe(200);
    expect(live.elapsedMs).toBeLessThan(5000);
    // The server's client learns of the outage from its socket, a moment after the stop.
    await until('readiness to see Redis gone', async () => {
      const response = await get('/health/ready');
      return response.json<{ redis: string }>().redis === 'degraded' ? response : undefined;
    });
    const ready = await get('/health/ready');
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toMatchObject({ status: 'ok', database: 'ok', redis: 'degraded' });
    expect(ready.elapsedMs).toBeLessThan(5000);

    const limited = await burst(clientIp());
    expect(limited).toEqual([200, 200, 200, 200, 200, 429]);

    const metrics = (await get('/metrics')).body;
    expect(metrics).toMatch(/^opsdesk_redis_up 0$/m);
    expect(metrics).toMatch(/^opsdesk_redis_fallbacks_total\{use="rate_limit"\} ([6-9]|\d\d+)$/m);

    redisServer = await startRedis(port);
    await until('readiness to see Redis again', async () => {
      const response = await get('/health/ready');
      return response.json<{ redis: string }>().redis === 'ok' ? true : undefined;
    });
    expect(rateKeysInRedis()).toBe('');
    expect(await burst(clientIp())).toEqual([200, 200, 200, 200, 200, 429]);
    expect(rateKeysInRedis()).not.toBe('');
    expect((await get('/metrics')).body).toMatch(/^opsdesk_redis_up 1$/m);

    await until('the second client to reconnect', async () =>
      watched.status === 'ready' ? true : undefined,
    );
    watched.disconnect();
    // One line when the outage began, however many reconnect attempts failed; one when it ended.
    expect(logged).toEqual([
      expect.stringMatching(/^warn: Redis unavailable/),
      expect.stringMatching(/^info: Redis is back/),
    ]);
  }, 60_000);
});
