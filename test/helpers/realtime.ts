import http from 'node:http';
import { createRequire } from 'node:module';

/** A message a stream delivered: an SSE event (or `:` comment), or a WebSocket message. */
export interface Received {
  event: string;
  id?: string;
  data: Record<string, unknown> & { type?: string; id?: string; payload?: Record<string, unknown> };
}

/** What the tests use of a `ws` client (the package ships no types). */
interface WsClient {
  on(event: 'message', listener: (data: Buffer) => void): void;
  on(event: 'close', listener: (code: number, reason: Buffer) => void): void;
  on(event: 'open', listener: () => void): void;
  on(event: 'error', listener: (error: Error) => void): void;
  on(
    event: 'unexpected-response',
    listener: (request: unknown, response: http.IncomingMessage) => void,
  ): void;
  send(data: string): void;
  close(): void;
  terminate(): void;
}
const { WebSocket } = createRequire(import.meta.url)('ws') as {
  WebSocket: new (url: string, options: { headers?: Record<string, string> }) => WsClient;
};

/** A stream client that keeps everything it receives and can wait for a message. */
export class StreamClient {
  readonly received: Received[] = [];
  closed = false;
  closeCode: number | undefined;
  private waiters: (() => void)[] = [];

  constructor(private readonly stop: () => void) {}

  push(message: Received): void {
    this.received.push(message);
    this.wake();
  }

  end(code?: number): void {
    this.closed = true;
    this.closeCode = code;
    this.wake();
  }

  private wake(): void {
    for (const waiter of this.waiters.splice(0)) waiter();
  }

  /** The first message matching `predicate` (waiting for it; fails after `timeoutMs`). */
  async next(predicate: (message: Received) => boolean, timeoutMs = 15_000): Promise<Received> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.received.find(predicate);
      if (found) return found;
      if (this.closed)
        throw new Error(`stream closed before the message came: ${JSON.stringify(this.received)}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no such message; received ${JSON.stringify(this.received)}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Resolves once the server ended the stream. */
  async ended(timeoutMs = 15_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.closed) {
      if (Date.now() > deadline) throw new Error('stream still open');
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, deadline - Date.now());
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  events(type?: string): Received[] {
    return this.received.filter(
      (m) => !m.event.startsWith('stream.') && m.event !== ':' && (!type || m.event === type),
    );
  }

  close(): void {
    this.stop();
  }
}

/** Parses SSE blocks (`field: value` lines up to a blank line). */
function parseBlock(block: string): Received | undefined {
  let event = 'message';
  let id: string | undefined;
  const data: string[] = [];
  for (const line of block.split('\n')) {
    if (line.startsWith(':')) return { event: ':', data: { comment: line.slice(1).trim() } };
    const at = line.indexOf(':');
    const field = at === -1 ? line : line.slice(0, at);
    const value = at === -1 ? '' : line.slice(at + 1).replace(/^ /, '');
    if (field === 'event') event = value;
    else if (field === 'id') id = value;
    else if (field === 'data') data.push(value);
  }
  if (data.length === 0) return undefined;
  return { event, id, data: JSON.parse(data.join('\n')) as Received['data'] };
}

/** Opens `GET url` as an SSE stream; answers the client, or the status and body of a refusal. */
export function openSse(
  url: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body?: string; client: StreamClient }> {
  return new Promise((resolve, reject) => {
    const request = http.get(url, { headers: { accept: 'text/event-stream', ...headers } }, (response) => {
      const client = new StreamClient(() => request.destroy());
      response.setEncoding('utf8');
      if (response.statusCode !== 200) {
        let body = '';
        response.on('data', (chunk: string) => (body += chunk));
        response.on('end', () => {
          resolve({ status: response.statusCode ?? 0, body, client });
        });
        return;
      }
      let buffer = '';
      response.on('data', (chunk: string) => {
        buffer += chunk;
        let at: number;
        while ((at = buffer.indexOf('\n\n')) !== -1) {
          const message = parseBlock(buffer.slice(0, at));
          buffer = buffer.slice(at + 2);
          if (message) client.push(message);
        }
      });
      response.on('close', () => {
        client.end();
      });
      resolve({ status: 200, client });
    });
    request.on('error', reject);
  });
}

/** Opens a WebSocket; answers the client, or the HTTP status of a refused upgrade. */
export function openWs(
  url: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; client: StreamClient; socket: WsClient }> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { headers });
    const client = new StreamClient(() => {
      socket.terminate();
    });
    socket.on('message', (data) => {
      const parsed = JSON.parse(data.toString()) as Received['data'];
      client.push({ event: String(parsed.type), id: parsed.id, data: parsed });
    });
    socket.on('close', (code) => {
      client.end(code);
    });
    socket.on('open', () => {
      resolve({ status: 101, client, socket });
    });
    socket.on('unexpected-response', (_request, response) => {
      resolve({ status: response.statusCode ?? 0, client, socket });
      response.resume();
    });
    socket.on('error', reject);
  });
}
