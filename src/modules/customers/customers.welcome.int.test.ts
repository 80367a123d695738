import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type Browser, type TestApp } from '../../../test/helpers/app.ts';
import { runMailJobs, startSmtpServer, type TestSmtpServer } from '../../../test/helpers/smtp.ts';
import { enqueue } from '../../platform/jobs/define-job.ts';
import { customerWelcomeEmails } from './customers.jobs.tables.ts';
import { createCustomersWelcomeJobs, SEND_WELCOME } from './customers.welcome.ts';

/** A MIME part's text with quoted-printable soft breaks and escapes undone. */
const decoded = (raw: string) =>
  raw
    .replace(/=\r\n/g, '')
    .replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));

describe('customer welcome e-mail (real SMTP server)', () => {
  let t: TestApp;
  let smtp: TestSmtpServer;
  let mailDir: string;
  let agent: Browser;

  beforeAll(async () => {
    t = await createTestApp();
    smtp = await startSmtpServer();
    mailDir = await fs.mkdtemp(path.join(os.tmpdir(), 'opsdesk-welcome-'));
    agent = await t.login(await t.user({ role: 'agent' }));
  });
  afterAll(async () => {
    await t.close();
    await smtp.close();
    await fs.rm(mailDir, { recursive: true, force: true });
  });

  const runJobs = () =>
    runMailJobs(t, smtp, mailDir, (mailer) =>
      createCustomersWelcomeJobs({ db: t.database.db, vault: t.services.customerVault, mailer }),
    );

  const mailsTo = (address: string) => smtp.received.filter((mail) => mail.to.includes(address));

  const welcomeOf = async (customerId: number) => {
    const [row] = await t.database.db
      .select()
      .from(customerWelcomeEmails)
      .where(eq(customerWelcomeEmails.customerId, customerId));
    return row;
  };

  const welcomeJob = async (customerId: number) => {
    const { rows } = await t.database.pool.query<{ attempts: number; last_error: string | null }>(
      `select j.attempts, j.last_error
         from graphile_worker._private_jobs j
         join graphile_worker._private_tasks task on task.id = j.task_id
        where task.identifier = $1 and j.payload->>'customer_id' = $2`,
      [SEND_WELCOME.name, String(customerId)],
    );
    return rows;
  };

  const create = async (body: Record<string, unknown>) => {
    const response = await agent.post('/api/v2/customers', body);
    expect(response.statusCode, response.body).toBe(201);
    return response.json<{ id: number }>();
  };

  it('a create with consent sends one welcome e-mail, rendered from the templates with the name escaped', async () => {
    const customer = await create({
      first_name: 'Ada <i>&',
      last_name: 'Lovelace',
      email: 'ada.welcome@example.test',
      marketing_consent: true,
    });
    // Queued with the create, sent by the worker.
    expect(mailsTo('ada.welcome@example.test')).toHaveLength(0);
    expect(await welcomeOf(customer.id)).toMatchObject({ state: 'queued' });

    await runJobs();
    const sent = mailsTo('ada.welcome@example.test');
    expect(sent).toHaveLength(1);
    const [mail] = sent;
    expect(mail?.headers.subject).toBe('Welcome, Ada <i>&');
    expect(mail?.headers['content-type']).toMatch(/^multipart\/alternative/);
    const raw = decoded(mail?.raw ?? '');
    expect(raw).toMatch(/Content-Type: text\/plain[\s\S]*Hello Ada <i>&,/);
    expect(raw).toMatch(/Content-Type: text\/html[\s\S]*<p>Hello Ada &lt;i&gt;&amp;,<\/p>/);
    expect(raw).not.toMatch(/<p>Hello Ada <i>/);
    expect(await welcomeOf(customer.id)).toMatchObject({
      state: 'sent',
      attempts: 1,
      messageId: expect.stringMatching(/^<.+>$/) as string,
    });

    // The same job again (a retry after the send, or a duplicate): the record stops a second mail.
    await enqueue(t.database.db, SEND_WELCOME, { customer_id: customer.id });
    await runJobs();
    expect(mailsTo('ada.welcome@example.test')).toHaveLength(1);
  });

  it('sends nothing without marketing consent, or without an address', async () => {
    const refused = await create({ first_name: 'Bob', email: 'bob.noconsent@example.test' });
    const withdrawn = await create({
      first_name: 'Cy',
      email: 'cy.noconsent@example.test',
      marketing_consent: false,
    });
    const addressless = await create({ first_name: 'Di', marketing_consent: true });
    for (const { id } of [refused, withdrawn, addressless]) {
      expect(await welcomeOf(id)).toBeUndefined();
      expect(await welcomeJob(id)).toEqual([]);
    }
    await runJobs();
    expect(mailsTo('bob.noconsent@example.test')).toHaveLength(0);
    expect(mailsTo('cy.noconsent@example.test')).toHaveLength(0);
  });

  it('sends nothing when the consent is withdrawn before the job runs', async () => {
    const customer = await create({
      first_name: 'Eve',
      email: 'eve.changed@example.test',
      marketing_consent: true,
    });
    const patch = await agent.request({
      method: 'PATCH',
      url: `/api/v2/customers/${customer.id}`,
      payload: { marketing_consent: false },
      headers: { 'if-match': '"1"' },
    });
    expect(patch.statusCode, patch.body).toBe(200);
    await runJobs();
    expect(mailsTo('eve.changed@example.test')).toHaveLength(0);
    expect(await welcomeOf(customer.id)).toMatchObject({ state: 'skipped' });
  });

  it('an SMTP refusal leaves the create a 201 and is retried later, without the address in the job record', async () => {
    smtp.refuse = true;
    let customer: { id: number };
    try {
      customer = await create({
        first_name: 'Flo',
        email: 'flo.retry@example.test',
        marketing_consent: true,
      });
      await runJobs();
    } finally {
      smtp.refuse = false;
    }
    expect(mailsTo('flo.retry@example.test')).toHaveLength(0);
    expect(await welcomeOf(customer.id)).toMatchObject({ state: 'queued', attempts: 1, lastError: '550' });
    const [job] = await welcomeJob(customer.id);
    expect(job?.attempts).toBe(1);
    expect(job?.last_error).toMatch(/not accepted \(550\)/);
    expect(job?.last_error).not.toContain('flo.retry');

    // graphile-worker set the retry seconds ahead (backoff); bring it forward rather than wait.
    await t.database.db.execute(sql`
      update graphile_worker._private_jobs set run_at = now()
       where task_id = (select id from graphile_worker._private_tasks where identifier = ${SEND_WELCOME.name})`);
    await runJobs();
    expect(mailsTo('flo.retry@example.test')).toHaveLength(1);
    expect(await welcomeOf(customer.id)).toMatchObject({ state: 'sent', attempts: 2, lastError: null });
    expect(await welcomeJob(customer.id)).toEqual([]);
  });

  it('an attempt that died after claiming is not sent again (it may have gone): unknown', async () => {
    const customer = await create({
      first_name: 'Gus',
      email: 'gus.crash@example.test',
      marketing_consent: true,
    });
    await t.database.db
      .update(customerWelcomeEmails)
      .set({ state: 'sending', attempts: 1 })
      .where(eq(customerWelcomeEmails.customerId, customer.id));
    await runJobs();
    expect(mailsTo('gus.crash@example.test')).toHaveLength(0);
    expect(await welcomeOf(customer.id)).toMatchObject({ state: 'unknown' });
  });
});
