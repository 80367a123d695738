import type { RequestContext } from '../../platform/auth/actor.ts';
import { digest, randomToken } from '../../platform/auth/secrets.ts';
import { fieldError } from '../../platform/http/errors.ts';
import { enqueue } from '../../platform/jobs/define-job.ts';
import { userKey } from './identity.authenticator.ts';
import type { IdentityDeps } from './identity.context.ts';
import { identityErrors } from './identity.errors.ts';
import { SEND_EMAIL_CHANGE } from './identity.jobs.account.ts';
import { invalidCode, verifyCurrentPassword, type CheckPassword } from './identity.passwords.ts';
import * as account from './identity.repository.account.ts';
import * as repository from './identity.repository.ts';
import type { Person } from './identity.repository.ts';

/**
 * Changing one's own e-mail address: asked with the current password, applied only
 * once a single-use code mailed to the NEW address comes back, so nobody can move an
 * account to an address they do not read. Whether another account uses the address
 * is never said (addresses are not unique), so this cannot probe for accounts.
 */
export function createEmailChange(deps: IdentityDeps, checkPassword: CheckPassword) {
  const { db, audit, invalidation, mailer, accountTokenTtlMinutes, publicUrl } = deps;

  return {
    async requestEmailChange(
      ctx: RequestContext,
      input: { email: string; currentPassword: string },
    ): Promise<void> {
      const person = await repository.personByUserId(db, ctx.actor.userId);
      if (!person) throw identityErrors.IDENTITY_USER_NOT_FOUND();
      await verifyCurrentPassword(checkPassword, ctx, input.currentPassword);
      const email = input.email.trim();
      if (email.toLowerCase() === person.user.email.toLowerCase())
        throw fieldError('email', 'This is already your e-mail address.');
      await db.transaction(async (tx) => {
        await enqueue(tx, SEND_EMAIL_CHANGE, {
          user_id: person.user.id,
          email,
          request_id: ctx.requestId,
          ip: ctx.ip,
        });
        await audit.record(tx, ctx, {
          action: 'user.email_change_requested',
          resourceType: 'user',
          resourceId: person.user.id,
          after: { email },
        });
      });
    },

    /** The worker's half: a code for the new address, mailed there. False when the user is gone or inactive. */
    async mailEmailChange(payload: {
      user_id: number;
      email: string;
      request_id: string;
      ip: string;
    }): Promise<boolean> {
      const person = await repository.personByUserId(db, payload.user_id);
      if (!person?.user.isActive) return false;
      const code = randomToken();
      const token = await account.insertAccountToken(db, {
        userId: person.user.id,
        purpose: 'email_change',
        tokenHash: digest(code),
        email: payload.email,
        ttlMinutes: accountTokenTtlMinutes,
      });
      try {
        await mailer.send({
          to: payload.email,
          subject: 'Confirm your new Opsdesk e-mail address',
          text: confirmationMail(person, code),
        });
      } catch (error) {
        await account.deleteAccountToken(db, token.id);
        throw error;
      }
      return true;
    },

    /** Applies the address a code confirms; the code must be the caller's own, and works once. */
    async confirmEmailChange(ctx: RequestContext, token: string): Promise<Person> {
      return invalidation.transaction(db, async (tx, invalidate) => {
        const tokenHash = digest(token);
        const found = await account.accountTokenByHash(tx, tokenHash, 'email_change');
        if (found?.userId !== ctx.actor.userId || !found.email) throw invalidCode();
        if (!(await account.consumeAccountToken(tx, tokenHash, 'email_change'))) throw invalidCode();
        const before = await repository.personByUserId(tx, ctx.actor.userId);
        if (!before) throw identityErrors.IDENTITY_USER_NOT_FOUND();
        await repository.updateUser(tx, ctx.actor.userId, { email: found.email });
        await account.deleteAccountTokensOf(tx, ctx.actor.userId, 'email_change');
        await invalidate([userKey(ctx.actor.userId)]);
        await audit.record(tx, ctx, {
          action: 'user.email_changed',
          resourceType: 'user',
          resourceId: ctx.actor.userId,
          before: { email: before.user.email },
          after: { email: found.email },
        });
        const after = await repository.personByUserId(tx, ctx.actor.userId);
        if (!after) throw identityErrors.IDENTITY_USER_NOT_FOUND();
        return after;
      });
    },
  };

  function confirmationMail({ user }: Person, code: string): string {
    const base = publicUrl?.replace(/\/$/, '') ?? '';
    return [
      `The Opsdesk account "${user.username}" asked to use this address from now on.`,
      `To confirm, use this code within ${accountTokenTtlMinutes} minutes while logged in. It works once.`,
      '',
      `    ${code}`,
      '',
      `POST ${base}/api/v2/me/email/confirm`,
      '{"token": "<the code>"}',
      '',
      'If you did not ask for this, ignore this message: nothing changes.',
      '',
    ].join('\n');
  }
}
