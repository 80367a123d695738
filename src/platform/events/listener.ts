import pg from 'pg';
import type { FastifyBaseLogger } from 'fastify';
import { endClient } from '../db/client.ts';
import { EVENTS_CHANNEL } from './outbox.ts';

const RECONNECT_MIN_MS = 100;
const RECONNECT_MAX_MS = 5_000;
const CLOSE_GRACE_MS = 1_000;

/**
 * Why a consumer is woken: an event committed (its id), or the listener (re)connected
 * and may have missed some, so the consumer should read from its own cursor.
 */
export type EventWake = { id: number } | { resync: true };

/**
 * Wakes consumers of the outbox when events commit: one LISTEN connection per process
 * on `opsdesk_events`, reconnecting with backoff. Notifications only say "look now";
 * consumers always read what is new with `readAfter(theirCursor)`, so a lost
 * notification delays them until the next one (or their own poll), never loses an event.
 */
export function createEventListener(options: { pool: pg.Pool; log?: Pick<FastifyBaseLogger, 'warn'> }) {
  const { pool, log } = options;
  const subscribers = new Set<(wake: EventWake) => void>();
  let client: pg.Client | undefined;
  let closing = false;
  let backoff = RECONNECT_MIN_MS;
  let reconnectTimer: NodeJS.Timeout | undefined;

  const tell = (wake: EventWake) => {
    for (const subscriber of subscribers) subscriber(wake);
  };

  function lost(lostClient: pg.Client): void {
    if (client !== lostClient) return;
    client = undefined;
    lostClient.removeAllListeners('notification');
    void endClient(lostClient, CLOSE_GRACE_MS);
    if (closing || reconnectTimer) return;
    log?.warn('event listener lost its connection; reconnecting');
    reconnectTimer = setTimeout(() => {
      reconnectTimer = undefined;
      void connect();
    }, backoff);
    backoff = Math.min(backoff * 2, RECONNECT_MAX_MS);
  }

  async function connect(): Promise<void> {
    const next = new pg.Client({ ...pool.options, keepAlive: true });
    client = next;
    next.on('notification', (notification) => {
      const id = Number(notification.payload);
      if (Number.isSafeInteger(id)) tell({ id });
    });
    next.on('error', () => {
      lost(next);
    });
    next.on('end', () => {
      lost(next);
    });
    try {
      await next.connect();
      await next.query(`LISTEN ${EVENTS_CHANNEL}`);
    } catch (error) {
      log?.warn({ err: error }, 'event listener could not connect; retrying');
      lost(next);
      return;
    }
    if (client !== next || closing) return;
    backoff = RECONNECT_MIN_MS;
    tell({ resync: true });
  }

  return {
    /** Calls `subscriber` at every wake; answers a function that unsubscribes. */
    subscribe(subscriber: (wake: EventWake) => void): () => void {
      subscribers.add(subscriber);
      return () => subscribers.delete(subscriber);
    },

    /** Connects; a failure is logged and retried in the background, never fatal. */
    async start(): Promise<void> {
      closing = false;
      await connect();
    },

    async close(): Promise<void> {
      closing = true;
      clearTimeout(reconnectTimer);
      reconnectTimer = undefined;
      const current = client;
      client = undefined;
      if (current) await endClient(current, CLOSE_GRACE_MS);
    },
  };
}

export type EventListener = ReturnType<typeof createEventListener>;
