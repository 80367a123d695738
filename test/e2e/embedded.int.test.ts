import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { opsdesk, spawnOpsdesk } from '../helpers/cli.ts';

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
    const deadline = Date.now() + 90_000;
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

  async function login(url: string, username: string, password: string) {
    const csrf = await fetch(`${url}/api/csrf/`);
    const { csrfToken } = (await csrf.json()) as { csrfToken: string };
    const response = await fetch(`${url}/api/auth/login/`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-csrftoken': csrfToken,
        cookie: `csrftoken=${csrfToken}`,
      },
      body: JSON.stringify({ username, password }),
    });
    return response.status;
  }

  const postmasterPid = async () => {
    const pidFile = await fs
      .readFile(path.join(dataDir, 'postgres/data/postmaster.pid'), 'utf8')
      .catch(() => '');
    return Number(pidFile.split('\n')[0]) || undefined;
  };

  it('serves, lets the CLI add a superuser meanwhile, keeps data across restarts and stops cleanly', async () => {
    dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'opsdesk-embedded-'));
    await fs.chmod(dataDir, 0o755);
    const env = { DATA_DIR: dataDir, SEED_DEMO: 'true', NODE_ENV: 'development' };

    const first = await startServer(env);
    expect(first.server.output()).toContain('Demo login: admin / opsdesk-demo');
    expect((await fetch(`${first.url}/api/health/`)).status).toBe(200);
    expect(await login(first.url, 'admin', 'opsdesk-demo')).toBe(200);

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

    const pid = await postmasterPid();
    expect(pid).toBeDefined();
    expect(await stop(first.server)).toBe(0);
    expect(() => process.kill(pid ?? 0, 0)).toThrow();

    const second = await startServer(env);
    expect(second.server.output()).not.toContain('Seeded the demo organisation');
    expect(await login(second.url, 'night.boss', 'a-long-password')).toBe(200);
    expect(await stop(second.server)).toBe(0);
  });
});
