import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import { connectDatabase, type DatabaseHandle } from '../../src/platform/db/client.ts';
import { Browser } from '../helpers/app.ts';
import { createTestDatabase } from '../helpers/database.ts';
import { opsdesk } from '../helpers/cli.ts';

describe('opsdesk CLI', () => {
  let database: { url: string; drop(): Promise<void> };
  let handle: DatabaseHandle | undefined;
  let app: FastifyInstance | undefined;

  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await app?.close();
    await handle?.close();
    await database.drop();
  });

  /** The API in-process on the database the CLI wrote to. */
  const server = async (): Promise<FastifyInstance> => {
    if (app) return app;
    const config = loadConfig({
      NODE_ENV: 'test',
      DATABASE_URL: database.url,
      RATE_LIMIT_PER_MINUTE: '0',
      LOGIN_RATE_LIMIT_PER_MINUTE: '0',
      LOG_LEVEL: 'silent',
    });
    handle = connectDatabase({ url: database.url, poolMax: 4, statementTimeoutMs: 10_000 });
    app = await buildApp({ config, database: handle, logger: false });
    await app.ready();
    return app;
  };

  /** The BMS login flow: CSRF token first, then the login with it. */
  const login = async (username: string, password: string) => {
    const browser = new Browser(await server());
    await browser.fetchCsrf();
    const response = await browser.post('/api/auth/login/', { username, password });
    return { browser, response };
  };

  it('createsuperuser --no-input creates an admin who can log in through the BMS flow', async () => {
    const run = await opsdesk(
      [
        'createsuperuser',
        '--username',
        'boss',
        '--email',
        'boss@example.test',
        '--password',
        'long-enough-pw',
        '--no-input',
      ],
      { DATABASE_URL: database.url },
    );
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Superuser "boss" is ready.');

    const { browser, response } = await login('boss', 'long-enough-pw');
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({
      username: 'boss',
      email: 'boss@example.test',
      is_staff: true,
      is_active: true,
    });
    const me = await browser.get('/api/v2/me');
    expect(me.json()).toMatchObject({ username: 'boss', role: 'admin' });
    // An administrator indeed: the audit log is for admins only.
    expect((await browser.get('/api/v2/audit-log')).statusCode).toBe(200);
  });

  it('createsuperuser again with a new password updates it: the new one works, the old one does not', async () => {
    const run = await opsdesk(
      [
        'createsuperuser',
        '--username',
        'boss',
        '--email',
        'boss@example.test',
        '--password',
        'another-long-pw',
        '--no-input',
      ],
      { DATABASE_URL: database.url },
    );
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Superuser "boss" is ready.');

    expect((await login('boss', 'another-long-pw')).response.statusCode).toBe(200);
    expect((await login('boss', 'long-enough-pw')).response.statusCode).toBe(401);
    const { browser } = await login('boss', 'another-long-pw');
    const users = await browser.get('/api/v2/users?search=boss');
    expect(users.json<{ data: { username: string }[] }>().data.map((user) => user.username)).toEqual([
      'boss',
    ]);
  });

  it('createsuperuser --no-input without --password exits non-zero naming the missing option', async () => {
    const run = await opsdesk(
      ['createsuperuser', '--username', 'nopass', '--email', 'nopass@example.test', '--no-input'],
      { DATABASE_URL: database.url },
    );
    expect(run.code).not.toBe(0);
    expect(run.code).not.toBeNull();
    expect(run.stderr).toMatch(/password/i);
    expect(run.stderr).toMatch(/--no-input/);
    expect(run.stderr).not.toMatch(/\n\s+at /);
    expect((await login('nopass', 'whatever-pw')).response.statusCode).toBe(401);
  });

  it('createsuperuser refuses a weak password, saying why, and creates nobody', async () => {
    const run = await opsdesk(
      [
        'createsuperuser',
        '--username',
        'weak',
        '--email',
        'weak@example.test',
        '--password',
        'password1234',
        '--no-input',
      ],
      { DATABASE_URL: database.url },
    );
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('password: This password is too easy to guess.');
    expect(run.stderr).not.toMatch(/\n\s+at /);
    expect((await login('weak', 'password1234')).response.statusCode).toBe(401);
  });

  it('opsdesk config prints the settings table', async () => {
    const run = await opsdesk(['config'], {});
    expect(run.code).toBe(0);
    const lines = run.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^\| Variable \| Default \| Meaning \|$/);
    expect(lines[1]).toMatch(/^\| -+ \| -+ \| -+ \|$/);
    expect(lines.find((line) => line.includes('`DATABASE_URL`'))).toBeDefined();
    expect(lines.find((line) => line.includes('`PORT`'))).toMatch(/8000/);
    expect(lines.slice(2).every((line) => line.startsWith('| `'))).toBe(true);
  });

  it('opsdesk migrate with an invalid PORT exits 1 with one line naming PORT', async () => {
    const run = await opsdesk(['migrate'], { DATABASE_URL: database.url, PORT: 'abc' });
    expect(run.code).toBe(1);
    expect(run.stdout).not.toContain('Migrations applied.');
    const portLines = run.stderr.split('\n').filter((line) => line.includes('PORT'));
    expect(portLines).toHaveLength(1);
    expect(portLines[0]).toMatch(/PORT must be a whole number from 0 to 65535 \(got "abc"\)/);
    // A person's message, not a stack trace.
    expect(run.stderr).not.toMatch(/\n\s+at /);
    expect(run.stderr.trim().split('\n').length).toBeLessThanOrEqual(2);
  });

  it('opsdesk migrate with a valid environment applies nothing new and exits 0', async () => {
    const run = await opsdesk(['migrate'], { DATABASE_URL: database.url });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Migrations applied.');
  });
});
