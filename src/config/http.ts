import { expect, instant, int, logLevel, origins, url, type Setting } from './parsers.ts';

/** Which browser origins may call the API, and the retirement of v1. */
export const apiSettings = {
  corsOrigins: {
    env: 'CORS_ORIGINS',
    description: 'Comma-separated origins allowed to call the API with credentials (the BMS frontend).',
    parse: origins,
    defaultFor: (mode) =>
      mode === 'production' ? '' : 'http://localhost:8080,http://127.0.0.1:8080,http://localhost:5173',
  },
  apiV1DeprecationDate: {
    env: 'API_V1_DEPRECATION_DATE',
    description:
      'When v1 (/api/v1, /api) is (or becomes) deprecated: every v1 answer then carries `Deprecation: @<unix seconds>` (RFC 9745). Unset: no header.',
    parse: instant,
  },
  apiV1SunsetDate: {
    env: 'API_V1_SUNSET_DATE',
    description:
      'When v1 stops answering: every v1 answer carries `Sunset: <HTTP-date>` (RFC 8594). Unset: no header.',
    parse: instant,
  },
  apiV1DeprecationLink: {
    env: 'API_V1_DEPRECATION_LINK',
    description:
      'Where the v1 deprecation is explained (a migration guide): sent as `Link: <url>; rel="deprecation"` on v1 answers. Unset: no link.',
    parse: url('http:', 'https:'),
  },
} satisfies Record<string, Setting<unknown>>;

/** Request logs, and the client address they (and rate limits) see behind proxies. */
export const loggingSettings = {
  logLevel: {
    env: 'LOG_LEVEL',
    description: 'fatal, error, warn, info, debug, trace or silent.',
    parse: logLevel,
    defaultFor: (mode) => (mode === 'test' ? 'silent' : 'info'),
  },
  trustProxy: {
    env: 'TRUST_PROXY',
    description: 'Trust X-Forwarded-* from this many proxy hops (client IPs for audit and rate limits).',
    parse: int(0, 10),
    default: '0',
  },
} satisfies Record<string, Setting<unknown>>;

/** Limits on requests: size, time, idempotent retries, rate limits, and who reads /metrics. */
export const requestSettings = {
  bodyLimitBytes: {
    env: 'BODY_LIMIT_BYTES',
    description: 'Largest request body accepted (413 above).',
    parse: int(1024, 1024 * 1024 * 1024),
    default: '1048576',
  },
  requestTimeoutMs: {
    env: 'REQUEST_TIMEOUT_MS',
    description: 'Time a client has to send a whole request.',
    parse: int(1000, 600_000),
    default: '30000',
  },
  idempotencyTakeoverSeconds: {
    env: 'IDEMPOTENCY_TAKEOVER_SECONDS',
    description:
      'A retry takes over an Idempotency-Key whose first request has sent no heartbeat for this long (its process died).',
    parse: int(1, 3600),
    default: '30',
  },
  metricsToken: {
    env: 'METRICS_TOKEN',
    description:
      'Bearer token that reads /metrics (Authorization: Bearer ...); at least 16 characters. Unset: /metrics is open, except in production where it answers 404.',
    parse: (raw) => (raw.length >= 16 ? raw : expect('at least 16 characters')),
    secret: true,
  },
  rateLimitPerMinute: {
    env: 'RATE_LIMIT_PER_MINUTE',
    description: 'Requests per minute per client IP (0 turns the limit off).',
    parse: int(0, 10_000_000),
    default: '1200',
  },
  apiKeyRateLimitPerMinute: {
    env: 'API_KEY_RATE_LIMIT_PER_MINUTE',
    description:
      'Requests per minute per API key, unless the key sets its own limit (0: no limit for keys without one).',
    parse: int(0, 10_000_000),
    default: '600',
  },
} satisfies Record<string, Setting<unknown>>;
