import { Redis } from 'ioredis';
import { Counter, Gauge, type Metric } from 'prom-client';

/** Longest wait for a connection, and for any one command, before Opsdesk goes on without Redis. */
const CONNECT_TIMEOUT_MS = 1000;
const COMMAND_TIMEOUT_MS = 500;
/** After a failed command, Redis is left alone this long (a blackholed server answers nothing). */
const PAUSE_AFTER_FAILURE_MS = 5000;

/**
 * A client that fails fast instead of queueing: Redis is an accelerator here, never a
 * dependency a request waits for. Commands sent while disconnected fail at once, a
 * command with no answer fails after COMMAND_TIMEOUT_MS, and the client keeps
 * reconnecting in the background (backing off up to 5 s) for as long as the process runs.
 */
export function connectRedis(url: string): Redis {
  const client = new Redis(url, {
    connectTimeout: CONNECT_TIMEOUT_MS,
    commandTimeout: COMMAND_TIMEOUT_MS,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: (attempt) => Math.min(100 * 2 ** attempt, 5000),
  });
  // Outages are reported once each by watchRedis; ioredis would repeat them per attempt.
  client.on('error', () => undefined);
  return client;
}

interface Log {
  warn(details: object, message: string): void;
  info(details: object, message: string): void;
}

export interface RedisLink {
  client: Redis;
  /** Whether to use Redis now: connected, and no command failed in the last few seconds. */
  usable(): boolean;
  /** Records that `use` went on in-process because Redis failed or was down. */
  fellBack(use: string, error?: unknown): void;
  /** Records a command that worked (ends an outage that no reconnect announced). */
  worked(): void;
  /** `opsdesk_redis_up` and `opsdesk_redis_fallbacks_total`, for the /metrics registry. */
  metrics: Metric[];
}

/**
 * Follows the health of a Redis connection: one warning when an outage starts (not one
 * per request or reconnect attempt), one line when Redis is back, and the metrics that
 * let an operator alert on both.
 */
export function watchRedis(client: Redis, log: Log): RedisLink {
  let down = false;
  let pausedUntil = 0;
  const outage = (reason: string) => {
    if (down) return;
    down = true;
    log.warn({ reason }, 'Redis unavailable: rate limits fall back to in-process until it is back');
  };
  client.on('error', (error: Error) => {
    outage(error.message);
  });
  client.on('close', () => {
    outage('connection closed');
  });
  const back = () => {
    pausedUntil = 0;
    if (!down) return;
    down = false;
    log.info({}, 'Redis is back: rate limits are shared again');
  };
  client.on('ready', back);

  const fallbacks = new Counter({
    name: 'opsdesk_redis_fallbacks_total',
    help: 'Operations that went on in-process because Redis was unavailable',
    labelNames: ['use'],
    registers: [],
  });
  const usable = () => client.status === 'ready' && Date.now() >= pausedUntil;
  const up = new Gauge({
    name: 'opsdesk_redis_up',
    help: '1 while Redis is connected and answering, 0 during an outage',
    registers: [],
    collect() {
      this.set(usable() ? 1 : 0);
    },
  });

  return {
    client,
    usable,
    fellBack(use, error) {
      fallbacks.inc({ use });
      if (error === undefined) return;
      pausedUntil = Date.now() + PAUSE_AFTER_FAILURE_MS;
      outage(error instanceof Error ? error.message : 'command failed');
    },
    worked() {
      if (down) back();
    },
    metrics: [up, fallbacks],
  };
}
