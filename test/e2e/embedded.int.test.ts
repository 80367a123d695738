import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { opsdesk, sessionLogin, spawnOpsdesk } from '../helpers/cli.ts';

/**
 * The fresh-clone promise, end to end with real processes: `serve` with no DATABASE_URL
 * runs its own PostgreSQL, the CLI joins it while the server runs, data survives a
 * restart, and SIGTERM stops both the server and the PostgreSQL it started.
 */
describe('serve on the embedded PostgreSQL', () => {
  let dataDir = '';
  afterAll(async () => {
    if (dataDir) await fs.rm(dataDir, { recursive: true, force: true });
  });

  async function startServer(env: Record<string, string>) {
    const server = spawnOpsdesk(['serve'], { ...env, PORT: '0', LOG_LEVEL: 'warn' });
    const deadline = Date.now() + 150_000;
    for (;;) {
      const match = /serving at (http:\/\/[\d.:]+)/.exec(server.output());
      if (match?.[1]) return { server, url: match[1] };
      if (server.exitCode !== null || Date.now() > deadline)
        throw new Error(`serve did not start: ${server.output()}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  async function stop(server: ReturnType<typeof spawnOpsdesk>) {
    const exited = new Promise((resolve) => server.once('exit', resolve));
    server.kill('SIGTERM');
    await exited;
    return server.exitCode;
  }

  const login = async (url: string, username: string, password: string) =>
    (await sessionLogin(url, username, password)).status;

  const postmasterPid = async () => {
    const pidFile = await fs
      .readFile(path.join(dataDir, 'postgres/data/postmaster.pid'), 'utf8')
      .catch(() => '');
    return Number(pidFile.split('\n')[0]) || undefined;
  };

  it('serves as a role without DDL rights, lets the CLI add a superuser meanwhile, keeps data across restarts and stops cleanly', async () => {
    dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'opsdesk-embedded-'));
    await fs.chmod(dataDir, 0o755);
    const env = { DATA_DIR: dataDir, SEED_DEMO: 'true', NODE_ENV: 'development' };

    const first = await startServer(env);
    expect(first.server.output()).toContain('Demo login: admin / opsdesk-demo-lantern');
    expect((await fetch(`${first.url}/api/health/`)).status).toBe(200);
    expect(await login(first.url, 'admin', 'opsdesk-demo-lantern')).toBe(200);

    const created = await opsdesk(
      [
        'createsuperuser',
        '--username',
        'night.boss',
        '--email',
        'nb@example.test',
        '--password',
        'a-long-password',
        '--no-input',
      ],
      env,
    );
    expect(created.code, created.stderr).toBe(0);
    expect(await login(first.url, 'night.boss', 'a-long-password')).toBe(200);

    // The server connects as opsdesk_app, which cannot disable the audit log's append-only trigger.
    const port = (await fs.readFile(path.join(dataDir, 'postgres/data/postmaster.pid'), 'utf8')).split(
      '\n',
    )[3];
    const ownerPassword = await fs.readFile(path.join(dataDir, 'postgres-password'), 'utf8');
    const appPassword = await fs.readFile(path.join(dataDir, 'postgres-app-password'), 'utf8');
    const asUser = async <T>(user: string, password: string, run: (client: pg.Client) => Promise<T>) => {
      const client = new pg.Client({
        host: '127.0.0.1',
        port: Number(port),
        user,
        password,
        database: 'opsdesk',
      });
      await client.connect();
      try {
        return await run(client);
      } finally {
        await client.end();
      }
    };
    const serving = await asUser('postgres', ownerPassword, (client) =>
      client.query<{ usename: string }>(
        "SELECT DISTINCT usename FROM pg_stat_activity WHERE datname = 'opsdesk' AND application_name = 'opsdesk'",
      ),
    );
    expect(serving.rows.map((row) => row.usename)).toEqual(['opsdesk_app']);
    const disabled = await asUser('opsdesk_app', appPassword, (client) =>
      client.query('ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only').then(
        () => 'allowed',
        (error: unknown) => (error as { code?: string }).code,
      ),
    );
    expect(disabled).toBe('42501');

    const pid = await postmasterPid();
    expect(pid).toBeDefined();
    expect(await stop(first.server)).toBe(0);
    expect(() => process.kill(pid ?? 0, 0)).toThrow();

    const second = await startServer(env);
    expect(second.server.output()).not.toContain('Seeded the demo organisation');
    expect(await login(second.url, 'night.boss', 'a-long-password')).toBe(200);
    expect(await stop(second.server)).toBe(0);
  }, 480_000);
});
