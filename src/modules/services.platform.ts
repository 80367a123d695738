import { pino } from 'pino';
import { createPolicy } from '../platform/auth/policy.ts';
import { randomToken } from '../platform/auth/secrets.ts';
import { createInvalidationBus } from '../platform/cache/invalidation.ts';
import { createCacheMetrics, type TaggedCacheDeps } from '../platform/cache/tagged-cache.ts';
import type { DatabaseHandle } from '../platform/db/client.ts';
import { createMailer } from '../platform/mail/index.ts';
import { createAuditService } from './audit/index.ts';
import { createIdentityService, relyingPartyOf } from './identity/index.ts';
import {
  createComposedMailService,
  createNotificationsService,
  type NotificationsDeps,
} from './notifications/index.ts';
import { permissionGrants } from './permissions.ts';
import type { ServiceOptions, ServiceSettings } from './services.ts';

/** What every module's service is built on: the database, the clock, audit, caches, mail and the policy. */
export function wirePlatform(
  { db, pool }: Pick<DatabaseHandle, 'db' | 'pool'>,
  settings: ServiceSettings,
  options: ServiceOptions,
) {
  const now = options.now ?? (() => new Date());
  const audit = createAuditService({ db });
  const caching: TaggedCacheDeps = {
    pool,
    metrics: createCacheMetrics(),
    redis: options.redis,
    maxEntries: settings.readCacheEntries,
    ttlMs: settings.readCacheTtlSeconds * 1000,
  };
  const log = pino({ level: settings.logLevel });
  // Listens only once the API calls start(); elsewhere (CLI, worker) it publishes and never caches.
  const invalidation = createInvalidationBus({ pool, log: log.child({ module: 'invalidation' }) });
  const mailer = createMailer({
    smtpUrl: settings.smtpUrl,
    from: settings.mailFrom,
    dataDir: settings.dataDir,
    log: log.child({ module: 'mail' }),
  });
  const policy = createPolicy(permissionGrants);
  const publicUrl = (settings.publicUrl ?? `http://${settings.host}:${settings.port}`).replace(/\/+$/, '');
  return { db, pool, now, audit, caching, invalidation, mailer, policy, publicUrl };
}

export type Platform = ReturnType<typeof wirePlatform>;

export function wireIdentity(
  { db, now, audit, invalidation, mailer, policy, publicUrl }: Platform,
  settings: ServiceSettings,
) {
  return createIdentityService({
    db,
    audit,
    invalidation,
    sessionTtlHours: settings.sessionTtlHours,
    lockout: {
      threshold: settings.lockoutThreshold,
      baseSeconds: settings.lockoutBaseSeconds,
      maxSeconds: settings.lockoutMaxSeconds,
    },
    mailer,
    accountTokenTtlMinutes: settings.accountTokenTtlMinutes,
    publicUrl: settings.publicUrl,
    policy,
    mfa: {
      issuer: settings.mfaIssuer,
      maxAttempts: settings.mfaMaxAttempts,
      attemptWindowSeconds: settings.mfaAttemptWindowSeconds,
      lockSeconds: settings.mfaLockSeconds,
      challengeSeconds: settings.mfaChallengeSeconds,
      secretKey: settings.secretKey,
      now,
    },
    oidc: {
      // Without SECRET_KEY (tests building the app directly), secrets are sealed with a key of this process's own.
      secretKey: settings.secretKey ?? randomToken(),
      publicUrl,
      allowHttpIssuers: settings.oidcAllowHttpIssuers,
    },
    webauthn: {
      ...relyingPartyOf(settings),
      rpName: settings.mfaIssuer,
      challengeSeconds: settings.mfaChallengeSeconds,
    },
    jwt: {
      algorithm: settings.jwtAlgorithm,
      issuer: settings.jwtIssuer ?? publicUrl,
      audience: settings.jwtAudience,
      accessTokenTtlSeconds: settings.accessTokenTtlSeconds,
      keyRotationDays: settings.jwtKeyRotationDays,
      refreshTokenIdleDays: settings.refreshTokenIdleDays,
      refreshTokenTtlDays: settings.refreshTokenTtlDays,
      // Without SECRET_KEY (tests building the app directly), keys are sealed with a key of this process's own.
      secretKey: settings.secretKey ?? randomToken(),
    },
  });
}

/** In-app notifications, whose e-mail copy waits for the person's working hours, and composed mail. */
export function wireNotifications(
  { db, now, audit }: Platform,
  workingCalendarOf: NotificationsDeps['workingCalendarOf'],
) {
  return {
    notifications: createNotificationsService({ db, workingCalendarOf, now }),
    mail: createComposedMailService({ db, audit }),
  };
}
