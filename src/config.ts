import { customerSettings } from './config/customers.ts';
import { databaseSettings } from './config/database.ts';
import { eventSettings, readCacheSettings, realtimeSettings, redisSettings } from './config/events.ts';
import { fileSettings } from './config/files.ts';
import { apiSettings, loggingSettings, requestSettings } from './config/http.ts';
import {
  loginProtectionSettings,
  oidcSettings,
  secretKeySettings,
  sessionSettings,
} from './config/identity.ts';
import { mailRateLimitSettings, mailSettings } from './config/mail.ts';
import { cardPaymentSettings, rentalReminderSettings } from './config/rentals.ts';
import { processSettings, serverSettings } from './config/server.ts';
import { workforceSettings } from './config/workforce.ts';
import { ConfigError, origins, type NodeEnv, type Setting } from './config/parsers.ts';

export type { NodeEnv } from './config/parsers.ts';

/**
 * Every setting Opsdesk reads from its environment, in one table: the parser, the
 * default and the sentence that the README's configuration table and the boot error
 * both show. `process.env` is read here and nowhere else (lint rule).
 *
 * The areas under config/ hold the settings; this table puts them in the order the
 * README, `.env.example` and `opsdesk config` list them, which is why some areas come
 * in more than one part.
 */
const settings = {
  ...serverSettings,
  ...databaseSettings,
  ...processSettings,
  ...redisSettings,
  ...mailSettings,
  ...secretKeySettings,
  ...customerSettings,
  ...oidcSettings,
  ...apiSettings,
  ...loggingSettings,
  ...sessionSettings,
  ...fileSettings,
  ...rentalReminderSettings,
  ...workforceSettings,
  ...eventSettings,
  ...cardPaymentSettings,
  ...readCacheSettings,
  ...realtimeSettings,
  ...requestSettings,
  ...loginProtectionSettings,
  ...mailRateLimitSettings,
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
