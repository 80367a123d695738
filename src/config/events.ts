import { bool, durations, int, url, type Setting } from './parsers.ts';

/** Redis, which carries cross-process rate limits, cache and realtime fan-out when set. */
export const redisSettings = {
  redisUrl: {
    env: 'REDIS_URL',
    description: 'Redis for shared rate limits and cache across processes. Unset: in-process.',
    parse: url('redis:', 'rediss:'),
    secret: true,
  },
} satisfies Record<string, Setting<unknown>>;

/** How long domain events are kept, and how webhooks deliver them. */
export const eventSettings = {
  eventsRetentionDays: {
    env: 'EVENTS_RETENTION_DAYS',
    description:
      'Days domain events stay in the outbox (Last-Event-ID resume, webhook replay) before the nightly prune deletes them.',
    parse: int(1, 3650),
    default: '30',
  },
  webhookTimeoutMs: {
    env: 'WEBHOOK_TIMEOUT_MS',
    description:
      'How long one webhook delivery attempt may take (connect, send, response) before it counts as failed.',
    parse: int(100, 60_000),
    default: '10000',
  },
  webhookRetrySchedule: {
    env: 'WEBHOOK_RETRY_SCHEDULE',
    description:
      'Delays between webhook attempts after a failure (comma-separated, units ms, s, m, h, d), each with ±10% jitter; a delivery still failing after the last is dead-lettered.',
    parse: durations,
    default: '5s,1m,5m,30m,1h,2h,4h,8h,12h,12h,12h,12h,12h,12h,12h',
  },
  webhookDisableAfterDays: {
    env: 'WEBHOOK_DISABLE_AFTER_DAYS',
    description:
      'An endpoint whose deliveries have failed without a single success for this many days is disabled, and admins are notified.',
    parse: int(1, 365),
    default: '5',
  },
  webhookSecretOverlapHours: {
    env: 'WEBHOOK_SECRET_OVERLAP_HOURS',
    description: 'After a secret rotation, how long deliveries are also signed with the previous secret.',
    parse: int(0, 24 * 30),
    default: '24',
  },
  webhooksAllowPrivateNetworks: {
    env: 'WEBHOOKS_ALLOW_PRIVATE_NETWORKS',
    description:
      'Let webhook URLs resolve to loopback, private, link-local and metadata addresses (local development and tests only).',
    parse: bool,
    default: 'false',
  },
} satisfies Record<string, Setting<unknown>>;

/** The read caches. */
export const readCacheSettings = {
  readCacheEntries: {
    env: 'READ_CACHE_ENTRIES',
    description:
      'Entries each read cache (ticket details, first pages of ticket lists, reference data) keeps per process; 0 turns read caching off.',
    parse: int(0, 1_000_000),
    default: '10000',
  },
  readCacheTtlSeconds: {
    env: 'READ_CACHE_TTL_SECONDS',
    description:
      'How long a cached read is kept (in process and in Redis) at most; correctness does not depend on it (every hit is checked against the database).',
    parse: int(1, 86_400),
    default: '300',
  },
} satisfies Record<string, Setting<unknown>>;

/** Realtime streams (SSE and WebSocket). */
export const realtimeSettings = {
  realtimeHeartbeatSeconds: {
    env: 'REALTIME_HEARTBEAT_SECONDS',
    description:
      'How often an open realtime stream gets a heartbeat (an SSE comment, a WebSocket ping); a WebSocket that missed the previous pong is closed.',
    parse: int(1, 300),
    default: '25',
  },
  realtimeMaxBufferBytes: {
    env: 'REALTIME_MAX_BUFFER_BYTES',
    description:
      'Bytes a realtime client may leave unread before the server closes its stream as a slow consumer (it resumes with Last-Event-ID).',
    parse: int(16 * 1024, 256 * 1024 * 1024),
    default: '1048576',
  },
  realtimeMaxMessageBytes: {
    env: 'REALTIME_MAX_MESSAGE_BYTES',
    description:
      'Largest realtime message: a bigger event is sent without its payload (marked truncated); a bigger WebSocket client message closes the socket with 1009.',
    parse: int(1024, 16 * 1024 * 1024),
    default: '65536',
  },
  realtimeRecheckSeconds: {
    env: 'REALTIME_RECHECK_SECONDS',
    description:
      "How often an open realtime stream's session or token is checked again (also at once on every revocation); a revoked one closes the stream.",
    parse: int(1, 60),
    default: '30',
  },
} satisfies Record<string, Setting<unknown>>;
