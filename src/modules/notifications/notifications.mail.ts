import type { RequestContext } from '../../platform/auth/actor.ts';
import type { Database } from '../../platform/db/client.ts';
import { commonErrors, type FieldErrors } from '../../platform/http/errors.ts';
import { enqueue } from '../../platform/jobs/define-job.ts';
import type { AuditService } from '../audit/index.ts';
import { SEND_COMPOSED_EMAIL } from './notifications.jobs.ts';

export interface ComposedMailDeps {
  db: Database;
  audit: Pick<AuditService, 'record'>;
}

/** What a person asks to send; lengths and counts are bounded by the route schema. */
export interface ComposedEmail {
  to: string[];
  subject: string;
  message: string;
  html?: string | undefined;
}

const LABEL = "[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+";
const DOMAIN_LABEL = '[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?';
/**
 * A plain address (`local@domain.tld`): a dot-atom local part and a domain with a dot.
 * No display names, quotes, spaces or commas, so nothing in it can add a header or a
 * recipient of its own.
 */
const ADDRESS = new RegExp(`^${LABEL}(?:\\.${LABEL})*@${DOMAIN_LABEL}(?:\\.${DOMAIN_LABEL})+$`);

const isAddress = (raw: string): boolean => raw.length <= 254 && raw.indexOf('@') <= 64 && ADDRESS.test(raw);

/**
 * The message as it will be queued (addresses trimmed, duplicates dropped), or a
 * VALIDATION_FAILED naming each bad field: an address that is not plain, a subject
 * of more than one line.
 */
export function checkedEmail(input: ComposedEmail): ComposedEmail {
  const fields: FieldErrors = {};
  const invalid = input.to.filter((address) => !isAddress(address.trim()));
  if (invalid.length > 0) fields.to = invalid.map((address) => `"${address}" is not a valid email address.`);
  if (/[\r\n]/.test(input.subject)) fields.subject = ['The subject must be a single line.'];
  if (Object.keys(fields).length > 0) throw commonErrors.VALIDATION_FAILED({ fields });
  // Addresses are compared case-insensitively: one message reaches each mailbox once.
  const seen = new Set<string>();
  const to = input.to
    .map((address) => address.trim())
    .filter((address) => {
      const key = address.toLowerCase();
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
  return { ...input, to };
}

/**
 * E-mail that staff compose (`POST /api/send-email/`): checked, then queued as a
 * `notifications.send-composed-email` job with its audit row in one transaction, so
 * a message is queued exactly when its audit row exists. The worker sends it through
 * the deployment's mailer.
 */
export function createComposedMailService({ db, audit }: ComposedMailDeps) {
  return {
    /** Queues the message; the id of the job that sends it, and the recipients without duplicates. */
    async send(ctx: RequestContext, input: ComposedEmail): Promise<{ jobId: string; to: string[] }> {
      const email = checkedEmail(input);
      return db.transaction(async (tx) => {
        const { id } = await enqueue(tx, SEND_COMPOSED_EMAIL, {
          to: email.to,
          subject: email.subject,
          message: email.message,
          ...(email.html !== undefined && { html: email.html }),
          sent_by: ctx.actor.userId,
        });
        // The trail names who wrote to whom and about what; the body stays in the job alone.
        await audit.record(tx, ctx, {
          action: 'email.queued',
          resourceType: 'email',
          resourceId: id,
          after: {
            to: email.to,
            subject: email.subject,
            message_length: email.message.length,
            html: email.html !== undefined,
          },
        });
        return { jobId: id, to: email.to };
      });
    },
  };
}

export type ComposedMailService = ReturnType<typeof createComposedMailService>;
