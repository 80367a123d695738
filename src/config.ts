import os from 'node:os';
import path from 'node:path';
import { parseKey, parseKeyRing } from './modules/customers/customers.keyring.ts';
import { parseQuietHours, type QuietHours } from './modules/rentals/rentals.quiet-hours.ts';

/**
 * Every setting Opsdesk reads from its environment, in one table: the parser, the
 * default and the sentence that the README's configuration table and the boot error
 * both show. `process.env` is read here and nowhere else (lint rule).
 */
type Parser<T> = (raw: string) => T;

interface Setting<T> {
  env: string;
  description: string;
  parse: Parser<T>;
  /** Shown in docs; `undefined` means the setting is optional and has no default. */
  default?: string;
  /** Default that depends on NODE_ENV, computed at boot. */
  defaultFor?: (mode: NodeEnv) => string | undefined;
  secret?: boolean;
}

export type NodeEnv = 'development' | 'production' | 'test';

class ConfigError extends Error {}

const expect = (what: string): never => {
  throw new ConfigError(what);
};

const str: Parser<string> = (raw) => raw;
const oneOf =
  <T extends string>(...values: T[]): Parser<T> =>
  (raw) =>
    (values as string[]).includes(raw) ? (raw as T) : expect(`one of ${values.join(', ')}`);
const int =
  (min: number, max: number): Parser<number> =>
  (raw) => {
    const value = Number(raw);
    return Number.isInteger(value) && value >= min && value <= max
      ? value
      : expect(`a whole number from ${min} to ${max}`);
  };
const bool: Parser<boolean> = (raw) => {
  const lowered = raw.toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(lowered)) return true;
  if (['0', 'false', 'no', 'off'].includes(lowered)) return false;
  return expect('true or false');
};
const url =
  (...protocols: string[]): Parser<string> =>
  (raw) => {
    try {
      const parsed = new URL(raw);
      if (protocols.includes(parsed.protocol)) return raw;
    } catch {
      /* reported below */
    }
    return expect(`a URL starting with ${protocols.map((p) => `${p}//`).join(' or ')}`);
  };
const list: Parser<string[]> = (raw) =>
  raw
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
const origins: Parser<string[]> = (raw) =>
  list(raw).map((origin) => {
    if (origin === '*') return expect('explicit origins (a wildcard cannot carry credentials)');
    try {
      const parsed = new URL(origin);
      if (parsed.origin === origin) return origin;
    } catch {
      /* reported below */
    }
    return expect(`comma-separated origins like http://localhost:8080 (got "${origin}")`);
  });
const instant: Parser<Date> = (raw) => {
  const time = /^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:\d{2}))?$/.test(raw) ? Date.parse(raw) : NaN;
  return Number.isNaN(time)
    ? expect('an ISO 8601 date or date-time, e.g. 2027-01-31 or 2027-01-31T00:00:00Z')
    : new Date(time);
};
const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
/** `5s,1m,2h` -> milliseconds. */
const durations: Parser<number[]> = (raw) => {
  const values = list(raw).map((item) => {
    const match = /^(\d+)(ms|s|m|h|d)$/.exec(item);
    return match ? Number(match[1]) * (DURATION_UNITS[match[2] ?? ''] ?? 0) : -1;
  });
  return values.length > 0 && values.every((value) => value > 0)
    ? values
    : expect('comma-separated durations like 5s,1m,2h (units ms, s, m, h, d)');
};
const logLevel = oneOf('fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent');

