import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeSettings, loadConfig } from './config.ts';

const SECRET = 'x'.repeat(32);
/** What production requires besides SECRET_KEY: the customer key ring and blind-index key. */
const CUSTOMER_KEYS = {
  CUSTOMER_DATA_KEYS: `k1:${Buffer.alloc(32, 1).toString('base64')}`,
  CUSTOMER_BLIND_INDEX_KEY: Buffer.alloc(32, 2).toString('base64'),
};

/** The message loadConfig throws for `env`, or fails the test when it does not throw. */
function problemsOf(env: Record<string, string>): string {
  try {
    loadConfig(env);
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error(`loadConfig accepted ${JSON.stringify(env)}`);
}

describe('loadConfig', () => {
  it('fills every default for an empty development environment', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      nodeEnv: 'development',
      isProduction: false,
      host: '127.0.0.1',
      port: 8000,
      databasePoolMax: 10,
      statementTimeoutMs: 15_000,
      autoMigrate: true,
      seedDemo: true,
      dataDir: path.resolve('./.data'),
      corsOrigins: ['http://localhost:8080', 'http://127.0.0.1:8080', 'http://localhost:5173'],
      logLevel: 'info',
      trustProxy: 0,
      secureCookies: false,
      sessionTtlHours: 336,
      bodyLimitBytes: 1_048_576,
      requestTimeoutMs: 30_000,
      rateLimitPerMinute: 1200,
      loginRateLimitPerMinute: 10,
    });
    expect(config.databaseUrl).toBeUndefined();
    expect(config.redisUrl).toBeUndefined();
    expect(config.secretKey).toBeUndefined();
    expect(config.publicUrl).toBeUndefined();
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('uses the test-mode defaults under NODE_ENV=test', () => {
    const config = loadConfig({ NODE_ENV: 'test' });
    expect(config.nodeEnv).toBe('test');
    expect(config.logLevel).toBe('silent');
    expect(config.seedDemo).toBe(false);
  });

  it('treats blank values as unset', () => {
    const config = loadConfig({ PORT: '   ', LOG_LEVEL: '' });
    expect(config.port).toBe(8000);
    expect(config.logLevel).toBe('info');
  });

  it('names PORT and what it expects when PORT is not a port number', () => {
    const message = problemsOf({ PORT: 'eighty' });
    expect(message).toContain('Invalid configuration:');
    expect(message).toContain('PORT must be a whole number from 0 to 65535 (got "eighty")');
    expect(problemsOf({ PORT: '70000' })).toContain(
      'PORT must be a whole number from 0 to 65535 (got "70000")',
    );
    expect(problemsOf({ PORT: '80.5' })).toContain('PORT must be a whole number from 0 to 65535');
  });

  it('lists every bad variable at once, one per line', () => {
    const message = problemsOf({ PORT: '-1', LOG_LEVEL: 'loud', AUTO_MIGRATE: 'maybe' });
    const lines = message.split('\n').map((line) => line.trim());
    expect(lines[0]).toBe('Invalid configuration:');
    expect(lines).toContain('PORT must be a whole number from 0 to 65535 (got "-1")');
    expect(lines).toContain(
      'LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent (got "loud")',
    );
    expect(lines).toContain('AUTO_MIGRATE must be true or false (got "maybe")');
    expect(lines).toHaveLength(4);
  });

  it('never echoes the value of a secret setting', () => {
    const message = problemsOf({
      DATABASE_URL: 'mysql://root:hunter2@db/opsdesk',
      SECRET_KEY: 'short-secret',
    });
    expect(message).toContain('DATABASE_URL must be a URL starting with postgres:// or postgresql://');
    expect(message).toContain('SECRET_KEY must be at least 32 characters');
    expect(message).not.toContain('hunter2');
    expect(message).not.toContain('short-secret');
  });

  it('refuses MIGRATION_DATABASE_URL without DATABASE_URL, and a role name that is not one', () => {
    const message = problemsOf({
      MIGRATION_DATABASE_URL: 'postgres://owner:pw@db/opsdesk',
      DATABASE_APP_ROLE: 'app; DROP TABLE audit_log',
    });
    expect(message).toContain('MIGRATION_DATABASE_URL needs DATABASE_URL');
    expect(message).toContain('DATABASE_APP_ROLE must be a PostgreSQL role name');
  });

  it('refuses production without SECRET_KEY', () => {
    const message = problemsOf({ NODE_ENV: 'production' });
    expect(message).toContain('SECRET_KEY must be set in production');
    expect(() => loadConfig({ NODE_ENV: 'production', SECRET_KEY: SECRET, ...CUSTOMER_KEYS })).not.toThrow();
  });

  it('refuses production without the customer keys, and names a bad key ring without echoing it', () => {
    const message = problemsOf({ NODE_ENV: 'production', SECRET_KEY: SECRET });
    expect(message).toContain('CUSTOMER_DATA_KEYS must be set in production');
    expect(message).toContain('CUSTOMER_BLIND_INDEX_KEY must be set in production');
    const bad = problemsOf({ CUSTOMER_DATA_KEYS: 'k1:c2hvcnQ=' });
    expect(bad).toContain(
      'CUSTOMER_DATA_KEYS must be comma-separated id:key pairs, each key 32 bytes in base64',
    );
    expect(bad).not.toContain('c2hvcnQ=');
    expect(
      loadConfig({ CUSTOMER_DATA_KEYS: CUSTOMER_KEYS.CUSTOMER_DATA_KEYS }).customerDataKeys?.[0]?.id,
    ).toBe('k1');
  });

  it('refuses SEED_DEMO=true in production', () => {
    const message = problemsOf({
      NODE_ENV: 'production',
      SECRET_KEY: SECRET,
      ...CUSTOMER_KEYS,
      SEED_DEMO: 'true',
    });
    expect(message).toContain('SEED_DEMO must be false in production');
    expect(message).not.toContain('SECRET_KEY');
  });

  it('refuses SECURE_COOKIES=false in production', () => {
    expect(
      problemsOf({ NODE_ENV: 'production', SECRET_KEY: SECRET, ...CUSTOMER_KEYS, SECURE_COOKIES: 'false' }),
    ).toContain('SECURE_COOKIES must be true in production');
  });

  it('refuses OIDC_ALLOW_HTTP_ISSUERS=true in production, allows it elsewhere, and defaults it off', () => {
    expect(
      problemsOf({
        NODE_ENV: 'production',
        SECRET_KEY: SECRET,
        ...CUSTOMER_KEYS,
        OIDC_ALLOW_HTTP_ISSUERS: 'true',
      }),
    ).toContain('OIDC_ALLOW_HTTP_ISSUERS must be false in production');
    expect(loadConfig({ NODE_ENV: 'test', OIDC_ALLOW_HTTP_ISSUERS: 'true' }).oidcAllowHttpIssuers).toBe(true);
    expect(loadConfig({ NODE_ENV: 'development' }).oidcAllowHttpIssuers).toBe(false);
  });

  it('has safe production defaults', () => {
    const config = loadConfig({ NODE_ENV: 'production', SECRET_KEY: SECRET, ...CUSTOMER_KEYS });
    expect(config).toMatchObject({
      isProduction: true,
      seedDemo: false,
      secureCookies: true,
      corsOrigins: [],
      logLevel: 'info',
    });
  });

  it('refuses a wildcard CORS origin', () => {
    const message = problemsOf({ CORS_ORIGINS: '*' });
    expect(message).toContain('CORS_ORIGINS must be explicit origins (a wildcard cannot carry credentials)');
    expect(problemsOf({ CORS_ORIGINS: 'http://localhost:8080,*' })).toContain('CORS_ORIGINS');
  });

  it('refuses a CORS origin that is not a bare origin', () => {
    expect(problemsOf({ CORS_ORIGINS: 'http://localhost:8080/app' })).toContain(
      'CORS_ORIGINS must be comma-separated origins like http://localhost:8080 (got "http://localhost:8080/app")',
    );
    expect(problemsOf({ CORS_ORIGINS: 'localhost:8080' })).toContain('CORS_ORIGINS');
  });

  it('refuses an unknown NODE_ENV', () => {
    expect(problemsOf({ NODE_ENV: 'staging' })).toContain(
      'NODE_ENV must be one of development, production, test (got "staging")',
    );
  });

  it('parses good values', () => {
    const config = loadConfig({
      NODE_ENV: 'production',
      HOST: '0.0.0.0',
      PORT: '0',
      PUBLIC_URL: 'https://desk.example.com',
      DATABASE_URL: 'postgres://opsdesk:pw@db:5432/opsdesk',
      DATABASE_POOL_MAX: '25',
      AUTO_MIGRATE: 'off',
      SEED_DEMO: 'no',
      DATA_DIR: '/var/lib/opsdesk',
      REDIS_URL: 'rediss://cache:6380',
      SECRET_KEY: SECRET,
      ...CUSTOMER_KEYS,
      CORS_ORIGINS: ' https://app.example.com , http://localhost:8080 ,',
      LOG_LEVEL: 'warn',
      TRUST_PROXY: '2',
      SECURE_COOKIES: 'TRUE',
      SESSION_TTL_HOURS: '24',
      BODY_LIMIT_BYTES: '2048',
      REQUEST_TIMEOUT_MS: '5000',
      RATE_LIMIT_PER_MINUTE: '0',
      LOGIN_RATE_LIMIT_PER_MINUTE: '5',
    });
    // toMatchObject: settings added later keep their defaults and must not break this test.
    expect(config).toMatchObject({
      nodeEnv: 'production',
      isProduction: true,
      host: '0.0.0.0',
      port: 0,
      publicUrl: 'https://desk.example.com',
      databaseUrl: 'postgres://opsdesk:pw@db:5432/opsdesk',
      databasePoolMax: 25,
      statementTimeoutMs: 15_000,
      autoMigrate: false,
      seedDemo: false,
      dataDir: '/var/lib/opsdesk',
      redisUrl: 'rediss://cache:6380',
      secretKey: SECRET,
      corsOrigins: ['https://app.example.com', 'http://localhost:8080'],
      logLevel: 'warn',
      trustProxy: 2,
      secureCookies: true,
      sessionTtlHours: 24,
      bodyLimitBytes: 2048,
      requestTimeoutMs: 5000,
      rateLimitPerMinute: 0,
      loginRateLimitPerMinute: 5,
    });
  });

  it('mails to files by default and takes an SMTP URL without echoing it', () => {
    const config = loadConfig({});
    expect(config.smtpUrl).toBeUndefined();
    expect(config.mailFrom).toBe('Opsdesk <opsdesk@localhost>');
    expect(
      loadConfig({ SMTP_URL: 'smtps://desk:pw@mail.example.com:465', MAIL_FROM: 'desk@example.com' }),
    ).toMatchObject({ smtpUrl: 'smtps://desk:pw@mail.example.com:465', mailFrom: 'desk@example.com' });
    const message = problemsOf({ SMTP_URL: 'http://desk:hunter2@mail.example.com', MAIL_FROM: 'Opsdesk' });
    expect(message).toContain('SMTP_URL must be a URL starting with smtp:// or smtps://');
    expect(message).not.toContain('hunter2');
    expect(message).toContain(
      'MAIL_FROM must be an address like Opsdesk <opsdesk@example.com> (got "Opsdesk")',
    );
  });

  it('rejects a PUBLIC_URL that is not http(s)', () => {
    expect(problemsOf({ PUBLIC_URL: 'ftp://desk.example.com' })).toContain(
      'PUBLIC_URL must be a URL starting with http:// or https:// (got "ftp://desk.example.com")',
    );
  });
});

describe('describeSettings', () => {
  it('documents every variable with its default', () => {
    const rows = describeSettings();
    const byEnv = new Map(rows.map((row) => [row.env, row]));
    expect(byEnv.get('PORT')?.default).toBe('8000');
    expect(byEnv.get('DATABASE_URL')?.default).toBe('(unset)');
    expect(byEnv.get('SEED_DEMO')?.default).toBe('true (production: false)');
    expect(byEnv.get('CORS_ORIGINS')?.default).toContain('(production: (none))');
    for (const row of rows) expect(row.description.length).toBeGreaterThan(10);
  });
});
