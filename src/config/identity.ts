import { bool, expect, int, oneOf, origins, str, type Setting } from './parsers.ts';

/** The key behind signed links and encryption at rest. */
export const secretKeySettings = {
  secretKey: {
    env: 'SECRET_KEY',
    description:
      'Key for signed links and encryption at rest; at least 32 characters. Required in production; elsewhere, when unset, one is made once and kept in DATA_DIR/secret-key.',
    parse: (raw) => (raw.length >= 32 ? raw : expect('at least 32 characters')),
    secret: true,
  },
} satisfies Record<string, Setting<unknown>>;

/** Which OIDC providers admins may configure. */
export const oidcSettings = {
  oidcAllowHttpIssuers: {
    env: 'OIDC_ALLOW_HTTP_ISSUERS',
    description:
      'Let admins configure OIDC providers whose issuer is http:// (a local test provider). Off: only https issuers, so the server fetches no admin-entered plain-HTTP URL (internal services, cloud metadata). Refused in production.',
    parse: bool,
    default: 'false',
  },
} satisfies Record<string, Setting<unknown>>;

/** Login sessions, JWT access and refresh tokens, second factors and passkeys. */
export const sessionSettings = {
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
} satisfies Record<string, Setting<unknown>>;

/** Rate limits and lockout of logins, and the lifetime of mailed account codes. */
export const loginProtectionSettings = {
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
} satisfies Record<string, Setting<unknown>>;
