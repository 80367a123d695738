import type { RequestContext } from '../../platform/auth/actor.ts';
import { passwordProblems } from '../../platform/auth/password-strength.ts';
import { hashPassword } from '../../platform/auth/passwords.ts';
import { digest, randomToken } from '../../platform/auth/secrets.ts';
import { AppError, commonErrors, fieldError } from '../../platform/http/errors.ts';
import { enqueue } from '../../platform/jobs/define-job.ts';
import { userKey } from './identity.authenticator.ts';
import type { IdentityDeps } from './identity.context.ts';
import { endAllCredentials } from './identity.credentials.ts';
import { identityErrors } from './identity.errors.ts';
import { SEND_PASSWORD_RESET } from './identity.jobs.account.ts';
import { anonymousContext } from './identity.lockout.ts';
import * as account from './identity.repository.account.ts';
import * as repository from './identity.repository.ts';
import type { LoginMeta } from './identity.sessions.ts';
import type { User } from './identity.tables.ts';

/** Whose password it is: their own words are the first an attacker tries. */
export type PasswordOwner = Partial<Pick<User, 'username' | 'email' | 'firstName' | 'lastName'>>;

/** What is wrong with `password` as the new password of `owner` (12-128 characters, zxcvbn score 3+). */
export function newPasswordProblems(password: string, owner: PasswordOwner): Promise<string[]> {
  return passwordProblems(
    password,
    [owner.username, owner.email, owner.firstName, owner.lastName].filter(
      (input): input is string => !!input,
    ),
  );
}

/** Throws VALIDATION_FAILED naming `field` when `password` is not acceptable. */
export async function checkNewPassword(password: string, owner: PasswordOwner, field: string): Promise<void> {
  const problems = await newPasswordProblems(password, owner);
  if (problems.length > 0) throw commonErrors.VALIDATION_FAILED({ fields: { [field]: problems } });
}

export type CheckPassword = (
  credentials: { username: string; password: string },
  meta: LoginMeta,
) => Promise<User>;

/**
 * Proves the caller still knows their password before a change that takes over the
 * account (password, e-mail). It goes through `checkPassword`, so wrong guesses count
 * towards the lockout like logins do; a wrong one is a field error, not a 401, so a
 * frontend does not read it as "logged out".
 */
export async function verifyCurrentPassword(
  checkPassword: CheckPassword,
  ctx: RequestContext,
  password: string,
): Promise<void> {
  try {
    await checkPassword({ username: ctx.actor.username, password }, ctx);
  } catch (error) {
    if (error instanceof AppError && error.code === 'IDENTITY_INVALID_CREDENTIALS')
      throw fieldError('current_password', 'Your current password is not correct.');
    throw error;
  }
}

export const invalidCode = (): AppError =>
  identityErrors.IDENTITY_ACCOUNT_TOKEN_INVALID({
    fields: { token: ['This code is invalid or has expired; ask for a new one.'] },
  });

/**
 * Passwords: changing one's own (with the current one), and resetting a forgotten one
 * by a single-use code mailed to the account's address. Either ends every other
 * session and token of the user (identity.credentials.ts).
 */
