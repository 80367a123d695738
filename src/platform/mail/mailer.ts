import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import nodemailer from 'nodemailer';

/**
 * One plain-text e-mail (with an optional HTML alternative) to one address, or one
 * message to several (all of them in To, as Django's `send_mail` does).
 */
export interface MailMessage {
  to: string | string[];
  subject: string;
  text: string;
  html?: string;
}

/** Sends mail; `send` resolves once the SMTP server accepted the message (or the file is written). */
export interface Mailer {
  send(message: MailMessage): Promise<{ messageId: string }>;
  /** Closes the SMTP connection, if one is open. */
  close(): void;
}

export interface MailerOptions {
  /** nodemailer's connection URL (`smtp://user:pass@host:587`, `smtps://...`); unset: write `.eml` files. */
  smtpUrl?: string | undefined;
  /** The From header of every message (`Opsdesk <opsdesk@example.com>`). */
  from: string;
  /** Where the file transport writes: `<dataDir>/mail/`. */
  dataDir: string;
  /** Where the file transport reports each message (a pino logger fits). */
  log: MailLog;
}

export interface MailLog {
  info(details: object, message: string): void;
}

/**
 * The deployment's mailer: SMTP when `smtpUrl` is set; otherwise each message is
 * written as an `.eml` file under `<dataDir>/mail/` and logged, so a bare machine
 * runs without a mail server and a developer can open what would have been sent.
 */
export function createMailer({ smtpUrl, from, dataDir, log }: MailerOptions): Mailer {
  if (smtpUrl) {
    const transport = nodemailer.createTransport(smtpUrl, { from });
    return {
      async send(message) {
        const info = await transport.sendMail(message);
        return { messageId: info.messageId };
      },
      close: () => {
        transport.close();
      },
    };
  }

  const directory = path.join(dataDir, 'mail');
  const transport = nodemailer.createTransport({ streamTransport: true, buffer: true }, { from });
  return {
    async send(message) {
      const info = await transport.sendMail(message);
      await fs.mkdir(directory, { recursive: true });
      // Sortable by time; the random part keeps two messages in one millisecond apart.
      const file = path.join(
        directory,
        `${new Date().toISOString().replace(/[:.]/g, '-')}-${randomUUID().slice(0, 8)}.eml`,
      );
      await fs.writeFile(file, info.message as Buffer, { mode: 0o600 });
      log.info(
        { to: message.to, subject: message.subject, file },
        'mail written to a file (SMTP_URL is unset)',
      );
      return { messageId: info.messageId };
    },
    close: () => undefined,
  };
}
