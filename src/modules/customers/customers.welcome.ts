import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Type } from '@sinclair/typebox';
import { and, eq, inArray, sql } from 'drizzle-orm';
import { Liquid } from 'liquidjs';
import type { Database, Executor } from '../../platform/db/client.ts';
import { defineJob, enqueue, type JobShape } from '../../platform/jobs/define-job.ts';
import type { Mailer, MailMessage } from '../../platform/mail/index.ts';
import { customerWelcomeEmails, type WelcomeState } from './customers.jobs.tables.ts';
import { customerOf, type Customer, type CustomerVault } from './customers.pii.ts';
import * as repository from './customers.repository.ts';

/**
 * The welcome e-mail to a new customer.
 *
 * It is a marketing message, not a transactional one: the customer did not ask for
 * anything (staff, a form or an import created the record), and the mail introduces
 * the business. So it goes only to customers who have given marketing consent, and
 * not when the consent was withdrawn before the job ran.
 *
 * Queued in the create's transaction (a `customer_welcome_emails` row and a job keyed
 * by the customer), sent by the worker through the platform mailer; a refusal is
 * retried by graphile-worker with exponential backoff. The row makes it at most once
 * per customer: the job claims it (`queued` -> `sending`) before sending and records
 * `sent` after; a retry of a job whose mail was recorded sends nothing, and an attempt
 * that died between the server's acceptance and the record leaves `sending`, which the
 * next attempt turns into `unknown` instead of risking a second mail.
 */
export const SEND_WELCOME = {
  name: 'customers.send-welcome',
  payload: Type.Object({ customer_id: Type.Integer() }),
  // graphile-worker backs off exponentially: ten attempts span about nine hours.
  maxAttempts: 10,
} satisfies JobShape;

// From src/ and from dist/ alike (tsc copies no templates): the sources' folder, three levels below the root.
const TEMPLATES = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../../src/modules/customers/templates',
);

/** The name a greeting uses: a person's first name (else full name), an organisation's name. */
const greetingName = (customer: Customer): string =>
  (customer.kind === 'organisation'
    ? customer.company
    : customer.firstName || [customer.firstName, customer.lastName].filter(Boolean).join(' ')) || 'there';

/** Renders the welcome e-mail from the templates: subject, text, and HTML with every value escaped. */
export function createWelcomeRenderer(directory = TEMPLATES) {
  const options = { root: directory, cache: true, strictFilters: true };
  const plain = new Liquid(options);
  const html = new Liquid({ ...options, outputEscape: 'escape' });
  return async (customer: Customer): Promise<Omit<MailMessage, 'to'>> => {
    const scope = {
      customer: {
        kind: customer.kind,
        first_name: customer.firstName,
        last_name: customer.lastName,
        company: customer.company,
        greeting_name: greetingName(customer),
      },
    };
    const [subject, text, body] = await Promise.all([
      plain.renderFile('welcome.subject.liquid', scope) as Promise<string>,
      plain.renderFile('welcome.text.liquid', scope) as Promise<string>,
      html.renderFile('welcome.html.liquid', scope) as Promise<string>,
    ]);
    // One header line whatever a name holds.
    return { subject: subject.replace(/\s+/g, ' ').trim(), text, html: body };
  };
}

/** Who gets a welcome: a customer with an e-mail address who has granted marketing consent. */
export const wantsWelcome = (customer: Pick<Customer, 'email' | 'marketingConsent'>): boolean =>
  customer.marketingConsent && Boolean(customer.email);

/** Queues the welcome of a customer just created, in the create's transaction; false when none is due. */
export async function queueWelcome(tx: Executor, customer: Customer): Promise<boolean> {
  if (!wantsWelcome(customer)) return false;
  const inserted = await tx
    .insert(customerWelcomeEmails)
    .values({ customerId: customer.id })
    .onConflictDoNothing()
    .returning({ customerId: customerWelcomeEmails.customerId });
  if (inserted.length === 0) return false;
  await enqueue(
    tx,
    SEND_WELCOME,
    { customer_id: customer.id },
    { jobKey: `customers.welcome:${customer.id}` },
  );
  return true;
}

