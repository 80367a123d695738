import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { LRUCache } from 'lru-cache';
import type pg from 'pg';
import type { Logger } from 'pino';
import type { Database, Transaction } from '../db/client.ts';
import { createListenClient } from '../db/listen.ts';

const CHANNEL = 'opsdesk_invalidate';
const ACK_CHANNEL = 'opsdesk_invalidate_ack';
/** The application_name a listener connection takes once it listens: how a publisher finds every listener. */
const LISTENER_PREFIX = 'opsdesk-listener:';
/** How long a publisher waits for every listener to confirm; past it the request returns and a warning is logged. */
const ACK_TIMEOUT_MS = 2_000;

/** What changed: keys such as `user:12`, or everything (this process lost sight of changes). */
export type Invalidated = readonly string[] | 'everything';

/** Publishes `keys` from inside `tx`: PostgreSQL sends the message when (and only if) `tx` commits. */
export type Invalidate = (keys: readonly string[]) => Promise<void>;

interface Message {
  id: string;
  keys: string[];
}

/**
 * Cross-process cache invalidation over PostgreSQL LISTEN/NOTIFY.
 *
 * Every API process holds one dedicated connection that LISTENs on a channel; a write
 * that makes cached data stale publishes the keys it touched with `pg_notify` inside its
 * own transaction, so the message leaves at commit and never for a rolled-back change.
 *
 * "Before the request returns": `transaction()` applies the keys to this process's
 * caches at once after commit, then waits until every listening process has confirmed
 * (each listener applies the message, then answers on an ack channel). The publisher
 * learns who listens from `pg_stat_activity`: a listener takes its application_name only
 * once LISTEN is in place. So when the writing request returns, every connected process
 * has already dropped the stale entries, and the next request anywhere sees the change.
 * What is left: a listener that does not confirm within ACK_TIMEOUT_MS (its process is
 * stalled, or its connection died and PostgreSQL has not noticed yet) is logged and not
 * waited for; its entries go at its reconnect or at their TTL, which is why every cache
 * built on this bus keeps a short TTL as a safety net. A request that was already being
 * served when the change committed may finish with what it read before.
 *
 * While its connection is down, a process cannot hear changes: `trusted` is false, every
 * subscriber is told to drop everything, and caches must neither serve nor store until
 * the connection is back (reconnects with backoff). `epoch` moves at every invalidation,
 * so a value read from the database before a change and stored after it is recognised:
 * store only if the epoch has not moved since the read began.
 *
 * A process that never calls `start()` (CLI, job worker) still publishes, but neither
 * listens nor waits, and its caches are never trusted.
 */
export function createInvalidationBus(options: { pool: pg.Pool; log?: Logger }) {
  const { pool, log } = options;
  const listenerId = randomUUID();
  const subscribers: ((invalidated: Invalidated) => void)[] = [];
  /** Who confirmed each message this process published, for the publisher to wait on. */
  const acks = new LRUCache<string, Set<string>>({ max: 10_000, ttl: 60_000 });
  const ackWaiters = new Map<string, () => void>();
  let epoch = 0;
  let sequence = 0;

  function apply(invalidated: Invalidated): void {
    epoch += 1;
    for (const subscriber of subscribers) subscriber(invalidated);
  }

  function onNotification(notification: pg.Notification, from: pg.Client): void {
    if (!notification.payload) return;
    if (notification.channel === CHANNEL) {
      const message = JSON.parse(notification.payload) as Message;
      apply(message.keys);
      from
        .query('SELECT pg_notify($1, $2)', [ACK_CHANNEL, JSON.stringify({ id: message.id, by: listenerId })])
        .catch(() => undefined);
    } else if (notification.channel === ACK_CHANNEL) {
      const ack = JSON.parse(notification.payload) as { id: string; by: string };
      if (!ack.id.startsWith(listenerId)) return;
      const confirmed = acks.get(ack.id) ?? new Set<string>();
      confirmed.add(ack.by);
      acks.set(ack.id, confirmed);
      ackWaiters.get(ack.id)?.();
    }
  }

  const connection = createListenClient({
    pool,
    name: 'invalidation listener',
    log,
    setup: async (client) => {
      await client.query(`LISTEN ${CHANNEL}; LISTEN ${ACK_CHANNEL}`);
      await client.query(`SELECT set_config('application_name', $1, false)`, [
        `${LISTENER_PREFIX}${listenerId}`,
      ]);
    },
    onNotification,
    // Anything cached before this point was cached while changes could be missed.
    onConnected: () => {
      apply('everything');
    },
    onLost: ({ wasConnected, error }) => {
      if (wasConnected)
        log?.warn(
          { err: error },
          'invalidation listener lost its connection; caches bypassed until it is back',
        );
      apply('everything');
    },
  });

  async function listeners(): Promise<string[]> {
    const { rows } = await pool.query<{ id: string }>(
      `SELECT substr(application_name, $1) AS id FROM pg_stat_activity
        WHERE datname = current_database() AND application_name LIKE $2`,
      [LISTENER_PREFIX.length + 1, `${LISTENER_PREFIX}%`],
    );
    return rows.map((row) => row.id);
  }

  /** Resolves once every process listening now has confirmed `id`, or after ACK_TIMEOUT_MS. */
  async function confirmed(id: string): Promise<void> {
    if (!connection.connected) return;
    const expected = await listeners();
    const missing = () => expected.filter((listener) => !acks.get(id)?.has(listener));
    if (missing().length === 0) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        ackWaiters.delete(id);
        log?.warn(
          { message: id, missing: missing() },
          'invalidation not confirmed by every listener in time',
        );
        resolve();
      }, ACK_TIMEOUT_MS);
      ackWaiters.set(id, () => {
        if (missing().length > 0) return;
        clearTimeout(timer);
        ackWaiters.delete(id);
        resolve();
      });
    });
  }

  return {
    /** Caches may serve and store only while this is true. */
    get trusted(): boolean {
      return connection.connected;
    },

    /** Moves at every invalidation; compare before and after a read to know it may be stored. */
    get epoch(): number {
      return epoch;
    },

    subscribe(subscriber: (invalidated: Invalidated) => void): void {
      subscribers.push(subscriber);
    },

    /**
     * Runs `work` in a transaction; the keys it passes to `invalidate` are dropped from
     * every process's caches before this resolves (see above for the limits).
     */
    async transaction<T>(
      db: Database,
      work: (tx: Transaction, invalidate: Invalidate) => Promise<T>,
    ): Promise<T> {
      const published: Message[] = [];
      const result = await db.transaction((tx) =>
        work(tx, async (keys) => {
          sequence += 1;
          const message: Message = { id: `${listenerId}.${sequence}`, keys: [...keys] };
          await tx.execute(sql`SELECT pg_notify(${CHANNEL}, ${JSON.stringify(message)})`);
          published.push(message);
        }),
      );
      for (const message of published) apply(message.keys);
      await Promise.all(published.map((message) => confirmed(message.id)));
      return result;
    },

    /** Connects the listener; a failure is logged and retried in the background, never fatal. */
    start: () => connection.start(),

    close: () => connection.close(),
  };
}

export type InvalidationBus = ReturnType<typeof createInvalidationBus>;
