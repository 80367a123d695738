import pg from 'pg';
import type { Logger } from 'pino';
import { endClient } from './client.ts';

const RECONNECT_MIN_MS = 100;
const RECONNECT_MAX_MS = 5_000;
/** How long a listener connection may take to say goodbye before its socket is cut (server unreachable). */
const CLOSE_GRACE_MS = 1_000;

export interface ListenOptions {
  pool: pg.Pool;
  /** What the connection is, for the log: "event listener". */
  name: string;
  log?: Pick<Logger, 'warn'> | undefined;
  /** Runs on every new connection before it counts as connected: its LISTEN statements and the like. */
  setup: (client: pg.Client) => Promise<unknown>;
  /** A notification, and the connection it came on (to answer on). */
  onNotification: (notification: pg.Notification, client: pg.Client) => void;
  /** The connection is (again) in place: notifications sent while it was down are lost. */
  onConnected: () => void;
  /**
   * The connection went away: `wasConnected` unless it never got through `setup`;
   * `reconnecting` unless the client is closing or a reconnect is already due; `error`
   * when the connection failed rather than ended.
   */
  onLost: (lost: { wasConnected: boolean; reconnecting: boolean; error?: unknown }) => void;
}

/**
 * One dedicated PostgreSQL connection that LISTENs, outside the pool (a pooled
 * connection would carry the LISTEN to whoever borrows it next). When it fails or
 * ends it is dropped and a new one connects with backoff, until `close()`.
 */
export function createListenClient(options: ListenOptions) {
  const { pool, name, log, setup, onNotification, onConnected, onLost } = options;
  let client: pg.Client | undefined;
  let connected = false;
  let closing = false;
  let backoff = RECONNECT_MIN_MS;
  let reconnectTimer: NodeJS.Timeout | undefined;

  function lost(lostClient: pg.Client, error?: unknown): void {
    if (client !== lostClient) return;
    client = undefined;
    lostClient.removeAllListeners('notification');
    void endClient(lostClient, CLOSE_GRACE_MS);
    const wasConnected = connected;
    connected = false;
    const reconnecting = !closing && !reconnectTimer;
    onLost({ wasConnected, reconnecting, error });
    if (!reconnecting) return;
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
      onNotification(notification, next);
    });
    next.on('error', (error) => {
      lost(next, error);
    });
    next.on('end', () => {
      lost(next);
    });
    try {
      await next.connect();
      await setup(next);
    } catch (error) {
      log?.warn({ err: error }, `${name} could not connect; retrying`);
      lost(next);
      return;
    }
    if (client !== next || closing) return;
    connected = true;
    backoff = RECONNECT_MIN_MS;
    onConnected();
  }

  return {
    /** Whether the connection is in place and listening. */
    get connected(): boolean {
      return connected;
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
      connected = false;
      if (current) await endClient(current, CLOSE_GRACE_MS);
    },
  };
}
