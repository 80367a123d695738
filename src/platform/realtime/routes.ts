import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import websocket from '@fastify/websocket';
import { Type, type Static } from '@sinclair/typebox';
import type { Authenticator } from '../auth/authenticate.ts';
import { actorOf } from '../auth/authenticate.ts';
import { clientOf } from '../auth/credentials.ts';
import type { EventCatalogue } from '../events/define-event.ts';
import { defineErrors } from '../http/errors.ts';
import type { StreamHub } from './hub.ts';
import { sseTransport, webSocketTransport, type StreamSocket, type Transport } from './transports.ts';

export const realtimeErrors = defineErrors({
  REALTIME_ORIGIN_REFUSED: [
    'forbidden',
    'This origin may not open a stream with the session cookie; use an allowed origin (CORS_ORIGINS) or a bearer token.',
  ],
  REALTIME_UNKNOWN_TYPE: ['invalid', 'Unknown event type in `types`.'],
});

/** What a client waits before reconnecting after a drop (the SSE `retry` field). */
const RETRY_MS = 3_000;

const StreamQuery = Type.Object(
  {
    types: Type.Optional(
      Type.String({
        description:
          'Comma-separated event types to receive (`ticket.created,ticket.updated`); `ticket.*` stands for every type of an entity. Default: all types.',
      }),
    ),
    last_event_id: Type.Optional(
      Type.String({
        pattern: '^[0-9]{1,15}$',
        description:
          'Resume after this event id (for clients that cannot send the Last-Event-ID header, such as a browser WebSocket).',
      }),
    ),
  },
  { $id: 'StreamQuery', title: 'StreamQuery' },
);
type StreamQuery = Static<typeof StreamQuery>;

const StreamHeaders = Type.Object({
  'last-event-id': Type.Optional(
    Type.String({ description: 'The id of the last event received: the stream replays what followed it.' }),
  ),
});

/** The types `raw` names, checked against the catalogue; undefined for all. */
function typesOf(raw: string | undefined, catalogue: EventCatalogue): Set<string> | undefined {
  if (raw === undefined || raw.trim() === '') return undefined;
  const types = new Set<string>();
  for (const name of raw
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean)) {
    const matching = name.endsWith('.*')
      ? catalogue.definitions.filter((d) => d.type.startsWith(name.slice(0, -1))).map((d) => d.type)
      : catalogue.has(name)
        ? [name]
        : [];
    if (matching.length === 0)
      throw realtimeErrors.REALTIME_UNKNOWN_TYPE({
        message: `Unknown event type "${name}" in \`types\`; see the event catalogue (docs/events.md).`,
        fields: { types: [`Unknown event type "${name}".`] },
      });
    for (const type of matching) types.add(type);
  }
  return types;
}

/**
 * A cookie goes with every request the browser makes, including a WebSocket opened by
 * another site's page: a stream authenticated by cookie must come from this origin or
 * an allowed one. Bearer credentials are never added by the browser on its own.
 */
function checkOrigin(request: FastifyRequest, allowedOrigins: readonly string[]): void {
  const kind = request.credential?.kind;
  if (kind !== 'session' && kind !== 'access_cookie') return;
  const origin = request.headers.origin;
  if (origin === undefined) return;
  if (origin === `${request.protocol}://${request.host}` || allowedOrigins.includes(origin)) return;
  throw realtimeErrors.REALTIME_ORIGIN_REFUSED();
}

export interface RealtimeRouteOptions {
  hub: StreamHub;
  authenticator: Authenticator;
  catalogue: EventCatalogue;
  allowedOrigins: readonly string[];
  maxMessageBytes: number;
}

const tags = ['realtime'];
export const REALTIME_PERMISSION = 'realtime:read';

