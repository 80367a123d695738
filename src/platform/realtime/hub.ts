import { min } from 'drizzle-orm';
import type { Actor } from '../auth/actor.ts';
import type { Database } from '../db/client.ts';
import { domainEvents, type StoredEvent } from '../events/events.tables.ts';
import { latestEventId, readAfter, type EventWake } from '../events/index.ts';
import { control, serializeEvent } from './messages.ts';
import type { CloseReason, RealtimeMetrics } from './metrics.ts';
import type { Transport } from './transports.ts';
import type { Visibility } from './visibility.ts';
import type { WakeSource } from './wake.ts';

export interface StreamLimits {
  heartbeatMs: number;
  /** Bytes a client may leave unread before it is dropped as a slow consumer. */
  maxBufferBytes: number;
  /** Largest event message sent whole; a WebSocket client message above it closes with 1009. */
  maxMessageBytes: number;
}

/** Events read per query, live and when replaying. */
const BATCH = 500;
/** Events waiting for their visibility check, per stream, before it counts as a slow consumer. */
const MAX_PENDING = 1_000;
/** A missed wake (Redis down, a NOTIFY lost) costs at most this delay. */
const POLL_MS = 5_000;

/** One open stream. */
export interface Stream {
  actor: Actor;
  /** Resolves the stream's credential again: its actor now, or undefined once it was revoked. */
  readonly recheck: () => Promise<Actor | undefined>;
  readonly types: ReadonlySet<string> | undefined;
  readonly transport: Transport;
  /** Highest event id looked at for this stream (sent or not). */
  cursor: number;
  replaying: boolean;
  pending: number;
  queue: Promise<void>;
}

export interface OpenRequest {
  actor: Actor;
  recheck: () => Promise<Actor | undefined>;
  types: ReadonlySet<string> | undefined;
  transport: Transport;
  /** `Last-Event-ID` as the client sent it, if it did. */
  lastEventId: string | undefined;
}

/**
 * The fan-out of one process: it reads each batch of new events once, whoever listens,
 * and hands each open stream the ones its filter and its actor's visibility let
 * through, in id order. A stream that resumes replays from the outbox on its own
 * cursor until it has caught up with the live batches, then joins them.
 */
