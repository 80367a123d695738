import type { AddressInfo } from 'node:net';
import type { Pool } from 'pg';
import { pino } from 'pino';
import { SMTPServer } from 'smtp-server';
import type { JobDefinition } from '../../src/platform/jobs/define-job.ts';
import { runDueJobs } from '../../src/platform/jobs/worker.ts';
import { createMailer, type Mailer } from '../../src/platform/mail/index.ts';

export interface ReceivedMail {
  from: string;
  to: string[];
  /** Header names lower-cased, folded lines joined. */
  headers: Record<string, string>;
  /** The body as sent (tests keep it ASCII so no transfer encoding applies). */
  body: string;
  raw: string;
}

export interface TestSmtpServer {
  /** `smtp://127.0.0.1:<port>`, for `createMailer({ smtpUrl })`. */
  url: string;
  received: ReceivedMail[];
  /** While true, every recipient is refused with a permanent error (550). */
  refuse: boolean;
  close(): Promise<void>;
}

function parse(raw: string): Pick<ReceivedMail, 'headers' | 'body'> {
  const split = raw.indexOf('\r\n\r\n');
  const head = split === -1 ? raw : raw.slice(0, split);
  const body = split === -1 ? '' : raw.slice(split + 4);
  const headers: Record<string, string> = {};
  for (const line of head.replace(/\r\n[ \t]+/g, ' ').split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { headers, body };
}

/** A real SMTP server on 127.0.0.1 (a free port), no TLS, no auth, that keeps what it receives. */
export async function startSmtpServer(): Promise<TestSmtpServer> {
  const state: TestSmtpServer = {
    url: '',
    received: [],
    refuse: false,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
      }),
  };
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onRcptTo(_address, _session, callback) {
      if (state.refuse) callback(Object.assign(new Error('Mailbox unavailable'), { responseCode: 550 }));
      else callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        state.received.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((address) => address.address),
          raw,
          ...parse(raw),
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.url = `smtp://127.0.0.1:${(server.server.address() as AddressInfo).port}`;
  return state;
}

/**
 * Runs the due jobs `jobsFor` defines with a mailer that sends to `smtp` (its `.eml`
 * fallback under `dataDir`), then closes the mailer: how a worker would send them.
 */
export async function runMailJobs(
  t: { database: { pool: Pool } },
  smtp: TestSmtpServer,
  dataDir: string,
  jobsFor: (mailer: Mailer) => readonly JobDefinition[],
): Promise<void> {
  const quiet = pino({ level: 'silent' });
  const mailer = createMailer({
    smtpUrl: smtp.url,
    from: 'Opsdesk <opsdesk@example.test>',
    dataDir,
    log: quiet,
  });
  try {
    await runDueJobs({ pool: t.database.pool, jobs: jobsFor(mailer), log: quiet });
  } finally {
    mailer.close();
  }
}
