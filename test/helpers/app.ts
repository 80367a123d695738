import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { buildApp } from '../../src/app.ts';
import { loadConfig, type Config } from '../../src/config.ts';
import { systemContext, type Role } from '../../src/platform/auth/actor.ts';
import { connectRedis } from '../../src/platform/cache/redis.ts';
import { connectDatabase, type DatabaseHandle } from '../../src/platform/db/client.ts';
import type { Services } from '../../src/modules/index.ts';
import type { Person } from '../../src/modules/identity/index.ts';
import { createTestDatabase } from './database.ts';

export interface TestApp {
  app: FastifyInstance;
  database: DatabaseHandle;
  services: Services;
  config: Config;
  /** Creates a user with a password (default role agent); missing departments are created. */
  user(options?: {
    role?: Role;
    department?: string;
    username?: string;
    isActive?: boolean;
  }): Promise<Person & { password: string }>;
  /** A logged-in browser session (cookies + CSRF, as the BMS frontend does it). */
  login(person: { user: { username: string } }, password?: string): Promise<Browser>;
  close(): Promise<void>;
}

export const PASSWORD = 'correct-horse-battery';

/** Builds the app on a fresh database; with REDIS_URL in `env` it also gets a real Redis client. */
export async function createTestApp(
  env: Record<string, string> = {},
  shared?: { databaseUrl: string },
  options: { now?: () => Date } = {},
): Promise<TestApp> {
  const testDatabase = shared
    ? { url: shared.databaseUrl, drop: () => Promise.resolve() }
    : await createTestDatabase();
  const config = loadConfig({
    NODE_ENV: 'test',
    DATABASE_URL: testDatabase.url,
    RATE_LIMIT_PER_MINUTE: '0',
    LOGIN_RATE_LIMIT_PER_MINUTE: '0',
    LOG_LEVEL: 'silent',
    DATABASE_POOL_MAX: '12',
    ...env,
  });
  const database = connectDatabase({
    url: testDatabase.url,
    poolMax: config.databasePoolMax,
    statementTimeoutMs: 10_000,
    connectTimeoutMs: config.databaseConnectTimeoutMs,
  });
  const redis = config.redisUrl ? connectRedis(config.redisUrl) : undefined;
  // Connected before the first request, so tests start from shared (not in-process) counters.
  if (redis && redis.status !== 'ready') await new Promise((resolve) => redis.once('ready', resolve));
  const app = await buildApp({ config, database, redis, logger: false, now: options.now });
  await app.ready();
  const { services } = app;
  let counter = 0;
  const ctx = systemContext('test');
  const testApp: TestApp = {
    app,
    database,
    services,
    config,
    async user(options = {}) {
      counter += 1;
      const department = options.department
        ? await services.identity.ensureDepartment(ctx, options.department)
        : undefined;
      const person = await services.identity.createPerson(ctx, {
        username: options.username ?? `user${counter}_${Math.random().toString(36).slice(2, 7)}`,
        email: `user${counter}@example.test`,
        password: PASSWORD,
        firstName: 'Test',
        lastName: `User ${counter}`,
        role: options.role ?? 'agent',
        departmentId: department?.id ?? null,
        isActive: options.isActive ?? true,
      });
      return { ...person, password: PASSWORD };
    },
    async login(person, password = PASSWORD) {
      const browser = new Browser(app);
      await browser.fetchCsrf();
      const response = await browser.post('/api/auth/login/', { username: person.user.username, password });
      if (response.statusCode !== 200)
        throw new Error(`login failed: ${response.statusCode} ${response.body}`);
      return browser;
    },
    async close() {
      await app.close();
      // A Redis that a test stopped cannot take a QUIT: drop the connection then.
      await redis?.quit().catch(() => {
        redis.disconnect();
      });
      await database.close();
      await testDatabase.drop();
    },
  };
  return testApp;
}

/** Keeps cookies between requests and sends X-CSRFToken on writes, like the BMS frontend. */
export class Browser {
  readonly cookies = new Map<string, string>();
  csrfToken: string | undefined;

  constructor(private readonly app: FastifyInstance) {}

  async fetchCsrf(): Promise<string> {
    const response = await this.request({ method: 'GET', url: '/api/csrf/' });
    this.csrfToken = response.json<{ csrfToken: string }>().csrfToken;
    return this.csrfToken;
  }

  async request(options: InjectOptions & { url: string }): Promise<LightMyRequestResponse> {
    const headers: Record<string, string> = { ...(options.headers as Record<string, string> | undefined) };
    if (this.cookies.size > 0) headers.cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    if (this.csrfToken && options.method && options.method !== 'GET' && !('x-csrftoken' in headers))
      headers['x-csrftoken'] = this.csrfToken;
    const response = await this.app.inject({ ...options, headers });
    for (const cookie of response.cookies as {
      name: string;
      value: string;
      maxAge?: number;
      expires?: Date;
    }[]) {
      if (
        cookie.value === '' ||
        cookie.maxAge === 0 ||
        (cookie.expires && cookie.expires.getTime() < Date.now())
      )
        this.cookies.delete(cookie.name);
      else this.cookies.set(cookie.name, cookie.value);
    }
    return response;
  }

  get(url: string, headers?: Record<string, string>) {
    return this.request({ method: 'GET', url, headers });
  }

  post(url: string, payload?: unknown, headers?: Record<string, string>) {
    return this.request({ method: 'POST', url, payload: payload as InjectOptions['payload'], headers });
  }

  patch(url: string, payload?: unknown, headers?: Record<string, string>) {
    return this.request({ method: 'PATCH', url, payload: payload as InjectOptions['payload'], headers });
  }

  put(url: string, payload?: unknown, headers?: Record<string, string>) {
    return this.request({ method: 'PUT', url, payload: payload as InjectOptions['payload'], headers });
  }

  delete(url: string, headers?: Record<string, string>) {
    return this.request({ method: 'DELETE', url, headers });
  }
}