export function createStreamHub(deps: {
  db: Database;
  wakes: WakeSource;
  visibility: Visibility;
  limits: StreamLimits;
  metrics: RealtimeMetrics;
  log: { warn(details: object, message: string): void };
}) {
  const { db, wakes, visibility, limits, metrics, log } = deps;
  const streams = new Set<Stream>();
  let cursor = 0;
  /** False until the newest id was read once (the database may be down at boot). */
  let known = false;
  let reading = false;
  let again = false;
  let timers: NodeJS.Timeout[] = [];
  let unsubscribe: (() => void) | undefined;

  // Functions, not inline reads: both change while this code awaits.
  const isClosed = (stream: Stream) => stream.transport.closed;
  const wokenMeanwhile = () => again;

  function drop(stream: Stream, reason: CloseReason, message: string): void {
    if (stream.transport.closed) return;
    metrics.drops.inc({ transport: stream.transport.kind, reason });
    stream.transport.close(reason, message);
  }

  /** Sends `event` if the stream wants and may see it and has room for it; drops the stream when it has not. */
  async function deliver(stream: Stream, event: StoredEvent): Promise<void> {
    if (stream.transport.closed) return;
    if (stream.types && !stream.types.has(event.type)) return;
    let visible: boolean;
    try {
      visible = await visibility.canSee(stream.actor, event);
    } catch (error) {
      log.warn({ err: error, event: event.id }, 'visibility check failed; event withheld');
      visible = false;
    }
    // The client may have gone while the check ran.
    if (!visible || isClosed(stream)) return;
    const data = serializeEvent(event, limits.maxMessageBytes);
    if (stream.transport.buffered() + data.length > limits.maxBufferBytes) {
      drop(
        stream,
        'slow_consumer',
        `More than ${limits.maxBufferBytes} bytes were waiting for this client; reconnect with the last event id received to resume.`,
      );
      return;
    }
    stream.transport.send({ kind: 'event', id: event.id, type: event.type, data });
    metrics.messages.inc({ transport: stream.transport.kind });
  }

  /** Queues `event` behind the stream's earlier ones (visibility checks may wait on the database). */
  function enqueue(stream: Stream, event: StoredEvent): void {
    if (event.id <= stream.cursor) return;
    stream.cursor = event.id;
    if (stream.pending >= MAX_PENDING) {
      drop(stream, 'slow_consumer', 'Too many events were waiting for this client.');
      return;
    }
    stream.pending += 1;
    stream.queue = stream.queue.then(() => deliver(stream, event)).finally(() => (stream.pending -= 1));
  }

  async function readNew(): Promise<void> {
    if (reading) {
      again = true;
      return;
    }
    reading = true;
    try {
      do {
        again = false;
        if (!known || streams.size === 0) {
          cursor = Math.max(cursor, await latestEventId(db));
          known = true;
          if (streams.size === 0) continue;
        }
        for (;;) {
          const rows = await readAfter(db, cursor, BATCH);
          for (const event of rows) {
            cursor = event.id;
            for (const stream of streams) if (!stream.replaying) enqueue(stream, event);
          }
          if (rows.length < BATCH) break;
        }
      } while (wokenMeanwhile());
    } catch (error) {
      log.warn({ err: error }, 'realtime could not read new events; retrying at the next wake');
    } finally {
      reading = false;
    }
  }

  function onWake(wake: EventWake): void {
    if ('id' in wake && wake.id <= cursor) return;
    // Ids are numbered in commit order: with nobody to serve, the newest id is all to keep.
    if ('id' in wake && streams.size === 0 && !reading && known) {
      cursor = wake.id;
      return;
    }
    void readNew();
  }

  /** Whether `lastEventId` can be resumed from: the events after it are still in the outbox. */
  async function resumable(lastEventId: number): Promise<boolean> {
    if (lastEventId > cursor) return false;
    const [row] = await db.select({ oldest: min(domainEvents.id) }).from(domainEvents);
    const oldest = row?.oldest ?? cursor + 1;
    return lastEventId >= oldest - 1;
  }

  /** Replays from the outbox until the stream has caught up with the live batches. */
  async function replay(stream: Stream): Promise<void> {
    const types = stream.types ? [...stream.types] : undefined;
    for (;;) {
      const target = cursor;
      const rows = await readAfter(db, stream.cursor, BATCH, { types });
      const due = rows.filter((event) => event.id <= target);
      for (const event of due) enqueue(stream, event);
      await stream.queue;
      await stream.transport.drainedBelow(limits.maxBufferBytes / 2);
      if (stream.transport.closed) return;
      if (due.length === BATCH) continue;
      stream.cursor = Math.max(stream.cursor, target);
      // Nothing awaited between this check and leaving replay: the live batches take over at `target`.
      if (cursor === target) {
        stream.replaying = false;
        return;
      }
    }
  }

  return {
    get size(): number {
      return streams.size;
    },

    /** Opens a stream: resumes after `lastEventId` when it can (else says `stream.reset`), then goes live. */
    async open(request: OpenRequest): Promise<Stream> {
      const stream: Stream = {
        actor: request.actor,
        recheck: request.recheck,
        types: request.types,
        transport: request.transport,
        cursor,
        replaying: true,
        pending: 0,
        queue: Promise.resolve(),
      };
      streams.add(stream);
      metrics.connections.inc({ transport: stream.transport.kind });
      stream.transport.onClose(() => {
        streams.delete(stream);
        metrics.connections.dec({ transport: stream.transport.kind });
      });
      if (streams.size === 1 || !known) await readNew();
      if (!known) throw new Error('the outbox cannot be read now');
      const asked = request.lastEventId?.trim();
      if (asked !== undefined && asked !== '') {
        const id = /^\d{1,15}$/.test(asked) ? Number(asked) : Number.NaN;
        if (Number.isSafeInteger(id) && (await resumable(id))) stream.cursor = id;
        else
          stream.transport.send(
            control('stream.reset', {
              reason: Number.isSafeInteger(id) && id <= cursor ? 'too_old' : 'unknown_id',
              message: `Cannot resume after event ${asked}: ${Number.isSafeInteger(id) && id <= cursor ? 'it is older than the events still kept' : 'no such event'}. Reload the state you show, then follow this stream from here.`,
              last_event_id: String(cursor),
            }),
          );
      }
      await replay(stream);
      // With an id, so a client whose filter matched nothing yet still resumes from here.
      stream.transport.send({
        kind: 'event',
        id: stream.cursor,
        type: 'stream.ready',
        data: JSON.stringify({ type: 'stream.ready', last_event_id: String(stream.cursor) }),
      });
      return stream;
    },

    /** Every open stream, for the credential re-check. */
    streams(): Stream[] {
      return [...streams];
    },

    drop,

    async start(): Promise<void> {
      await readNew();
      unsubscribe = wakes.subscribe(onWake);
      await wakes.start();
      timers = [
        setInterval(() => {
          for (const stream of streams) stream.transport.heartbeat();
        }, limits.heartbeatMs),
        setInterval(() => {
          if (streams.size > 0) void readNew();
        }, POLL_MS),
      ];
      for (const timer of timers) timer.unref();
    },

    async close(): Promise<void> {
      for (const timer of timers) clearInterval(timer);
      unsubscribe?.();
      for (const stream of streams) drop(stream, 'shutdown', 'The server is shutting down; reconnect.');
      await wakes.close();
    },
  };
}

export type StreamHub = ReturnType<typeof createStreamHub>;