/** `/api/v2/stream` (Server-Sent Events) and `/api/v2/stream/ws` (WebSocket): the same events, filtered per subscriber. */
export async function realtimeRoutes(app: FastifyInstance, options: RealtimeRouteOptions): Promise<void> {
  const { hub, authenticator, catalogue, allowedOrigins, maxMessageBytes } = options;
  // A client message above the limit closes the socket with 1009 (ws does it).
  await app.register(websocket, { options: { maxPayload: maxMessageBytes } });

  /** Checks the request before anything is sent (errors are still plain HTTP answers). */
  function prepare(request: FastifyRequest<{ Querystring: StreamQuery }>) {
    const actor = request.actor;
    const credential = request.credential;
    if (!actor || !credential) throw new Error('realtime routes need an authenticated actor');
    checkOrigin(request, allowedOrigins);
    const types = typesOf(request.query.types, catalogue);
    const recheck = () => actorOf(authenticator, credential, clientOf(request));
    const header = request.headers['last-event-id'];
    const lastEventId = (Array.isArray(header) ? header[0] : header) ?? request.query.last_event_id;
    return { actor, types, recheck, lastEventId };
  }

  type Prepared = ReturnType<typeof prepare>;
  // Checked before the handler, so a refusal is a plain HTTP answer, also to a WebSocket upgrade.
  const prepared = new WeakMap<FastifyRequest, Prepared>();
  const preHandler = async (request: FastifyRequest<{ Querystring: StreamQuery }>) => {
    prepared.set(request, prepare(request));
  };
  const preparedOf = (request: FastifyRequest): Prepared => {
    const opened = prepared.get(request);
    if (!opened) throw new Error('realtime stream opened without its checks');
    return opened;
  };

  async function open(request: FastifyRequest, transport: Transport) {
    const opened = preparedOf(request);
    try {
      await hub.open({ ...opened, transport });
    } catch (error) {
      request.log.error({ err: error }, 'could not open a realtime stream');
      transport.close('shutdown', 'The stream could not start; reconnect.');
    }
  }

  app.get<{ Querystring: StreamQuery }>(
    '/stream',
    {
      config: { permission: REALTIME_PERMISSION },
      preHandler,
      schema: {
        tags,
        operationId: 'v2.stream.events',
        summary: 'Follow domain events as Server-Sent Events.',
        description:
          'A `text/event-stream` of the domain events the caller may read (the same rules as the REST routes): each event has `id:` (the outbox id), `event:` (its type) and `data:` (a JSON StreamEvent). Control events: `stream.ready` (caught up, live from here), `stream.reset` (the Last-Event-ID cannot be resumed: reload, then follow), `stream.closing` (why the server ends the stream). Heartbeat comments keep proxies from closing an idle stream. Reconnect with `Last-Event-ID` to resume. The WebSocket endpoint `/api/v2/stream/ws` carries the same messages. See docs/realtime.md.',
        querystring: StreamQuery,
        headers: StreamHeaders,
        produces: ['text/event-stream'],
        response: {
          200: {
            description: 'The event stream; it stays open.',
            content: {
              'text/event-stream': {
                schema: Type.String({
                  description:
                    'Server-Sent Events: `id: <event id>`, `event: <type>`, `data: <StreamEvent JSON>`, blank line.',
                }),
              },
            },
          },
        },
      },
    },
    async (request, reply: FastifyReply) => {
      reply.hijack();
      // Streams outlive the server's idle timeout; heartbeats keep intermediaries from cutting them.
      request.raw.socket.setTimeout(0);
      for (const [name, value] of Object.entries(reply.getHeaders()))
        if (value !== undefined) reply.raw.setHeader(name, value);
      reply.raw.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      });
      reply.raw.write(`retry: ${RETRY_MS}\n\n`);
      await open(request, sseTransport(reply.raw));
    },
  );

  app.get<{ Querystring: StreamQuery }>(
    '/stream/ws',
    {
      websocket: true,
      config: { permission: REALTIME_PERMISSION },
      preHandler,
      schema: { hide: true, querystring: StreamQuery },
    },
    (socket, request) => {
      void open(request, webSocketTransport(socket as StreamSocket));
    },
  );
}