/** Queues the welcomes of many customers at once (an import that asked for them): two statements. */
export async function queueWelcomes(tx: Executor, customerIds: readonly number[]): Promise<void> {
  if (customerIds.length === 0) return;
  await tx
    .insert(customerWelcomeEmails)
    .values(customerIds.map((customerId) => ({ customerId })))
    .onConflictDoNothing();
  await tx.execute(sql`
    select count(*) from graphile_worker.add_jobs(array(
      select row(${SEND_WELCOME.name}, json_build_object('customer_id', id), null, null,
                 ${SEND_WELCOME.maxAttempts}, 'customers.welcome:' || id, null, null)::graphile_worker.job_spec
        from unnest(${sql.param([...customerIds])}::int[]) as id))`);
}

/**
 * The SMTP reply code of a refusal (`550`), else nodemailer's error code (`ECONNECTION`),
 * never the message, which may name the recipient.
 */
const replyCode = (error: unknown): string => {
  const failure = error as {
    responseCode?: unknown;
    code?: unknown;
    rejectedErrors?: { responseCode?: unknown }[];
  };
  const code = failure.responseCode ?? failure.rejectedErrors?.[0]?.responseCode;
  if (typeof code === 'number') return String(code);
  return typeof failure.code === 'string' && /^[A-Z]+$/.test(failure.code) ? failure.code : 'error';
};

export interface WelcomeJobDeps {
  db: Database;
  vault: CustomerVault;
  mailer: Pick<Mailer, 'send'>;
  render?: ReturnType<typeof createWelcomeRenderer>;
}

export function createCustomersWelcomeJobs({
  db,
  vault,
  mailer,
  render = createWelcomeRenderer(),
}: WelcomeJobDeps) {
  const setState = (customerId: number, values: Partial<typeof customerWelcomeEmails.$inferInsert>) =>
    db
      .update(customerWelcomeEmails)
      .set({ ...values, updatedAt: new Date() })
      .where(eq(customerWelcomeEmails.customerId, customerId));

  /** `queued` -> `sending`, or nothing when this customer's welcome is not waiting (sent, given up, gone). */
  async function claim(customerId: number): Promise<boolean> {
    const claimed = await db
      .update(customerWelcomeEmails)
      .set({ state: 'sending', attempts: sql`${customerWelcomeEmails.attempts} + 1`, updatedAt: new Date() })
      .where(and(eq(customerWelcomeEmails.customerId, customerId), eq(customerWelcomeEmails.state, 'queued')))
      .returning({ customerId: customerWelcomeEmails.customerId });
    if (claimed.length > 0) return true;
    // Still `sending`: the previous attempt died after claiming, maybe after the server accepted the mail.
    await db
      .update(customerWelcomeEmails)
      .set({ state: 'unknown', updatedAt: new Date() })
      .where(
        and(
          eq(customerWelcomeEmails.customerId, customerId),
          inArray(customerWelcomeEmails.state, ['sending'] satisfies WelcomeState[]),
        ),
      );
    return false;
  }

  return [
    defineJob({
      ...SEND_WELCOME,
      async handler({ customer_id: customerId }, { attempt, log }) {
        if (!(await claim(customerId))) {
          log('no welcome e-mail waiting', { customer_id: customerId });
          return;
        }
        const row = await repository.customerById(db, customerId);
        const customer = row ? customerOf(vault, row) : undefined;
        if (!customer?.email || !wantsWelcome(customer)) {
          await setState(customerId, { state: 'skipped' });
          log('consent withdrawn or no address: welcome e-mail not sent', { customer_id: customerId });
          return;
        }
        let messageId: string;
        try {
          ({ messageId } = await mailer.send({ to: customer.email, ...(await render(customer)) }));
        } catch (error) {
          const code = replyCode(error);
          const last = attempt >= SEND_WELCOME.maxAttempts;
          await setState(customerId, { state: last ? 'failed' : 'queued', lastError: code });
          // The job's last_error is stored in the database: the reply code only, never the address.
          throw new Error(`the welcome e-mail of customer ${customerId} was not accepted (${code})`);
        }
        await setState(customerId, { state: 'sent', messageId, sentAt: new Date(), lastError: null });
        log('welcome e-mail sent', { customer_id: customerId, message_id: messageId });
      },
    }),
  ];
}
