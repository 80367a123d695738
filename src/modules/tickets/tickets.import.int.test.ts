import { sql } from 'drizzle-orm';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type Browser, type TestApp } from '../../../test/helpers/app.ts';
import { ctx, publishedWorkflow, role, supportFlow } from '../../../test/helpers/service-desk.ts';
import { runDueJobs } from '../../platform/jobs/worker.ts';
import { allJobs } from '../index.ts';

/** `POST /api/v2/tickets/imports`: inline and job paths, modes, limits, bad files, concurrency. */
const csv = (rows: string[]) => Buffer.from(['kind,title,priority,assignee_id', ...rows].join('\n') + '\n');

describe('ticket imports over the API', () => {
  let t: TestApp;
  let manager: Browser;
  let viewer: Browser;
  let agents: number[];

  beforeAll(async () => {
    // Single creates routed to a role wait for an import's batch holding that role's lock: on a
    // loaded machine that wait outlasts the default 3 s connection wait, which is not what this measures.
    t = await createTestApp({
      DATABASE_CONNECT_TIMEOUT_MS: '60000',
      TICKET_IMPORT_MAX_BYTES: '400000',
      TICKET_IMPORT_MAX_ROWS: '3000',
      TICKET_IMPORT_BATCH_SIZE: '250',
    });
    agents = [];
    for (let index = 0; index < 4; index += 1)
      agents.push((await t.user({ role: 'agent', department: 'Support' })).user.id);
    const desk = await role(t, 'Service desk', agents);
    await publishedWorkflow(t, { name: 'Incidents', isDefault: true }, supportFlow(desk.id));
    manager = await t.login(await t.user({ role: 'manager', department: 'Support' }));
    viewer = await t.login(await t.user({ role: 'viewer' }));
  });
  afterAll(async () => {
    await t.close();
  });

  const post = (browser: Browser, body: Buffer, mode = 'all_or_nothing', type = 'text/csv') =>
    browser.request({
      method: 'POST',
      url: `/api/v2/tickets/imports?mode=${mode}`,
      payload: body,
      headers: { 'content-type': type },
    });
  const count = async () =>
    (await t.database.db.execute<{ n: number }>(sql`select count(*)::int as n from tickets`)).rows[0]?.n ?? 0;

  it('imports a small file at once, each ticket routed, audited and on an SLA clock', async () => {
    const response = await post(
      manager,
      csv(['incident,Encoder down,High,', 'incident,"Studio 2, no sound",Low,']),
    );
    expect(response.statusCode).toBe(201);
    const body = response.json<{ status: string; created: number; ticket_ids: number[] }>();
    expect(body).toMatchObject({ status: 'succeeded', created: 2, failed: 0 });
    const ticket = await t.services.tickets.get(ctx.actor, body.ticket_ids[1] as number);
    expect(ticket.title).toBe('Studio 2, no sound');
    expect(agents).toContain(ticket.assigneeId);
    const facts = await t.database.db.execute<{ clocks: number; runs: number; audit: number }>(
      sql`select (select count(*) from ticket_slas where ticket_id = ${ticket.id})::int as clocks,
        (select count(*) from ticket_workflows where ticket_id = ${ticket.id})::int as runs,
        (select count(*) from audit_log where resource_type = 'ticket' and resource_id = ${String(ticket.id)})::int as audit`,
    );
    expect(facts.rows[0]).toEqual({ clocks: 1, runs: 1, audit: 3 });
  });

  it('all_or_nothing: one bad row is a 422 naming row, field and message, and nothing is written', async () => {
    const before = await count();
    const response = await post(
      manager,
      csv(['incident,Fine,High,', 'incident,,Urgent,', 'incident,Ok,Low,999999']),
    );
    expect(response.statusCode).toBe(422);
    expect(response.headers['content-type']).toContain('application/problem+json');
    expect(response.json<{ errors: unknown[] }>().errors).toEqual([
      { row: 3, field: 'title', message: 'This field is required.' },
      { row: 3, field: 'priority', message: expect.stringContaining('"Urgent" is not a valid choice') },
      { row: 4, field: 'assignee_id', message: 'Invalid pk "999999" - object does not exist.' },
    ]);
    expect(await count()).toBe(before);
  });

  it('skip_invalid: imports the good rows and reports the others', async () => {
    const before = await count();
    const response = await post(
      manager,
      csv(['incident,Fine,High,', 'service,Bad,Medium,abc']),
      'skip_invalid',
    );
    expect(response.statusCode).toBe(201);
    expect(response.json()).toMatchObject({
      created: 1,
      failed: 1,
      errors: [{ row: 3, field: 'assignee_id', message: expect.stringContaining('not a valid id') }],
    });
    expect(await count()).toBe(before + 1);
  });

  it('NDJSON works too; bad bytes, unknown columns, size and row limits are 4xx', async () => {
    const ndjson = Buffer.from('{"title":"From JSON","priority":"critical"}\n{"title": 5\n');
    const mixed = await post(manager, ndjson, 'skip_invalid', 'application/x-ndjson');
    expect(mixed.statusCode).toBe(201);
    expect(mixed.json()).toMatchObject({
      created: 1,
      failed: 1,
      errors: [{ row: 2, message: 'This line is not valid JSON.' }],
    });

    const latin1 = Buffer.concat([Buffer.from('title\nCaf'), Buffer.from([0xe9]), Buffer.from('\n')]);
    const badBytes = await post(manager, latin1);
    expect(badBytes.statusCode).toBe(400);
    expect(badBytes.json<{ detail: string }>().detail).toContain('not UTF-8');

    expect((await post(manager, Buffer.from('title,colour\nA,red\n'))).statusCode).toBe(422);
    expect((await post(manager, Buffer.from('title\n'), 'all_or_nothing', 'text/plain')).statusCode).toBe(
      415,
    );
    expect((await post(manager, Buffer.alloc(400_001, 'a'))).statusCode).toBe(413);
    const tooMany = csv(Array.from({ length: 3001 }, (_, i) => `incident,T${i},Low,`));
    expect((await post(manager, tooMany)).statusCode).toBe(413);
    expect((await post(viewer, csv(['incident,Nope,Low,']))).statusCode).toBe(403);
  });

  it('runs a large file as a job: 202, a status resource, the row problems as CSV', async () => {
    const before = await count();
    const rows = Array.from({ length: 1500 }, (_, i) =>
      i === 700 ? 'incident,,Low,' : `incident,Bulk ${i},Medium,`,
    );
    const response = await post(manager, csv(rows), 'skip_invalid');
    expect(response.statusCode).toBe(202);
    const { id, status } = response.json<{ id: number; status: string }>();
    expect(status).toBe('queued');
    expect(response.headers.location).toBe(`/api/v2/tickets/imports/${id}`);
    await runDueJobs({
      pool: t.database.pool,
      jobs: allJobs(t.services, t.database.db),
      log: pino({ level: 'silent' }),
    });
    const done = await manager.get(`/api/v2/tickets/imports/${id}`);
    expect(done.json()).toMatchObject({ status: 'succeeded', rows: 1500, created: 1499, failed: 1 });
    expect(await count()).toBe(before + 1499);
    const errors = await manager.get(`/api/v2/tickets/imports/${id}/errors`);
    expect(errors.headers['content-type']).toContain('text/csv');
    expect(errors.body).toBe('row,field,message\n702,title,This field is required.\n');
    // Someone else's import is not found.
    const other = await t.login(await t.user({ role: 'manager' }));
    expect((await other.get(`/api/v2/tickets/imports/${id}`)).statusCode).toBe(404);
  }, 120_000);

  it('two imports and single creates at once: unique numbers, fair assignment', async () => {
    const many = (prefix: string) =>
      csv(Array.from({ length: 600 }, (_, i) => `incident,${prefix} ${i},Medium,`));
    const singles = Array.from({ length: 20 }, (_, i) =>
      t.services.tickets.create(ctx, 'incident', { title: `Single ${i}`, priority: 'medium' }),
    );
    const [first, second] = await Promise.all([
      post(manager, many('A'), 'skip_invalid'),
      post(manager, many('B'), 'skip_invalid'),
      ...singles,
    ]);
    expect(first.statusCode).toBe(201);
    expect(second.statusCode).toBe(201);
    const numbers = await t.database.db.execute<{ total: number; distinct: number }>(
      sql`select count(*)::int as total, count(distinct number)::int as distinct from tickets where kind = 'incident'`,
    );
    expect(numbers.rows[0]?.distinct).toBe(numbers.rows[0]?.total);
    const load = await t.database.db.execute<{ n: number }>(
      sql`select count(*)::int as n from tickets where status in ('open', 'in_progress') and assignee_id is not null group by assignee_id`,
    );
    const counts = load.rows.map((row) => row.n);
    expect(counts).toHaveLength(4);
    expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(1);
  }, 120_000);
});
