import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/helpers/app.ts';
import { runMailJobs, startSmtpServer, type TestSmtpServer } from '../../../test/helpers/smtp.ts';
import { createNotificationsJobs, SEND_COMPOSED_EMAIL } from './index.ts';

const LIMIT_PER_HOUR = 3;

describe('composed e-mail: POST /api/send-email/', () => {
  let t: TestApp;
  let smtp: TestSmtpServer;
  let mailDir: string;

  beforeAll(async () => {
    t = await createTestApp({ MAIL_RATE_LIMIT_PER_HOUR: String(LIMIT_PER_HOUR) });
    smtp = await startSmtpServer();
    mailDir = await fs.mkdtemp(path.join(os.tmpdir(), 'opsdesk-composed-mail-'));
  });
  afterAll(async () => {
    await t.close();
    await smtp.close();
    await fs.rm(mailDir, { recursive: true, force: true });
  });

  const runJobs = () =>
    runMailJobs(t, smtp, mailDir, (mailer) =>
      createNotificationsJobs({ db: t.database.db, identity: t.services.identity, mailer }),
    );

  const queuedJobs = async () => {
    const result = await t.database.db.execute<{ count: number }>(sql`
      select count(*)::int as count
        from graphile_worker._private_jobs j
        join graphile_worker._private_tasks task on task.id = j.task_id
       where task.identifier = ${SEND_COMPOSED_EMAIL.name}`);
    return result.rows[0]?.count;
  };

  const mail = {
    to: ['ada@example.test', 'bob@example.test', 'ADA@example.test'],
    subject: 'Studio 2 is closed on Friday',
    message: 'Please use studio 3 for the morning news.',
    html: '<p>Please use <b>studio 3</b> for the morning news.</p>',
  };

  it('queues the message as a job (202 with its id), audits it, and the worker sends it over SMTP', async () => {
    const manager = await t.user({ role: 'manager' });
    const browser = await t.login(manager);
    const response = await browser.post('/api/send-email/', mail);
    expect(response.statusCode).toBe(202);
    const body = response.json<{ job_id: string; status: string; to: string[] }>();
    expect(body).toEqual({
      job_id: expect.stringMatching(/^\d+$/) as string,
      status: 'queued',
      to: ['ada@example.test', 'bob@example.test'],
    });
    // Queued, not sent inline.
    expect(smtp.received.filter((m) => m.headers.subject === mail.subject)).toHaveLength(0);

    const [entry] = await t.services.audit.historyOf('email', body.job_id);
    expect(entry).toMatchObject({
      actorId: manager.user.id,
      action: 'email.queued',
      after: { to: ['ada@example.test', 'bob@example.test'], subject: mail.subject, html: true },
    });

    await runJobs();
    const sent = smtp.received.filter((m) => m.headers.subject === mail.subject);
    expect(sent).toHaveLength(1);
    const [message] = sent;
    expect(message?.to).toEqual(['ada@example.test', 'bob@example.test']);
    expect(message?.headers.to).toBe('ada@example.test, bob@example.test');
    expect(message?.headers.from).toBe('Opsdesk <opsdesk@example.test>');
    expect(message?.headers['content-type']).toMatch(/^multipart\/alternative/);
    expect(message?.raw).toMatch(
      /Content-Type: text\/plain[\s\S]*Please use studio 3 for the morning news\./,
    );
    expect(message?.raw).toMatch(/Content-Type: text\/html[\s\S]*<p>Please use <b>studio 3<\/b>/);
  });

  it('is for staff: an agent and a viewer get 403, and nothing is queued', async () => {
    const before = await queuedJobs();
    for (const role of ['agent', 'viewer'] as const) {
      const browser = await t.login(await t.user({ role }));
      const response = await browser.post('/api/send-email/', mail);
      expect(response.statusCode).toBe(403);
      expect(response.json()).toMatchObject({ detail: 'You do not have permission to perform this action.' });
    }
    const anonymous = await t.app.inject({ method: 'POST', url: '/api/send-email/', payload: mail });
    expect(anonymous.statusCode).toBe(401);
    expect(await queuedJobs()).toBe(before);
  });

  it('refuses bad input with DRF field errors naming the field', async () => {
    const browser = await t.login(await t.user({ role: 'manager' }));
    const cases: [unknown, string, RegExp][] = [
      [{ ...mail, to: ['ada@example.test', 'not-an-address'] }, 'to', /"not-an-address" is not a valid/],
      [{ ...mail, to: ['ada@example.test\r\nBcc: eve@example.test'] }, 'to', /is not a valid email address/],
      [{ ...mail, to: ['Ada <ada@example.test>'] }, 'to', /is not a valid email address/],
      [{ ...mail, to: [] }, 'to', /at least 1 items/],
      [{ ...mail, to: Array.from({ length: 51 }, (_, i) => `p${i}@example.test`) }, 'to', /no more than 50/],
      [{ ...mail, subject: '' }, 'subject', /may not be blank/],
      [{ ...mail, subject: 'Hi\r\nBcc: eve@example.test' }, 'subject', /single line/],
      [{ to: mail.to, subject: mail.subject }, 'message', /required/],
    ];
    for (const [payload, field, message] of cases) {
      const response = await browser.post('/api/send-email/', payload);
      expect(response.statusCode, JSON.stringify(payload).slice(0, 80)).toBe(400);
      const errors = response.json<Record<string, string[]>>();
      expect(Object.keys(errors)).toEqual([field]);
      expect(errors[field]?.join(' ')).toMatch(message);
    }
  });

  it(`limits each person to ${LIMIT_PER_HOUR} messages an hour across /api/, /api/v1/ and v2`, async () => {
    const [sender, colleague] = [await t.user({ role: 'manager' }), await t.user({ role: 'manager' })];
    const browser = await t.login(sender);
    const statuses = [
      (await browser.post('/api/send-email/', mail)).statusCode,
      (await browser.post('/api/v1/send-email/', mail)).statusCode,
      (await browser.post('/api/v2/emails', mail)).statusCode,
    ];
    expect(statuses).toEqual([202, 202, 202]);
    const over = await browser.post('/api/send-email/', mail);
    expect(over.statusCode).toBe(429);
    expect(over.json<{ detail: string }>().detail).toMatch(/throttled/);
    expect((await browser.post('/api/v2/emails', mail)).statusCode).toBe(429);
    const other = await (await t.login(colleague)).post('/api/send-email/', mail);
    expect(other.statusCode).toBe(202);
  });

  it('v2: POST /api/v2/emails answers problem+json and refuses unknown fields', async () => {
    const browser = await t.login(await t.user({ role: 'admin' }));
    const bad = await browser.post('/api/v2/emails', { ...mail, to: ['nope'] });
    expect(bad.statusCode).toBe(400);
    expect(bad.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(bad.json()).toMatchObject({
      code: 'VALIDATION_FAILED',
      errors: [{ field: 'to', message: '"nope" is not a valid email address.' }],
    });
    const unknown = await browser.post('/api/v2/emails', { ...mail, cc: ['eve@example.test'] });
    expect(unknown.statusCode).toBe(400);
    const { html: _html, ...plain } = mail;
    const ok = await browser.post('/api/v2/emails', { ...plain, subject: 'Plain only' });
    expect(ok.statusCode).toBe(202);
    await runJobs();
    const [sent] = smtp.received.filter((m) => m.headers.subject === 'Plain only');
    expect(sent?.headers['content-type']).toMatch(/^text\/plain/);
  });

  it('is documented in both OpenAPI documents', async () => {
    const paths = async (url: string) =>
      (await t.app.inject({ method: 'GET', url })).json<{ paths: Record<string, Record<string, unknown>> }>()
        .paths;
    expect((await paths('/api/v1/openapi.json'))['/api/v1/send-email/']).toHaveProperty('post');
    expect((await paths('/api/v2/openapi.json'))['/api/v2/emails']).toHaveProperty('post');
  });
});
