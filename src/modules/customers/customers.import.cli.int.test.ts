import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/helpers/app.ts';
import { opsdesk } from '../../../test/helpers/cli.ts';

/** `opsdesk import customers FILE.csv`: the real CLI as a child process against this file's database. */
describe('opsdesk import customers', () => {
  let t: TestApp;
  let dir: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    t = await createTestApp();
    await t.user({ role: 'manager', username: 'customer-importer' });
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'opsdesk-customer-import-cli-'));
    env = { DATABASE_URL: t.config.databaseUrl as string };
  });
  afterAll(async () => {
    await fs.rm(dir, { recursive: true, force: true });
    await t.close();
  });

  const file = async (name: string, content: string) => {
    const target = path.join(dir, name);
    await fs.writeFile(target, content);
    return target;
  };
  const welcomes = async () =>
    (await t.database.db.execute<{ n: number }>(sql`select count(*)::int as n from customer_welcome_emails`))
      .rows[0]?.n ?? 0;

  it('imports as a user with progress and a summary; duplicates skipped (exit 2); welcomes only with --welcome', async () => {
    const rows = Array.from({ length: 50 }, (_, i) => `Person,${i},p${i}@cli.example,true`);
    const csv = await file(
      'customers.csv',
      ['first_name,last_name,email,marketing_consent', ...rows, 'Again,0,P0@CLI.example,true'].join('\n'),
    );
    const run = await opsdesk(
      ['import', 'customers', csv, '--mode', 'skip_invalid', '--as', 'customer-importer'],
      env,
    );
    expect(run.stderr).toContain('import: 100% 51 rows');
    expect(run.stdout).toContain('50 customers created, 1 rows skipped (1 duplicates)');
    expect(run.stderr).toContain('row 52: email: Duplicate: row 2 has the same e-mail.');
    expect(run.code).toBe(2);
    expect(await welcomes()).toBe(0);
    const audit = await t.database.db.execute<{ actor: string; n: number }>(
      sql`select actor_label as actor, count(*)::int as n from audit_log where action = 'customer.created' group by actor_label`,
    );
    expect(audit.rows).toEqual([{ actor: 'customer-importer', n: 50 }]);

    const more = await file('more.csv', 'first_name,email,marketing_consent\nWendy,wendy@cli.example,true\n');
    const welcomed = await opsdesk(['import', 'customers', more, '--welcome'], env);
    expect(welcomed.code).toBe(0);
    expect(await welcomes()).toBe(1);
  }, 90_000);
});
