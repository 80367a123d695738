import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TSchema } from '@sinclair/typebox';

export interface Received {
  headers: Record<string, string>;
  body: string;
  /** What the receiver answered (0: it never answered). */
  status: number;
}

export interface Answer {
  status?: number;
  headers?: Record<string, string>;
  /** Wait this long before answering; Infinity never answers. */
  delayMs?: number;
  body?: string;
}

/** A real HTTP server on 127.0.0.1 that records every request and answers as `answer` says. */
export interface WebhookReceiver {
  url: string;
  received: Received[];
  /** Requests whose answer was 2xx, parsed. */
  delivered(): { id: string; type: string; data: Record<string, unknown> }[];
  answer: (request: Received, index: number) => Answer;
  close(): Promise<void>;
}

export async function startReceiver(
  answer: WebhookReceiver['answer'] = () => ({}),
): Promise<WebhookReceiver> {
  const receiver: WebhookReceiver = {
    url: '',
    received: [],
    answer,
    delivered: () =>
      receiver.received
        .filter((item) => item.status >= 200 && item.status < 300)
        .map((item) => ({
          id: item.headers['webhook-id'] ?? '',
          ...(JSON.parse(item.body) as { type: string; data: Record<string, unknown> }),
        })),
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          resolve();
        });
      }),
  };
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const item: Received = {
        headers: Object.fromEntries(
          Object.entries(request.headers).map(([key, value]) => [key, String(value)]),
        ),
        body: Buffer.concat(chunks).toString('utf8'),
        status: 0,
      };
      const index = receiver.received.push(item) - 1;
      const { status = 200, headers = {}, delayMs = 0, body = 'ok' } = receiver.answer(item, index);
      if (delayMs === Infinity) return;
      setTimeout(() => {
        item.status = status;
        response.writeHead(status, headers).end(body);
      }, delayMs);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`;
  return receiver;
}

export async function eventually<T>(
  what: string,
  probe: () => T | undefined | Promise<T | undefined>,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** A value that matches `schema` (the first member of unions, formats honoured): a sample payload. */
export function sampleOf(schema: TSchema): unknown {
  if (schema.const !== undefined) return schema.const;
  if (Array.isArray(schema.anyOf)) return sampleOf((schema.anyOf as TSchema[])[0]!);
  switch (schema.type) {
    case 'object':
      return Object.fromEntries(
        Object.entries((schema.properties ?? {}) as Record<string, TSchema>).map(([key, value]) => [
          key,
          sampleOf(value),
        ]),
      );
    case 'array':
      return [sampleOf(schema.items as TSchema)];
    case 'integer':
    case 'number':
      return 7;
    case 'boolean':
      return true;
    case 'null':
      return null;
    case 'string':
      return schema.format === 'date-time'
        ? new Date().toISOString()
        : schema.format === 'date'
          ? '2027-01-04'
          : 'sample';
    default:
      return null;
  }
}