export function createPasswords(deps: IdentityDeps, checkPassword: CheckPassword) {
  const { db, audit, invalidation, mailer, accountTokenTtlMinutes, publicUrl } = deps;

  return {
    async changePassword(
      ctx: RequestContext,
      input: { currentPassword: string; newPassword: string },
    ): Promise<void> {
      const person = await repository.personByUserId(db, ctx.actor.userId);
      if (!person) throw identityErrors.IDENTITY_USER_NOT_FOUND();
      await verifyCurrentPassword(checkPassword, ctx, input.currentPassword);
      await checkNewPassword(input.newPassword, person.user, 'new_password');
      const passwordHash = await hashPassword(input.newPassword);
      await invalidation.transaction(db, async (tx, invalidate) => {
        await repository.updateUser(tx, person.user.id, { passwordHash });
        const ended = await endAllCredentials(tx, person.user.id, {
          keepSessionKey: ctx.actor.sessionKey,
          keepRefreshFamilyId: ctx.actor.refreshFamilyId,
        });
        await invalidate([userKey(person.user.id)]);
        await audit.record(tx, ctx, {
          action: 'user.password_changed',
          resourceType: 'user',
          resourceId: person.user.id,
          after: ended,
        });
      });
    },

    /**
     * Queues the reset mail for whoever has `email`, known or not: the answer and the work
     * done here are the same either way, so neither tells whether the address exists.
     */
    async requestPasswordReset(meta: LoginMeta, email: string): Promise<void> {
      await enqueue(db, SEND_PASSWORD_RESET, { email, request_id: meta.requestId, ip: meta.ip });
    },

    /** The worker's half of a reset request: a code per active account with the address, mailed. */
    async mailPasswordReset(payload: { email: string; request_id: string; ip: string }): Promise<number> {
      const found = await account.activeUsersByEmail(db, payload.email.trim());
      const ctx = anonymousContext(
        { requestId: payload.request_id, ip: payload.ip, userAgent: undefined },
        payload.email,
      );
      for (const user of found) {
        const code = randomToken();
        const token = await db.transaction(async (tx) => {
          const inserted = await account.insertAccountToken(tx, {
            userId: user.id,
            purpose: 'password_reset',
            tokenHash: digest(code),
            ttlMinutes: accountTokenTtlMinutes,
          });
          await audit.record(tx, ctx, {
            action: 'user.password_reset_requested',
            resourceType: 'user',
            resourceId: user.id,
          });
          return inserted;
        });
        try {
          await mailer.send({
            to: user.email,
            subject: 'Reset your Opsdesk password',
            text: resetMail(user, code),
          });
        } catch (error) {
          // Never delivered, so never usable: the retry mails a fresh one.
          await account.deleteAccountToken(db, token.id);
          throw error;
        }
      }
      return found.length;
    },

    /** Sets a new password with a mailed code; the code is used up, and every credential of the user ends. */
    async confirmPasswordReset(meta: LoginMeta, input: { token: string; password: string }): Promise<void> {
      const tokenHash = digest(input.token);
      const found = await account.accountTokenByHash(db, tokenHash, 'password_reset');
      const person = found && (await repository.personByUserId(db, found.userId));
      if (!person?.user.isActive) throw invalidCode();
      await checkNewPassword(input.password, person.user, 'password');
      const passwordHash = await hashPassword(input.password);
      const userId = person.user.id;
      await invalidation.transaction(db, async (tx, invalidate) => {
        if (!(await account.consumeAccountToken(tx, tokenHash, 'password_reset'))) throw invalidCode();
        await repository.updateUser(tx, userId, { passwordHash });
        const ended = await endAllCredentials(tx, userId);
        // Proving the mailbox is proof enough: a lock from someone else's guessing ends too.
        await account.clearLockout(tx, person.user.username);
        await invalidate([userKey(userId)]);
        await audit.record(tx, anonymousContext(meta, person.user.username), {
          action: 'user.password_reset',
          resourceType: 'user',
          resourceId: userId,
          after: ended,
        });
      });
    },
  };

  function resetMail(user: User, code: string): string {
    const base = publicUrl?.replace(/\/$/, '') ?? '';
    return [
      `Someone asked to reset the password of the Opsdesk account "${user.username}".`,
      `If it was you, use this code within ${accountTokenTtlMinutes} minutes. It works once.`,
      '',
      `    ${code}`,
      '',
      `POST ${base}/api/v2/auth/password-reset/confirm`,
      '{"token": "<the code>", "password": "<your new password>"}',
      '',
      'If it was not you, ignore this message: your password stays as it is.',
      '',
    ].join('\n');
  }
}
