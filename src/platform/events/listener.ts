import type pg from 'pg';
import type { FastifyBaseLogger } from 'fastify';
import { createListenClient } from '../db/listen.ts';
import { EVENTS_CHANNEL } from './outbox.ts';

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

  const tell = (wake: EventWake) => {
    for (const subscriber of subscribers) subscriber(wake);
  };

  const connection = createListenClient({
    pool,
    name: 'event listener',
    log,
    setup: (client) => client.query(`LISTEN ${EVENTS_CHANNEL}`),
    onNotification: (notification) => {
      const id = Number(notification.payload);
      if (Number.isSafeInteger(id)) tell({ id });
    },
    onConnected: () => {
      tell({ resync: true });
    },
    onLost: ({ reconnecting, error }) => {
      if (reconnecting) log?.warn({ err: error }, 'event listener lost its connection; reconnecting');
    },
  });

  return {
    /** Calls `subscriber` at every wake; answers a function that unsubscribes. */
    subscribe(subscriber: (wake: EventWake) => void): () => void {
      subscribers.add(subscriber);
      return () => subscribers.delete(subscriber);
    },

    /** Connects; a failure is logged and retried in the background, never fatal. */
    start: () => connection.start(),

    close: () => connection.close(),
  };
}

export type EventListener = ReturnType<typeof createEventListener>;
