import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSmtpServer, type TestSmtpServer } from '../../../test/helpers/smtp.ts';
import { createMailer } from './mailer.ts';

const quiet = { info: () => undefined };

describe('mailer', () => {
  let smtp: TestSmtpServer;
  beforeAll(async () => {
    smtp = await startSmtpServer();
  });
  afterAll(async () => {
    await smtp.close();
  });

  it('sends over SMTP to the server the URL names', async () => {
    const mailer = createMailer({
      smtpUrl: smtp.url,
      from: 'Opsdesk <opsdesk@example.test>',
      dataDir: '/nonexistent',
      log: quiet,
    });
    try {
      const { messageId } = await mailer.send({
        to: 'ada@example.test',
        subject: 'Ticket 42 was assigned to you',
        text: 'Printer on floor 3 is on fire.',
      });
      expect(messageId).toMatch(/^<.+@.+>$/);
    } finally {
      mailer.close();
    }
    expect(smtp.received).toHaveLength(1);
    const [mail] = smtp.received;
    expect(mail?.from).toBe('opsdesk@example.test');
    expect(mail?.to).toEqual(['ada@example.test']);
    expect(mail?.headers.subject).toBe('Ticket 42 was assigned to you');
    expect(mail?.headers.from).toBe('Opsdesk <opsdesk@example.test>');
    expect(mail?.body.trim()).toBe('Printer on floor 3 is on fire.');
  });

  it('rejects when the server refuses the recipient', async () => {
    const mailer = createMailer({
      smtpUrl: smtp.url,
      from: 'opsdesk@example.test',
      dataDir: '/x',
      log: quiet,
    });
    smtp.refuse = true;
    try {
      await expect(mailer.send({ to: 'gone@example.test', subject: 'x', text: 'y' })).rejects.toThrow();
    } finally {
      smtp.refuse = false;
      mailer.close();
    }
  });

  it('without an SMTP URL writes each message as an .eml file and logs it', async () => {
    const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'opsdesk-mail-'));
    const lines: { details: object; message: string }[] = [];
    const mailer = createMailer({
      from: 'Opsdesk <opsdesk@localhost>',
      dataDir,
      log: {
        info: (details: object, message: string) => {
          lines.push({ details, message });
        },
      },
    });
    try {
      const { messageId } = await mailer.send({
        to: 'bob@example.test',
        subject: 'Hello',
        text: 'Body text',
      });
      const files = await fs.readdir(path.join(dataDir, 'mail'));
      expect(files).toHaveLength(1);
      expect(files[0]).toMatch(/\.eml$/);
      const eml = await fs.readFile(path.join(dataDir, 'mail', files[0]!), 'utf8');
      expect(eml).toContain('To: bob@example.test');
      expect(eml).toContain('Subject: Hello');
      expect(eml).toContain('From: Opsdesk <opsdesk@localhost>');
      expect(eml).toContain(`Message-ID: ${messageId}`);
      expect(eml).toContain('Body text');
      expect(lines).toHaveLength(1);
      expect(lines[0]?.details).toMatchObject({ to: 'bob@example.test', subject: 'Hello' });
    } finally {
      mailer.close();
      await fs.rm(dataDir, { recursive: true, force: true });
    }
  });
});
