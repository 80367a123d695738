import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/helpers/app.ts';
import { opsdesk } from '../../../test/helpers/cli.ts';
import { publishedWorkflow, role, supportFlow } from '../../../test/helpers/service-desk.ts';

/** `opsdesk import tickets FILE`: the real CLI as a child process against this file's database. */
describe('opsdesk import tickets', () => {
  let t: TestApp;
  let dir: string;
  let agents: number[];
  let env: Record<string, string>;

  beforeAll(async () => {
    t = await createTestApp();
    agents = [];
    for (let index = 0; index < 3; index += 1)
      agents.push((await t.user({ role: 'agent', department: 'Support' })).user.id);
    await t.user({ role: 'manager', username: 'importing-manager', department: 'Support' });
    await publishedWorkflow(
      t,
      { name: 'Incidents', isDefault: true },
      supportFlow((await role(t, 'Desk', agents)).id),
    );
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'opsdesk-import-cli-'));
    env = { DATABASE_URL: t.config.databaseUrl as string, TICKET_IMPORT_BATCH_SIZE: '40' };
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
  const tickets = async () =>
    (await t.database.db.execute<{ n: number }>(sql`select count(*)::int as n from tickets`)).rows[0]?.n ?? 0;

  it('imports a CSV as a user, with progress lines, a summary and exit 0', async () => {
    const rows = Array.from({ length: 100 }, (_, i) => `incident,"Alarm ${i}",${['Low', 'High'][i % 2]}`);
    const csv = await file('tickets.csv', ['kind,title,priority', ...rows].join('\n'));
    const run = await opsdesk(['import', 'tickets', csv, '--as', 'importing-manager'], env);
    expect(run.stderr).toContain('import: 100% 100 rows');
    expect(run.stdout).toContain('100 tickets created, 0 rows skipped');
    expect(run.code).toBe(0);
    const reporters = await t.database.db.execute<{ reporter: string; assigned: number }>(
      sql`select u.username as reporter, count(t.assignee_id)::int as assigned from tickets t join users u on u.id = t.reporter_id group by u.username`,
    );
    expect(reporters.rows).toEqual([{ reporter: 'importing-manager', assigned: 100 }]);
  }, 90_000);

  it('all_or_nothing (the default) refuses a file with a bad row: exit 1, the row named, nothing written', async () => {
    const before = await tickets();
    const ndjson = await file(
      'bad.ndjson',
      '{"title":"Fine"}\n{"title":"No such facility","facility_id":424242}\n',
    );
    const run = await opsdesk(['import', 'tickets', ndjson], env);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('nothing imported, 1 rows are invalid');
    expect(run.stderr).toContain('row 2: facility_id: Invalid pk "424242" - object does not exist.');
    expect(await tickets()).toBe(before);
  }, 90_000);

  it('skip_invalid imports the rest (exit 2); a file of bad bytes is refused (exit 1)', async () => {
    const before = await tickets();
    const csv = await file('mixed.csv', 'title,priority\nGood,Low\n,Low\n');
    const skipped = await opsdesk(['import', 'tickets', csv, '--mode', 'skip_invalid'], env);
    expect(skipped.code).toBe(2);
    expect(skipped.stderr).toContain('row 3: title: This field is required.');
    expect(await tickets()).toBe(before + 1);
    const binary = path.join(dir, 'binary.csv');
    await fs.writeFile(binary, Buffer.from([0x74, 0x69, 0x74, 0x6c, 0x65, 0x0a, 0xff, 0xfe, 0x0a]));
    const refused = await opsdesk(['import', 'tickets', binary], env);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('not UTF-8');
  }, 90_000);
});
