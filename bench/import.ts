/**
 * How fast a ticket import runs: a scratch database on the local PostgreSQL set up as a
 * routed service desk (an office-hours calendar, SLA policies per priority, categories,
 * a default workflow and a category workflow whose start steps assign fairly among
 * agents), a generated CSV of ROWS tickets, then the real CLI
 * (`opsdesk import tickets FILE`) as a child process, timed; the counts are checked after.
 *
 *   npx tsx bench/import.ts --rows 100000 [--mode skip_invalid|all_or_nothing] [--keep]
 *
 * The database (IMPORT_BENCH_DATABASE_URL, default opsdesk_import_bench) is dropped and
 * created anew on every run.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config.ts';
import { createServices } from '../src/modules/index.ts';
import { systemContext } from '../src/platform/auth/actor.ts';
import { connectDatabase } from '../src/platform/db/client.ts';
import { runMigrations } from '../src/platform/db/migrate.ts';
import { countsAt, loadAverage, recreateDatabase, timedCli } from './lib/scratch.ts';

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '100000' },
    mode: { type: 'string', default: 'skip_invalid' },
    keep: { type: 'boolean', default: false },
  },
});
const rows = Number(values.rows);
const url =
  process.env.IMPORT_BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/opsdesk_import_bench';

const week = Object.fromEntries([1, 2, 3, 4, 5].map((day) => [day, [{ start: '09:00', end: '17:00' }]]));

async function serviceDesk() {
  const config = loadConfig({ NODE_ENV: 'test', DATABASE_URL: url, LOG_LEVEL: 'silent' });
  const database = connectDatabase({ url, poolMax: 4, statementTimeoutMs: 60_000 });
  await runMigrations(database.pool);
  const services = createServices(database, config);
  const ctx = systemContext('bench');
  const support = await services.identity.ensureDepartment(ctx, 'Support');
  const agents = [];
  for (let index = 1; index <= 20; index += 1) {
    const person = await services.identity.createPerson(ctx, {
      username: `agent${index}`,
      email: `agent${index}@bench.opsdesk.test`,
      firstName: 'Agent',
      lastName: String(index),
      role: 'agent',
      departmentId: support.id,
    });
    agents.push(person.user.id);
  }
  const categories = [];
  for (const name of ['Network', 'Playout', 'Studio', 'Facilities'])
    categories.push((await services.ticketReference.createCategory(ctx, { name })).id);
  const calendar = await services.calendars.createCalendar(ctx, {
    name: 'Office',
    timeZone: 'Europe/Berlin',
    weekly: week,
  });
  for (const [priority, minutes] of [
    ['low', 2400],
    ['medium', 960],
    ['high', 480],
    ['critical', 120],
  ] as const)
    await services.slaPolicies.createPolicy(ctx, {
      name: `${priority} policy`,
      priority,
      calendarId: calendar.id,
      resolutionMinutes: minutes,
      firstResponseMinutes: minutes / 8,
    });
  const desk = await services.workflowAdmin.createRole(ctx, { name: 'Service desk' });
  await services.workflowAdmin.addMembers(ctx, desk.id, agents);
  const network = await services.workflowAdmin.createRole(ctx, { name: 'Network team' });
  await services.workflowAdmin.addMembers(ctx, network.id, agents.slice(0, 5));
  const flow = (roleId: number) => ({
    steps: [
      { key: 'triage', name: 'Triage', status: 'open' as const, role_id: roleId, sla_weight: 1, start: true },
      { key: 'working', name: 'Working', status: 'in_progress' as const, role_id: roleId, sla_weight: 3 },
      { key: 'resolved', name: 'Resolved', status: 'resolved' as const },
    ],
    transitions: [
      { action: 'start', from: 'triage', to: 'working' },
      { action: 'resolve', from: 'working', to: 'resolved' },
    ],
  });
  for (const [input, roleId] of [
    [{ name: 'Incidents', kind: 'incident' as const, isDefault: true }, desk.id],
    [{ name: 'Network incidents', kind: 'incident' as const, categoryId: categories[0] }, network.id],
  ] as const) {
    const workflow = await services.workflowAdmin.createWorkflow(ctx, input);
    const draft = await services.workflowAdmin.createDraft(ctx, workflow.id, { definition: flow(roleId) });
    await services.workflowAdmin.publish(ctx, workflow.id, draft.number);
  }
  await database.close();
  return { agents, categories, department: support.id };
}

async function writeCsv(file: string, desk: Awaited<ReturnType<typeof serviceDesk>>) {
  const priorities = ['Low', 'Medium', 'High', 'Critical'];
  const lines = ['kind,title,description,priority,category_id,department_id,assignee_id'];
  for (let index = 0; index < rows; index += 1) {
    const category = index % 5 === 0 ? '' : String(desk.categories[index % desk.categories.length]);
    const assignee = index % 50 === 0 ? String(desk.agents[index % desk.agents.length]) : '';
    lines.push(
      `incident,"Playout alarm ${index}: encoder ""B"" dropped","Imported from the old tracker, row ${index}",${priorities[index % 4]},${category},${desk.department},${assignee}`,
    );
  }
  await fs.writeFile(file, `${lines.join('\n')}\n`);
}

const runCli = (file: string) =>
  timedCli(['import', 'tickets', file, '--mode', values.mode], {
    ...process.env,
    DATABASE_URL: url,
    NODE_ENV: 'production',
    SECRET_KEY: 'x'.repeat(48),
    LOG_LEVEL: 'warn',
  });

const counts = () =>
  countsAt(
    url,
    `select
    (select count(*) from tickets)::int as tickets, (select count(*) from ticket_slas)::int as clocks,
    (select count(*) from ticket_workflows)::int as runs, (select count(*) from ticket_assignments)::int as assignments,
    (select count(*) from audit_log where resource_type = 'ticket')::int as audit,
    (select max(c) - min(c) from (select count(*) c from tickets where assignee_id is not null group by assignee_id) s)::int as spread`,
  );

await recreateDatabase(url);
const desk = await serviceDesk();
const file = path.join(await fs.mkdtemp(path.join(os.tmpdir(), 'opsdesk-import-')), 'tickets.csv');
await writeCsv(file, desk);
const load = loadAverage();
const { code, seconds } = await runCli(file);
const found = await counts();
console.log(
  `\n${rows.toLocaleString('en')} rows in ${seconds.toFixed(1)} s (${Math.round(rows / seconds).toLocaleString('en')} rows/s, CLI start included), exit ${code}`,
);
console.log(`load average before: ${load}; after: ${loadAverage()}; ${os.cpus().length} CPUs`);
console.log(`written: ${JSON.stringify(found)}`);
await fs.rm(path.dirname(file), { recursive: true });
if (!values.keep) await recreateDatabase(url).catch(() => undefined);
