import type { ServerResponse } from 'node:http';
import type { Frame } from './messages.ts';
import { control } from './messages.ts';
import type { CloseReason, TransportKind } from './metrics.ts';

/** One client's connection, whatever carries it. */
export interface Transport {
  readonly kind: TransportKind;
  send(frame: Frame): void;
  /** Bytes written and not yet taken by the client's socket. */
  buffered(): number;
  /** Resolves once the buffer is below `bytes` (or the connection closed). */
  drainedBelow(bytes: number): Promise<void>;
  heartbeat(): void;
  /** Says why in a last message, then ends the connection. */
  close(reason: CloseReason, message: string): void;
  onClose(listener: () => void): void;
  readonly closed: boolean;
}

const DRAIN_POLL_MS = 25;

function waitBelow(transport: Transport, bytes: number): Promise<void> {
  return new Promise((resolve) => {
    const check = () => {
      if (transport.closed || transport.buffered() < bytes) resolve();
      else setTimeout(check, DRAIN_POLL_MS);
    };
    check();
  });
}

/** Server-Sent Events on a raw HTTP response: ids on events only, so `Last-Event-ID` is a resume point. */
export function sseTransport(response: ServerResponse): Transport {
  let closed = false;
  const listeners: (() => void)[] = [];
  const ended = () => {
    if (closed) return;
    closed = true;
    for (const listener of listeners) listener();
  };
  response.on('close', ended);
  const write = (text: string) => {
    if (!closed) response.write(text);
  };
  const transport: Transport = {
    kind: 'sse',
    get closed() {
      return closed;
    },
    send(frame) {
      if (frame.kind === 'event') write(`id: ${frame.id}\nevent: ${frame.type}\ndata: ${frame.data}\n\n`);
      else write(`event: ${frame.type}\ndata: ${frame.data}\n\n`);
    },
    buffered: () => response.writableLength,
    drainedBelow: (bytes) => waitBelow(transport, bytes),
    heartbeat() {
      write(': heartbeat\n\n');
    },
    close(reason, message) {
      transport.send(control('stream.closing', { reason, message }));
      response.end();
      ended();
    },
    onClose(listener) {
      listeners.push(listener);
    },
  };
  return transport;
}

/** Close codes: 1001 going away (shutdown), 1008 policy (revoked, slow consumer), 1009 too big. */
const CLOSE_CODES: Record<CloseReason, number> = {
  shutdown: 1001,
  credentials_revoked: 1008,
  slow_consumer: 1008,
  message_too_big: 1009,
};

/** What the stream uses of a `ws` WebSocket (the package ships no types of its own). */
export interface StreamSocket {
  readonly bufferedAmount: number;
  send(data: string): void;
  ping(): void;
  close(code: number, reason: string): void;
  terminate(): void;
  on(event: 'close' | 'pong', listener: () => void): unknown;
}

/** A WebSocket: JSON text messages, ping/pong heartbeats; a client missing a pong is cut off. */
export function webSocketTransport(socket: StreamSocket): Transport {
  let closed = false;
  let alive = true;
  const listeners: (() => void)[] = [];
  const ended = () => {
    if (closed) return;
    closed = true;
    for (const listener of listeners) listener();
  };
  socket.on('close', ended);
  socket.on('pong', () => {
    alive = true;
  });
  const transport: Transport = {
    kind: 'ws',
    get closed() {
      return closed;
    },
    send(frame) {
      if (!closed) socket.send(frame.data);
    },
    buffered: () => socket.bufferedAmount,
    drainedBelow: (bytes) => waitBelow(transport, bytes),
    heartbeat() {
      if (closed) return;
      if (!alive) {
        socket.terminate();
        ended();
        return;
      }
      alive = false;
      socket.ping();
    },
    close(reason, message) {
      if (closed) return;
      transport.send(control('stream.closing', { reason, message }));
      // A close reason is limited to 123 bytes.
      socket.close(CLOSE_CODES[reason], reason);
      ended();
    },
    onClose(listener) {
      listeners.push(listener);
    },
  };
  return transport;
}
