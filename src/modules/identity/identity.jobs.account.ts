import { Type } from '@sinclair/typebox';
import type { Database } from '../../platform/db/client.ts';
import { defineJob, type JobShape } from '../../platform/jobs/define-job.ts';
import { FORGET_AFTER_SECONDS } from './identity.lockout.ts';
import * as account from './identity.repository.account.ts';
import type { IdentityService } from './identity.service.ts';

/** Who asked, for the audit row the worker writes. */
const requester = { request_id: Type.String(), ip: Type.String() };

/**
 * Mails a password-reset code to every active account with this address. Enqueued for
 * every request, known address or not, so the request costs the same either way; the
 * code is made by the worker, so it never sits in the job table.
 */
export const SEND_PASSWORD_RESET = {
  name: 'identity.send-password-reset',
  payload: Type.Object({ email: Type.String(), ...requester }),
  // A code lives 15 minutes: retrying for longer would mail one nobody can use.
  maxAttempts: 5,
} satisfies JobShape;

/** Mails the code that confirms a new address, to that new address. */
export const SEND_EMAIL_CHANGE = {
  name: 'identity.send-email-change',
  payload: Type.Object({ user_id: Type.Integer(), email: Type.String(), ...requester }),
  maxAttempts: 5,
} satisfies JobShape;

/** The account jobs: the two mailings, and the hourly purge of expired codes and forgotten lockouts. */
export function createAccountJobs({
  db,
  identity,
}: {
  db: Database;
  identity: Pick<IdentityService, 'mailPasswordReset' | 'mailEmailChange'>;
}) {
  return [
    defineJob({
      ...SEND_PASSWORD_RESET,
      async handler(payload, { log }) {
        const sent = await identity.mailPasswordReset(payload);
        log('password reset mail handled', { accounts: sent });
      },
    }),
    defineJob({
      ...SEND_EMAIL_CHANGE,
      async handler(payload, { log }) {
        const sent = await identity.mailEmailChange(payload);
        log('e-mail change mail handled', { user_id: payload.user_id, sent });
      },
    }),
    defineJob({
      name: 'identity.purge-account-records',
      payload: Type.Object({}),
      cron: '23 * * * *',
      async handler(_payload, { log }) {
        const codes = await account.purgeExpiredAccountTokens(db);
        const lockouts = await account.purgeLockouts(db, FORGET_AFTER_SECONDS);
        log('purged expired codes and forgotten lockouts', { codes, lockouts });
      },
    }),
  ];
}