const settings = {
  nodeEnv: {
    env: 'NODE_ENV',
    description: 'development, production or test. Production refuses insecure settings.',
    parse: oneOf<NodeEnv>('development', 'production', 'test'),
    default: 'development',
  },
  host: {
    env: 'HOST',
    description: 'Interface the HTTP server binds to.',
    parse: str,
    default: '127.0.0.1',
  },
  port: {
    env: 'PORT',
    description: 'HTTP port (0 picks a free one).',
    parse: int(0, 65535),
    default: '8000',
  },
  publicUrl: {
    env: 'PUBLIC_URL',
    description: 'Base URL clients use, for links in pagination and mail. Defaults to http://HOST:PORT.',
    parse: url('http:', 'https:'),
  },
  databaseUrl: {
    env: 'DATABASE_URL',
    description:
      'PostgreSQL connection string. Unset: Opsdesk runs its own embedded PostgreSQL in DATA_DIR/postgres.',
    parse: url('postgres:', 'postgresql:'),
    secret: true,
  },
  migrationDatabaseUrl: {
    env: 'MIGRATION_DATABASE_URL',
    description:
      'Schema owner for migrations; DATABASE_URL can then be a role without DDL rights (docs/deploy.md).',
    parse: url('postgres:', 'postgresql:'),
    secret: true,
  },
  databaseAppRole: {
    env: 'DATABASE_APP_ROLE',
    description:
      "Role granted row access by migrations. Unset: DATABASE_URL's user if MIGRATION_DATABASE_URL is set.",
    parse: (raw) => (/^[a-z_][a-z0-9_$]*$/i.test(raw) ? raw : expect('a PostgreSQL role name')),
  },
  databasePoolMax: {
    env: 'DATABASE_POOL_MAX',
    description: 'Connections in the pool of each process.',
    parse: int(1, 500),
    default: '10',
  },
  statementTimeoutMs: {
    env: 'DATABASE_STATEMENT_TIMEOUT_MS',
    description: 'Longest a single SQL statement may run before PostgreSQL cancels it.',
    parse: int(100, 3_600_000),
    default: '15000',
  },
  databaseConnectTimeoutMs: {
    env: 'DATABASE_CONNECT_TIMEOUT_MS',
    description:
      'Longest a request waits for a database connection (pool or new); past it, 503 with Retry-After.',
    parse: int(100, 600_000),
    default: '3000',
  },
  databaseQueryTimeoutMs: {
    env: 'DATABASE_QUERY_TIMEOUT_MS',
    description:
      'Longest Opsdesk waits for a statement to answer when the database is unreachable (503 past it). Unset: DATABASE_STATEMENT_TIMEOUT_MS + 1000.',
    parse: int(100, 3_600_000),
  },
  databasePreparedStatements: {
    env: 'DATABASE_PREPARED_STATEMENTS',
    description:
      'Run parameterised queries as named prepared statements (planned once per connection). Set false behind a transaction-pooling PgBouncer.',
    parse: bool,
    default: 'true',
  },
  autoMigrate: {
    env: 'AUTO_MIGRATE',
    description: 'Apply pending migrations at server start (under an advisory lock).',
    parse: bool,
    default: 'true',
  },
  seedDemo: {
    env: 'SEED_DEMO',
    description: 'Seed the demo organisation at start when the database has no users.',
    parse: bool,
    defaultFor: (mode) => (mode === 'development' ? 'true' : 'false'),
  },
  dataDir: {
    env: 'DATA_DIR',
    description: 'Where the embedded PostgreSQL and local files live.',
    parse: (raw) => path.resolve(raw),
    default: './.data',
  },
  webConcurrency: {
    env: 'WEB_CONCURRENCY',
    description:
      '`serve` runs this many API processes (node:cluster, one port); auto: one per core. 1: a single process, no primary. Each has its own DATABASE_POOL_MAX.',
    parse: (raw) => {
      if (raw === 'auto') return os.availableParallelism();
      const count = Number(raw);
      return Number.isInteger(count) && count >= 1 && count <= 256
        ? count
        : expect('auto or a whole number from 1 to 256');
    },
    default: 'auto',
  },
  workerInProcess: {
    env: 'WORKER_IN_PROCESS',
    description:
      '`serve` also runs the job worker (one for the whole group: a child process beside the API processes). Set false when `opsdesk worker` runs separately.',
    parse: bool,
    default: 'true',
  },
  workerConcurrency: {
    env: 'WORKER_CONCURRENCY',
    description: 'Jobs one worker process runs at once.',
    parse: int(1, 100),
    default: '4',
  },
  shutdownDrainDelayMs: {
    env: 'SHUTDOWN_DRAIN_DELAY_MS',
    description:
      'After SIGTERM: readiness answers 503 at once and requests are still served this long, so load balancers stop sending before the listener closes.',
    parse: int(0, 600_000),
    defaultFor: (mode) => (mode === 'production' ? '5000' : '0'),
  },
  shutdownTimeoutMs: {
    env: 'SHUTDOWN_TIMEOUT_MS',
    description:
      "Hard deadline of a shutdown, drain delay included: what still runs then is cut and the process exits 1. Keep it under the orchestrator's grace period (Kubernetes: 30 s).",
    parse: int(1000, 3_600_000),
    default: '25000',
  },
  redisUrl: {
    env: 'REDIS_URL',
    description: 'Redis for shared rate limits and cache across processes. Unset: in-process.',
    parse: url('redis:', 'rediss:'),
    secret: true,
  },
  smtpUrl: {
    env: 'SMTP_URL',
    description:
      'SMTP server as a nodemailer URL (smtps://user:pass@host:465). Unset: .eml files in DATA_DIR/mail.',
    parse: url('smtp:', 'smtps:'),
    secret: true,
  },
  mailFrom: {
    env: 'MAIL_FROM',
    description: 'From address of outgoing mail.',
    parse: (raw) => (raw.includes('@') ? raw : expect('an address like Opsdesk <opsdesk@example.com>')),
    default: 'Opsdesk <opsdesk@localhost>',
  },
  secretKey: {
    env: 'SECRET_KEY',
    description:
      'Key for signed links and encryption at rest; at least 32 characters. Required in production; elsewhere, when unset, one is made once and kept in DATA_DIR/secret-key.',
    parse: (raw) => (raw.length >= 32 ? raw : expect('at least 32 characters')),
    secret: true,
  },
  customerDataKeys: {
    env: 'CUSTOMER_DATA_KEYS',
    description:
      'Key ring that wraps the data keys of customer PII: comma-separated id:key pairs, each key 32 bytes in base64 (openssl rand -base64 32), the current key first; older keys stay until `opsdesk keys rotate-data` has moved every customer off them. Never stored in the database. Required in production; elsewhere a key derived from SECRET_KEY is used (and kept in the ring, as "dev").',
    parse: (raw) => {
      try {
        return parseKeyRing(raw);
      } catch (error) {
        return expect(`comma-separated id:key pairs, ${(error as Error).message}`);
      }
    },
    secret: true,
  },
  customerBlindIndexKey: {
    env: 'CUSTOMER_BLIND_INDEX_KEY',
    description:
      'Key of the blind indexes that find customers by e-mail and phone (32 bytes in base64). Changing it makes existing indexes unusable. Required in production; elsewhere derived from SECRET_KEY.',
    parse: (raw) => {
      try {
        return parseKey(raw);
      } catch (error) {
        return expect((error as Error).message);
      }
    },
    secret: true,
  },
  customerPhoneRegion: {
    env: 'CUSTOMER_PHONE_REGION',
    description:
      'Region (ISO 3166 code, e.g. GB) of customer phone numbers written without a country code, for their normalised E.164 form. Unset: such numbers are compared by their digits.',
    parse: (raw) =>
      /^[A-Z]{2}$/.test(raw.toUpperCase()) ? raw.toUpperCase() : expect('a two-letter region code'),
  },
  oidcAllowHttpIssuers: {
    env: 'OIDC_ALLOW_HTTP_ISSUERS',
    description:
      'Let admins configure OIDC providers whose issuer is http:// (a local test provider). Off: only https issuers, so the server fetches no admin-entered plain-HTTP URL (internal services, cloud metadata). Refused in production.',
    parse: bool,
    default: 'false',
  },
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
  secureCookies: {
    env: 'SECURE_COOKIES',
    description: 'Mark cookies Secure (HTTPS only).',
    parse: bool,
    defaultFor: (mode) => (mode === 'production' ? 'true' : 'false'),
  },
  sessionTtlHours: {
    env: 'SESSION_TTL_HOURS',
    description: 'Idle lifetime of a login session.',
    parse: int(1, 24 * 90),
    default: '336',
  },
  jwtAlgorithm: {
    env: 'JWT_ALGORITHM',
    description:
      'Signature algorithm of JWT access tokens: EdDSA (Ed25519) or ES256. Only this one is accepted; changing it rotates the signing key at the next token.',
    parse: oneOf('EdDSA', 'ES256'),
    default: 'EdDSA',
  },
  jwtIssuer: {
    env: 'JWT_ISSUER',
    description:
      'The `iss` of JWT access tokens, checked on every one. Defaults to PUBLIC_URL (http://HOST:PORT without it).',
    parse: str,
  },
  jwtAudience: {
    env: 'JWT_AUDIENCE',
    description: 'The `aud` of JWT access tokens, checked on every one.',
    parse: str,
    default: 'opsdesk',
  },
  accessTokenTtlSeconds: {
    env: 'ACCESS_TOKEN_TTL_SECONDS',
    description: 'Lifetime of a JWT access token (at most 15 minutes).',
    parse: int(30, 900),
    default: '900',
  },
  jwtKeyRotationDays: {
    env: 'JWT_KEY_ROTATION_DAYS',
    description:
      'Age at which the hourly job replaces the JWT signing key; the previous key stays published and accepted for ACCESS_TOKEN_TTL_SECONDS more.',
    parse: int(1, 365),
    default: '30',
  },
  refreshTokenIdleDays: {
    env: 'REFRESH_TOKEN_IDLE_DAYS',
    description: 'A refresh token not used for this long expires (each refresh starts the count again).',
    parse: int(1, 365),
    default: '14',
  },
  refreshTokenTtlDays: {
    env: 'REFRESH_TOKEN_TTL_DAYS',
    description:
      'Absolute lifetime of a login by token: past it, refreshing fails and the user logs in again.',
    parse: int(1, 365),
    default: '30',
  },
  mfaIssuer: {
    env: 'MFA_ISSUER',
    description: 'Name authenticator apps show above Opsdesk codes (the issuer of the otpauth:// URI).',
    parse: (raw) => (raw.includes(':') ? expect('a name without ":"') : raw),
    default: 'Opsdesk',
  },
  mfaMaxAttempts: {
    env: 'MFA_MAX_ATTEMPTS',
    description:
      "Wrong second-factor codes per user (from any IP) within MFA_ATTEMPT_WINDOW_SECONDS that lock the user's second factor.",
    parse: int(1, 100),
    default: '5',
  },
  mfaAttemptWindowSeconds: {
    env: 'MFA_ATTEMPT_WINDOW_SECONDS',
    description: 'The window MFA_MAX_ATTEMPTS counts in.',
    parse: int(10, 86_400),
    default: '900',
  },
  mfaLockSeconds: {
    env: 'MFA_LOCK_SECONDS',
    description:
      'How long a second factor stays locked after MFA_MAX_ATTEMPTS wrong codes (an admin reset lifts it).',
    parse: int(1, 7 * 86_400),
    default: '900',
  },
  mfaChallengeSeconds: {
    env: 'MFA_CHALLENGE_SECONDS',
    description:
      'Lifetime of the challenge a login answers when it still needs a second factor (or enrolment).',
    parse: int(30, 3600),
    default: '300',
  },
  webauthnRpId: {
    env: 'WEBAUTHN_RP_ID',
    description:
      "Passkeys' relying party id: the domain they are bound to (e.g. desk.example.com). Defaults to the host of the first WEBAUTHN_ORIGINS.",
    parse: (raw) =>
      /^[a-z0-9.-]+$/i.test(raw) ? raw.toLowerCase() : expect('a domain name without scheme or port'),
  },
  webauthnOrigins: {
    env: 'WEBAUTHN_ORIGINS',
    description:
      'Comma-separated origins the passkey pages are served from (the browser reports it in every ceremony). Defaults to the origin of PUBLIC_URL (http://localhost:PORT without it).',
    parse: origins,
  },
  attachmentMaxBytes: {
    env: 'ATTACHMENT_MAX_BYTES',
    description: 'Largest file accepted as an attachment (413 above).',
    parse: int(1024, 5 * 1024 * 1024 * 1024),
    default: '26214400',
  },
  ticketImportBatchSize: {
    env: 'TICKET_IMPORT_BATCH_SIZE',
    description:
      'Rows a ticket import writes per statement batch (and per transaction in skip_invalid mode).',
    parse: int(1, 10_000),
    default: '1000',
  },
  ticketImportMaxBytes: {
    env: 'TICKET_IMPORT_MAX_BYTES',
    description: 'Largest ticket import file the API accepts (413 above); the CLI reads any size.',
    parse: int(1024, 5 * 1024 * 1024 * 1024),
    default: '104857600',
  },
  ticketImportMaxRows: {
    env: 'TICKET_IMPORT_MAX_ROWS',
    description: 'Most rows one ticket import may hold (the file is refused above it).',
    parse: int(1, 100_000_000),
    default: '1000000',
  },
  downloadLinkSeconds: {
    env: 'DOWNLOAD_LINK_SECONDS',
    description: 'How long a signed download link stays valid.',
    parse: int(10, 7 * 24 * 3600),
    default: '300',
  },
  rentalReminderQuietHours: {
    env: 'RENTAL_REMINDER_QUIET_HOURS',
    description:
      "Daily window (HH:MM-HH:MM, in the zone of the business calendar of the order's first product, else UTC; or off) in which rental reminders are not sent: one due then goes out when the window ends.",
    parse: (raw: string): QuietHours | null =>
      parseQuietHours(raw) ?? expect('HH:MM-HH:MM (two different times) or off'),
    default: '21:00-08:00',
  },
  overtimeThresholdHours: {
    env: 'OVERTIME_THRESHOLD_HOURS',
    description: 'Weekly worked hours above which timesheets count overtime.',
    parse: int(1, 168),
    default: '40',
  },
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
  cardProcessorUrl: {
    env: 'CARD_PROCESSOR_URL',
    description:
      'API root of the card processor rental card payments go through (POST /charges, /charges/:id/refunds, /charges/:id/release). Unset: card payments are refused.',
    parse: url('http:', 'https:'),
  },
  cardProcessorApiKey: {
    env: 'CARD_PROCESSOR_API_KEY',
    description: 'Bearer key Opsdesk sends to the card processor.',
    parse: str,
    secret: true,
  },
  cardProcessorTimeoutMs: {
    env: 'CARD_PROCESSOR_TIMEOUT_MS',
    description:
      'How long one card processor call may take; past it the payment stays pending and a retry with the same Idempotency-Key asks again.',
    parse: int(100, 120_000),
    default: '10000',
  },
  cardWebhookSecret: {
    env: 'CARD_WEBHOOK_SECRET',
    description:
      'Secret the card processor signs its webhooks with (HMAC-SHA256). Unset: every card webhook is refused.',
    parse: str,
    secret: true,
  },
  cardWebhookToleranceSeconds: {
    env: 'CARD_WEBHOOK_TOLERANCE_SECONDS',
    description:
      'How far a card webhook signature timestamp may be from now before it is refused as a replay.',
    parse: int(1, 3600),
    default: '300',
  },
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
  loginRateLimitPerMinute: {
    env: 'LOGIN_RATE_LIMIT_PER_MINUTE',
    description: 'Login attempts per minute per client IP and username (0 turns the limit off).',
    parse: int(0, 10_000_000),
    default: '10',
  },
  lockoutThreshold: {
    env: 'LOCKOUT_THRESHOLD',
    description:
      'Consecutive failed logins of one username that lock it (known or not, so locks reveal nothing); 0 turns lockout off.',
    parse: int(0, 1000),
    default: '5',
  },
  lockoutBaseSeconds: {
    env: 'LOCKOUT_BASE_SECONDS',
    description: 'First lock, at LOCKOUT_THRESHOLD failures; each further failure doubles it.',
    parse: int(1, 86_400),
    default: '60',
  },
  lockoutMaxSeconds: {
    env: 'LOCKOUT_MAX_SECONDS',
    description: 'Longest lock: the doubling stops here.',
    parse: int(1, 7 * 86_400),
    default: '3600',
  },
  accountTokenTtlMinutes: {
    env: 'ACCOUNT_TOKEN_TTL_MINUTES',
    description: 'Lifetime of the single-use codes mailed for a password reset or an e-mail change.',
    parse: int(1, 24 * 60),
    default: '15',
  },
  mailRateLimitPerHour: {
    env: 'MAIL_RATE_LIMIT_PER_HOUR',
    description: 'E-mails one person may queue per hour through /api/send-email/ (0 turns the limit off).',
    parse: int(0, 1_000_000),
    default: '30',
  },
} satisfies Record<string, Setting<unknown>>;

