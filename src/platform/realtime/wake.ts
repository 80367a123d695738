import pg from 'pg';
import type { Redis } from 'ioredis';
import type { FastifyBaseLogger } from 'fastify';
import { endClient } from '../db/client.ts';
import { createEventListener, EVENTS_CHANNEL, type EventWake } from '../events/index.ts';

/** Tells the stream hub "look now": an event committed somewhere, or wakes may have been missed. */
export interface WakeSource {
  subscribe(subscriber: (wake: EventWake) => void): () => void;
  start(): Promise<void>;
  close(): Promise<void>;
}

type Log = Pick<FastifyBaseLogger, 'warn' | 'info'>;

/** The default: every API process LISTENs on the outbox's NOTIFY channel itself. */
export function postgresWakes(pool: pg.Pool, log?: Log): WakeSource {
  return createEventListener({ pool, log });
}

/** How often a process that is not the relay asks for the relay's lock (it frees when the relay dies). */
const RELAY_RETRY_MS = 2_000;
const CLOSE_GRACE_MS = 1_000;
/** An arbitrary constant: the advisory lock key only one process holds, the relay. */
const RELAY_LOCK = 0x6f707364;

/**
 * With Redis: one process per database (whoever holds an advisory lock, taken over
 * within RELAY_RETRY_MS when it dies) LISTENs to PostgreSQL and republishes each
 * event id on a Redis channel; every process subscribes to that channel. PostgreSQL
 * then holds one listening connection instead of one per process. The channel is named
 * after the database, so deployments (or test databases) sharing a Redis never mix ids.
 */
export function redisWakes(options: { pool: pg.Pool; redis: Redis; log?: Log }): WakeSource {
  const { pool, redis, log } = options;
  const subscribers = new Set<(wake: EventWake) => void>();
  const tell = (wake: EventWake) => {
    for (const subscriber of subscribers) subscriber(wake);
  };
  // A subscribed connection can send nothing else, and must queue SUBSCRIBE until it is connected.
  const subscriber = redis.duplicate({ enableOfflineQueue: true, commandTimeout: undefined });
  subscriber.on('error', () => undefined);
  subscriber.on('ready', () => {
    tell({ resync: true });
  });
  subscriber.on('message', (_channel: string, message: string) => {
    const id = Number(message);
    if (Number.isSafeInteger(id)) tell({ id });
  });
  let channel = 'opsdesk:events';
  let relay: pg.Client | undefined;
  let retry: NodeJS.Timeout | undefined;
  let closing = false;

  function lost(client: pg.Client): void {
    if (relay !== client) return;
    relay = undefined;
    client.removeAllListeners('notification');
    void endClient(client, CLOSE_GRACE_MS);
    log?.warn('realtime relay lost its database connection; another process takes over');
    schedule();
  }

  function schedule(): void {
    if (closing || retry) return;
    retry = setTimeout(() => {
      retry = undefined;
      void tryToRelay();
    }, RELAY_RETRY_MS);
  }

  async function tryToRelay(): Promise<void> {
    const client = new pg.Client({ ...pool.options, keepAlive: true });
    client.on('error', () => {
      lost(client);
    });
    try {
      await client.connect();
      const { rows } = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1) AS locked', [
        RELAY_LOCK,
      ]);
      if (!rows[0]?.locked || closing) {
        await endClient(client, CLOSE_GRACE_MS);
        schedule();
        return;
      }
      relay = client;
      client.on('end', () => {
        lost(client);
      });
      client.on('notification', (notification) => {
        if (notification.payload) redis.publish(channel, notification.payload).catch(() => undefined);
      });
      await client.query(`LISTEN ${EVENTS_CHANNEL}`);
      // Whatever committed while nobody relayed: subscribers read from their own cursor.
      tell({ resync: true });
    } catch (error) {
      log?.warn({ err: error }, 'realtime relay could not connect; retrying');
      if (relay === client) lost(client);
      else {
        await endClient(client, CLOSE_GRACE_MS);
        schedule();
      }
    }
  }

  return {
    subscribe(callback) {
      subscribers.add(callback);
      return () => subscribers.delete(callback);
    },
    async start() {
      closing = false;
      channel = `opsdesk:events:${pool.options.database ?? new URL(pool.options.connectionString ?? 'postgres://x/').pathname.slice(1)}`;
      // Not awaited: with Redis down at boot, the subscription waits for it in the background.
      subscriber.subscribe(channel).catch((error: unknown) => {
        log?.warn({ err: error }, 'realtime could not subscribe to Redis; it keeps trying');
      });
      await tryToRelay();
    },
    async close() {
      closing = true;
      clearTimeout(retry);
      retry = undefined;
      const current = relay;
      relay = undefined;
      if (current) await endClient(current, CLOSE_GRACE_MS);
      subscriber.disconnect();
    },
  };
}
