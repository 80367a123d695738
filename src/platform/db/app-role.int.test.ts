import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { opsdesk, sessionLogin, spawnOpsdesk } from '../../../test/helpers/cli.ts';

/**
 * Production runs migrations as the schema owner (MIGRATION_DATABASE_URL) and serves as
 * a role that owns nothing (DATABASE_URL): an attacker who reaches the serving
 * connection cannot disable the audit log's append-only trigger or erase audit rows.
 */
describe('serving as a role without DDL rights', () => {
  const serverUrl = inject('serverUrl');
  const suffix = randomBytes(5).toString('hex');
  const database = `opsdesk_roles_${suffix}`;
  const appRole = `opsdesk_app_${suffix}`;
  const at = (user: string) => {
    const url = new URL(serverUrl);
    url.pathname = `/${database}`;
    url.username = user;
    url.password = user === appRole ? 'app-secret' : url.password;
    return url.toString();
  };
  const ownerUrl = at(new URL(serverUrl).username || 'postgres');
  const appUrl = at(appRole);
  const env = {
    DATABASE_URL: appUrl,
    MIGRATION_DATABASE_URL: ownerUrl,
    NODE_ENV: 'development',
    SEED_DEMO: 'true',
    PORT: '0',
    LOG_LEVEL: 'warn',
  };

  const admin = async <T>(run: (client: pg.Client) => Promise<T>, url = serverUrl): Promise<T> => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      return await run(client);
    } finally {
      await client.end();
    }
  };

  beforeAll(async () => {
    await admin(async (client) => {
      await client.query(`CREATE DATABASE ${database}`);
      await client.query(`CREATE ROLE ${appRole} LOGIN PASSWORD 'app-secret'`);
    });
  });

  afterAll(async () => {
    await admin(async (client) => {
      await client.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
      await client.query(`DROP ROLE IF EXISTS ${appRole}`);
    });
  });

  it('migrates as the owner, then serves, seeds and logs in as the app role', async () => {
    const migrated = await opsdesk(['migrate'], env);
    expect(migrated.code, migrated.stderr).toBe(0);

    const server = spawnOpsdesk(['serve'], env);
    try {
      const deadline = Date.now() + 90_000;
      let url: string | undefined;
      while (!url) {
        url = /serving at (http:\/\/[\d.:]+)/.exec(server.output())?.[1];
        if (server.exitCode !== null || Date.now() > deadline)
          throw new Error(`serve did not start: ${server.output()}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect((await sessionLogin(url, 'admin', 'opsdesk-demo-lantern')).status).toBe(200);

      const serving = await admin(
        (client) =>
          client.query<{ usename: string }>(
            "SELECT DISTINCT usename FROM pg_stat_activity WHERE datname = $1 AND application_name = 'opsdesk'",
            [database],
          ),
        ownerUrl,
      );
      expect(serving.rows.map((row) => row.usename)).toEqual([appRole]);
    } finally {
      const exited = new Promise((resolve) => server.once('exit', resolve));
      server.kill('SIGTERM');
      await exited;
    }
  }, 150_000);

  it('cannot disable the append-only trigger, erase audit rows or change the schema', async () => {
    const attempt = (sql: string) =>
      admin(
        (client) =>
          client.query(sql).then(
            () => 'allowed',
            (error: unknown) => (error as { code?: string }).code,
          ),
        appUrl,
      );
    const written = await admin((client) => client.query('SELECT count(*)::int AS n FROM audit_log'), appUrl);
    expect(written.rows[0]?.n).toBeGreaterThan(0);

    expect(await attempt('ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only')).toBe('42501');
    expect(await attempt('ALTER TABLE audit_log DISABLE TRIGGER ALL')).toBe('42501');
    expect(await attempt('DELETE FROM audit_log')).toBe('42501');
    expect(await attempt("UPDATE audit_log SET action = 'forged'")).toBe('42501');
    expect(await attempt('TRUNCATE audit_log')).toBe('42501');
    expect(await attempt('DROP TABLE audit_log')).toBe('42501');
    expect(await attempt('CREATE TABLE intruder (id int)')).toBe('42501');
  });
});