type Settings = typeof settings;
type Parsed = { [K in keyof Settings]: ReturnType<Settings[K]['parse']> };
type OptionalKeys = {
  [K in keyof Settings]: Settings[K] extends { default: string } | { defaultFor: unknown } ? never : K;
}[keyof Settings];

export type Config = Readonly<
  Omit<Parsed, OptionalKeys> & { [K in OptionalKeys]: Parsed[K] | undefined } & {
    isProduction: boolean;
  }
>;

/** The settings table, for the README and `opsdesk config`. */
export function describeSettings(): { env: string; default: string; description: string }[] {
  return Object.values(settings).map((setting: Setting<unknown>) => ({
    env: setting.env,
    default:
      setting.default ??
      (setting.defaultFor
        ? `${setting.defaultFor('development') ?? '(unset)'} (production: ${setting.defaultFor('production') || '(none)'})`
        : '(unset)'),
    description: setting.description,
  }));
}

/**
 * Parses the environment into a frozen Config. Throws one Error whose message lists
 * every bad variable, one per line, naming the variable and what it expects.
 */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const problems: string[] = [];
  const values: Record<string, unknown> = {};
  const rawMode = env.NODE_ENV?.trim() || 'development';
  const mode = (['development', 'production', 'test'].includes(rawMode) ? rawMode : 'development') as NodeEnv;

  for (const [key, setting] of Object.entries(settings) as [string, Setting<unknown>][]) {
    const given = env[setting.env]?.trim();
    const raw = given ? given : (setting.default ?? setting.defaultFor?.(mode));
    if (raw === undefined) continue;
    if (raw === '' && !given) {
      values[key] = setting.parse === origins ? [] : undefined;
      continue;
    }
    try {
      values[key] = setting.parse(raw);
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      problems.push(`${setting.env} must be ${error.message}${setting.secret ? '' : ` (got "${raw}")`}`);
    }
  }

  if (mode === 'production') {
    if (!values.secretKey) problems.push('SECRET_KEY must be set in production (at least 32 characters)');
    if (!values.customerDataKeys)
      problems.push('CUSTOMER_DATA_KEYS must be set in production (customer PII is encrypted under it)');
    if (!values.customerBlindIndexKey) problems.push('CUSTOMER_BLIND_INDEX_KEY must be set in production');
    if (values.seedDemo === true)
      problems.push('SEED_DEMO must be false in production (demo passwords are public)');
    if (values.secureCookies === false)
      problems.push('SECURE_COOKIES must be true in production (serve over HTTPS)');
    if (values.oidcAllowHttpIssuers === true)
      problems.push('OIDC_ALLOW_HTTP_ISSUERS must be false in production (identity providers speak HTTPS)');
  }
  if (values.migrationDatabaseUrl && !values.databaseUrl)
    problems.push(
      'MIGRATION_DATABASE_URL needs DATABASE_URL (the embedded PostgreSQL sets up its own roles)',
    );
  if (
    typeof values.shutdownDrainDelayMs === 'number' &&
    typeof values.shutdownTimeoutMs === 'number' &&
    values.shutdownDrainDelayMs >= values.shutdownTimeoutMs
  )
    problems.push('SHUTDOWN_DRAIN_DELAY_MS must be shorter than SHUTDOWN_TIMEOUT_MS');
  if (
    typeof values.lockoutBaseSeconds === 'number' &&
    typeof values.lockoutMaxSeconds === 'number' &&
    values.lockoutBaseSeconds > values.lockoutMaxSeconds
  )
    problems.push('LOCKOUT_BASE_SECONDS must not be longer than LOCKOUT_MAX_SECONDS');
  if (
    typeof values.refreshTokenIdleDays === 'number' &&
    typeof values.refreshTokenTtlDays === 'number' &&
    values.refreshTokenIdleDays > values.refreshTokenTtlDays
  )
    problems.push('REFRESH_TOKEN_IDLE_DAYS must not be longer than REFRESH_TOKEN_TTL_DAYS');
  if (problems.length > 0) throw new Error(`Invalid configuration:\n  ${problems.join('\n  ')}`);

  return Object.freeze({ ...values, isProduction: mode === 'production' }) as unknown as Config;
}
