import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type Browser, type TestApp } from '../../../test/helpers/app.ts';
import { runDueJobs } from '../../platform/jobs/worker.ts';
import { createCustomerImportJobs } from './customers.import.jobs.ts';

const quiet = pino({ level: 'silent' });

/** A multipart/form-data body with one CSV file in the field "file". */
function multipart(content: string | Buffer, filename = 'customers.csv') {
  const boundary = `----opsdesk-${randomUUID()}`;
  return {
    payload: Buffer.concat([
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${filename}"\r\n` +
          'Content-Type: text/csv\r\n\r\n',
      ),
      typeof content === 'string' ? Buffer.from(content) : content,
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ]),
    headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
  };
}

interface ImportV2 {
  id: number;
  status: string;
  rows: number;
  created: number;
  failed: number;
  duplicates: number;
  errors: { row: number; field: string; message: string }[];
  detail: string | null;
}

describe('customer imports: POST /api/v2/customers/imports', () => {
  let t: TestApp;
  let manager: Browser;
  let otherManager: Browser;
  let agent: Browser;
  const marker = `zq${randomUUID().replace(/-/g, '').slice(0, 12)}`;

  beforeAll(async () => {
    t = await createTestApp();
    manager = await t.login(await t.user({ role: 'manager' }));
    otherManager = await t.login(await t.user({ role: 'manager' }));
    agent = await t.login(await t.user({ role: 'agent' }));
    const existing = await agent.post('/api/v2/customers', {
      first_name: 'Existing',
      email: 'Taken@Example.test',
      phone: '+44 20 7946 0000',
    });
    expect(existing.statusCode, existing.body).toBe(201);
  });
  afterAll(async () => {
    await t.close();
  });

  const runJobs = () =>
    runDueJobs({
      pool: t.database.pool,
      jobs: createCustomerImportJobs({ imports: t.services.customerImports }),
      log: quiet,
    });

  const upload = async (who: Browser, csv: string, query = '') => {
    const body = multipart(csv);
    return who.request({ method: 'POST', url: `/api/v2/customers/imports${query}`, ...body });
  };

  const imported = async (csv: string, query: string) => {
    const response = await upload(manager, csv, query);
    expect(response.statusCode, response.body).toBe(202);
    const queued = response.json<ImportV2>();
    expect(response.headers.location).toBe(`/api/v2/customers/imports/${queued.id}`);
    expect(queued.status).toBe('queued');
    await runJobs();
    const status = await manager.get(`/api/v2/customers/imports/${queued.id}`);
    expect(status.statusCode).toBe(200);
    return status.json<ImportV2>();
  };

  const count = async (where = sql`true`) =>
    (await t.database.db.execute<{ n: number }>(sql`select count(*)::int as n from customers where ${where}`))
      .rows[0]?.n ?? 0;

  it('skip_invalid: creates the valid rows, reports invalid rows and duplicates (in the file and existing) without values', async () => {
    const csv = [
      'first_name,last_name,email,phone,notes,tags,marketing_consent,date_of_birth',
      `Ada,Lovelace,ada.${marker}@example.test,+44 20 7946 0001,secret ${marker},vip;press,yes,1915-12-10`,
      `Bad,Mail,not-an-email-${marker},,,,,`,
      `Again,Taken,taken@example.TEST,,,,,`,
      `Same,Phone,,+44 (0)20 7946 0001,,,,`,
      `,,,,,,,`,
      `Bob,Builder,bob.${marker}@example.test,,,,maybe,`,
      `Carl,Clean,carl.${marker}@example.test,+44 20 7946 0002,,,no,`,
    ].join('\n');
    const result = await imported(csv, '?mode=skip_invalid');
    expect(result, JSON.stringify(result.errors)).toMatchObject({
      status: 'succeeded',
      rows: 7,
      created: 2,
      failed: 5,
      duplicates: 2,
    });
    expect(result.errors).toEqual([
      { row: 3, field: 'email', message: 'Enter a valid email address.' },
      {
        row: 4,
        field: 'email',
        message: expect.stringMatching(/^Duplicate: customer \d+ has this e-mail\.$/),
      },
      { row: 5, field: 'phone', message: 'Duplicate: row 2 has the same phone number.' },
      { row: 6, field: 'last_name', message: 'A person needs a first or a last name.' },
      { row: 7, field: 'marketing_consent', message: 'Expected true or false (or yes/no, 1/0).' },
    ]);

    const report = await manager.get(`/api/v2/customers/imports/${result.id}/errors`);
    expect(report.statusCode).toBe(200);
    expect(report.headers['content-type']).toMatch(/^text\/csv/);
    expect(report.body.split('\n')[0]).toBe('row,field,message');
    expect(report.body).toContain('3,email,Enter a valid email address.');
    expect(report.body).not.toContain(marker);
    expect(report.body).not.toMatch(/taken@/i);

    // Read back through the API, decrypted, as a create would have stored them (a manager reads PII in clear).
    const found = await manager.get(
      `/api/v2/customers?email=${encodeURIComponent(`ADA.${marker}@example.test`)}`,
    );
    const [ada] = found.json<{ data: Record<string, unknown>[] }>().data;
    expect(ada).toMatchObject({
      first_name: 'Ada',
      phone: '+44 20 7946 0001',
      notes: `secret ${marker}`,
      tags: ['vip', 'press'],
      date_of_birth: '1915-12-10',
      marketing_consent: { granted: true, source: 'import' },
      version: 1,
    });
    const [entry] = await t.services.audit.historyOf('customer', ada?.id as number);
    expect(entry).toMatchObject({ action: 'customer.created', after: { import_id: result.id } });
    expect(JSON.stringify(entry)).not.toContain(marker);
  });

  it('leaves no plaintext behind: the stored file is sealed, then destroyed; the rows are ciphertexts', async () => {
    const csv = `first_name,email,notes\nDora,dora.${marker}@example.test,plain ${marker}\n`;
    const response = await upload(manager, csv);
    expect(response.statusCode, response.body).toBe(202);
    const { id } = response.json<ImportV2>();
    const holds = async (statement: ReturnType<typeof sql>) =>
      (await t.database.db.execute<{ found: boolean }>(statement)).rows[0]?.found;
    const stored = sql`select coalesce(position(convert_to(${marker}, 'UTF8') in data) > 0, false) as found from customer_imports where id = ${id}`;
    expect(await holds(sql`select data is not null as found from customer_imports where id = ${id}`)).toBe(
      true,
    );
    expect(await holds(stored)).toBe(false);
    expect(
      await holds(
        sql`select exists (select 1 from graphile_worker._private_jobs where payload::text like ${`%${marker}%`}) as found`,
      ),
    ).toBe(false);
    await runJobs();
    expect(
      await holds(
        sql`select data is null and data_key is null as found from customer_imports where id = ${id}`,
      ),
    ).toBe(true);
    expect(
      await holds(
        sql`select exists (select 1 from customers where position(convert_to(${marker}, 'UTF8') in coalesce(email, '') || coalesce(notes, '')) > 0) as found`,
      ),
    ).toBe(false);
    expect(await count(sql`first_name = 'Dora'`)).toBe(1);
  });

  it('all_or_nothing (the default): one bad row imports nothing, and the status says why', async () => {
    const before = await count();
    const csv = `first_name,email\nEve,eve.${marker}@example.test\nFay,fay.${marker}@example.test\nEve2,EVE.${marker}@example.test\n`;
    const result = await imported(csv, '');
    expect(result).toMatchObject({
      status: 'failed',
      rows: 3,
      created: 0,
      failed: 1,
      duplicates: 1,
      detail: 'Some rows are invalid or duplicates; nothing was imported.',
      errors: [{ row: 4, field: 'email', message: 'Duplicate: row 2 has the same e-mail.' }],
    });
    expect(await count()).toBe(before);
  });

  it('queues welcome e-mails only when asked, and only for customers who consented', async () => {
    const welcomes = async () =>
      (
        await t.database.db.execute<{ n: number }>(
          sql`select count(*)::int as n from customer_welcome_emails`,
        )
      ).rows[0]?.n ?? 0;
    const before = await welcomes();
    const rows = (tag: string) =>
      `first_name,email,marketing_consent\nGil,gil.${tag}@example.test,true\nHal,hal.${tag}@example.test,false\n`;
    expect((await imported(rows(`a${marker}`), '')).created).toBe(2);
    expect(await welcomes()).toBe(before);
    expect((await imported(rows(`b${marker}`), '?send_welcome=true')).created).toBe(2);
    expect(await welcomes()).toBe(before + 1);
    const jobs = await t.database.db.execute<{ n: number }>(sql`
      select count(*)::int as n from graphile_worker._private_jobs j
        join graphile_worker._private_tasks task on task.id = j.task_id
       where task.identifier = 'customers.send-welcome'`);
    expect(jobs.rows[0]?.n).toBe(1);
  });

  it('refuses an unreadable file at once; imports are for managers, each seeing their own', async () => {
    const unknown = await upload(manager, 'first_name,password\nIvy,x\n');
    expect(unknown.statusCode).toBe(422);
    expect(unknown.json<{ detail: string }>().detail).toMatch(/Unknown column "password"/);
    const bytes = await manager.request({
      method: 'POST',
      url: '/api/v2/customers/imports',
      ...multipart(Buffer.concat([Buffer.from('first_name\nJo'), Buffer.from([0xff, 0x0a])])),
    });
    expect(bytes.statusCode).toBe(400);
    expect((await upload(agent, 'first_name\nJo\n')).statusCode).toBe(403);

    const mine = await upload(manager, 'first_name\nKim\n');
    const { id } = mine.json<ImportV2>();
    expect((await otherManager.get(`/api/v2/customers/imports/${id}`)).statusCode).toBe(404);
    expect((await otherManager.get(`/api/v2/customers/imports/${id}/errors`)).statusCode).toBe(404);
    await runJobs();
  });
});
