import { ROLES, type Actor, type RequestContext, type Role } from '../../platform/auth/actor.ts';
import type { Executor } from '../../platform/db/client.ts';
import { AppError, fieldError } from '../../platform/http/errors.ts';
import { actorOf } from './identity.authenticator.ts';
import type { IdentityDeps } from './identity.context.ts';
import { identityErrors } from './identity.errors.ts';
import type { SecondFactor, SecondFactorProof } from './identity.mfa.ts';
import { recoveryCodes } from './identity.mfa.recovery.ts';
import type { TotpEnrolment } from './identity.mfa.totp.ts';
import * as repository from './identity.repository.mfa.ts';
import type { LoginMeta } from './identity.sessions.ts';
import type { User } from './identity.tables.ts';

export type CheckPassword = (
  credentials: { username: string; password: string },
  meta: LoginMeta,
) => Promise<User>;

/** The signed-in caller, proven by `password` through `checkPassword`, so wrong guesses count like failed logins; wrong is a field error, not a 401. */
export async function userWithCurrentPassword(
  checkPassword: CheckPassword,
  ctx: RequestContext,
  password: string | undefined,
): Promise<User> {
  if (!password) throw fieldError('current_password', 'This field is required.');
  try {
    const user = await checkPassword({ username: ctx.actor.username, password }, ctx);
    if (user.id === ctx.actor.userId) return user;
  } catch (error) {
    if (!(error instanceof AppError && error.code === 'IDENTITY_INVALID_CREDENTIALS')) throw error;
  }
  throw fieldError('current_password', 'Your current password is not correct.');
}

/**
 * Who changes their second factor: a signed-in user (with their current password
 * where the change asks for it), or a user whose role requires MFA, mid-login, with the
 * enrolment challenge their login answered (the password was checked moments before).
 */
export type MfaCaller =
  { ctx: RequestContext; currentPassword?: string } | { challenge: string; meta: LoginMeta };

export interface MfaStatus {
  required: boolean;
  totp: 'off' | 'pending' | 'on';
  totpConfirmedAt: Date | null;
  recoveryCodesRemaining: number;
}

export type MfaPolicy = Record<Role, boolean>;

const CHANGE = { resourceType: 'user' } as const;

/** Enrolling, confirming and turning off TOTP, recovery codes, the admin's reset and the per-role policy. */
export function createMfaManagement(
  { db, audit }: Pick<IdentityDeps, 'db' | 'audit'>,
  secondFactor: SecondFactor,
  checkPassword: CheckPassword,
) {
  const currentPasswordUser = (ctx: RequestContext, password: string | undefined) =>
    userWithCurrentPassword(checkPassword, ctx, password);

  async function resolve(
    caller: MfaCaller,
    needsPassword: boolean,
  ): Promise<{ user: User; ctx: RequestContext; challengeId?: number }> {
    if ('challenge' in caller) {
      const { user, challengeId } = await secondFactor.enrolmentChallenge(caller.challenge);
      return { user, ctx: { ...caller.meta, actor: actorOf(user, 'session') }, challengeId };
    }
    const user = needsPassword
      ? await currentPasswordUser(caller.ctx, caller.currentPassword)
      : await repository.userById(db, caller.ctx.actor.userId);
    if (!user) throw identityErrors.IDENTITY_USER_NOT_FOUND();
    return { user, ctx: caller.ctx };
  }

  async function policyOf(executor: Executor): Promise<MfaPolicy> {
    const required = new Set(await repository.mfaRequiredRoles(executor));
    return Object.fromEntries(ROLES.map((role) => [role, required.has(role)])) as MfaPolicy;
  }

  return {
    async mfaStatus(actor: Actor): Promise<MfaStatus> {
      const [totp, remaining, required] = await Promise.all([
        repository.totpOf(db, actor.userId),
        recoveryCodes.remaining(db, actor.userId),
        repository.isMfaRequiredFor(db, actor.role),
      ]);
      return {
        required,
        totp: totp ? (totp.confirmedAt ? 'on' : 'pending') : 'off',
        totpConfirmedAt: totp?.confirmedAt ?? null,
        recoveryCodesRemaining: remaining,
      };
    },

    /** A new pending TOTP seed and its otpauth:// URI; it counts once `confirmTotp` accepts a code of it. */
    async startTotp(caller: MfaCaller): Promise<TotpEnrolment> {
      const { user, ctx } = await resolve(caller, true);
      return db.transaction(async (tx) => {
        const enrolment = await secondFactor.totp.start(tx, user);
        if (!enrolment) throw identityErrors.IDENTITY_MFA_ALREADY_ENABLED();
        await audit.record(tx, ctx, {
          ...CHANGE,
          action: 'mfa.enrolment_started',
          resourceId: user.id,
          after: { kind: 'totp' },
        });
        return enrolment;
      });
    },

    /**
     * Turns the pending seed on with a first code and answers ten new recovery codes,
     * shown this once. With an enrolment challenge, the challenge then completes the
     * login without a further code.
     */
    async confirmTotp(caller: MfaCaller, code: string): Promise<string[]> {
      const { user, ctx, challengeId } = await resolve(caller, false);
      const factor = await repository.totpOf(db, user.id);
      if (!factor || factor.confirmedAt) throw identityErrors.IDENTITY_MFA_NOT_PENDING();
      return db.transaction(async (tx) => {
        if (!(await secondFactor.totp.confirm(tx, user.id, code))) {
          throw fieldError(
            'code',
            'The code is not valid: check the time on your device and send the current code.',
          );
        }
        const codes = await recoveryCodes.replace(tx, user.id);
        if (challengeId !== undefined) await repository.satisfyChallenge(tx, challengeId);
        await audit.record(tx, ctx, {
          ...CHANGE,
          action: 'mfa.enrolled',
          resourceId: user.id,
          after: { kind: 'totp' },
        });
        return codes;
      });
    },

    /** Turns TOTP off: needs the current password and a code (or a recovery code); refused when the role requires MFA. */
    async disableTotp(
      ctx: RequestContext,
      currentPassword: string | undefined,
      proof: SecondFactorProof,
    ): Promise<void> {
      if (!(await repository.hasConfirmedTotp(db, ctx.actor.userId)))
        throw identityErrors.IDENTITY_MFA_NOT_ENABLED();
      if (await repository.isMfaRequiredFor(db, ctx.actor.role))
        throw identityErrors.IDENTITY_MFA_REQUIRED_BY_ROLE();
      const { user } = await resolve({ ctx, currentPassword }, true);
      if (proof.otp === undefined && proof.recoveryCode === undefined) {
        throw fieldError('code', 'This field is required.');
      }
      try {
        await secondFactor.verify(user, proof, ctx);
      } catch (error) {
        if (error instanceof AppError && error.code === 'IDENTITY_MFA_INVALID_CODE') {
          throw fieldError(proof.otp === undefined ? 'recovery_code' : 'code', 'The code is not valid.');
        }
        throw error;
      }
      await db.transaction(async (tx) => {
        await secondFactor.totp.kind.remove(tx, user.id);
        // Recovery codes stand in for a factor: with none left, they go too.
        if ((await secondFactor.enrolledKinds(tx, user.id)).length === 0)
          await recoveryCodes.kind.remove(tx, user.id);
        await audit.record(tx, ctx, {
          ...CHANGE,
          action: 'mfa.disabled',
          resourceId: user.id,
          before: { kind: 'totp' },
        });
      });
    },

    /** Ten new recovery codes replacing the old ones, shown this once. */
    async regenerateRecoveryCodes(
      ctx: RequestContext,
      currentPassword: string | undefined,
    ): Promise<string[]> {
      const { user } = await resolve({ ctx, currentPassword }, true);
      if ((await secondFactor.enrolledKinds(db, user.id)).length === 0)
        throw identityErrors.IDENTITY_MFA_NOT_ENABLED();
      return db.transaction(async (tx) => {
        const codes = await recoveryCodes.replace(tx, user.id);
        await audit.record(tx, ctx, {
          ...CHANGE,
          action: 'mfa.recovery_codes_regenerated',
          resourceId: user.id,
        });
        return codes;
      });
    },

    /** An admin removes every second factor of a user (a lost phone), their recovery codes, throttle and pending logins. */
    async resetMfa(ctx: RequestContext, userId: number): Promise<void> {
      if (!(await repository.userById(db, userId))) throw identityErrors.IDENTITY_USER_NOT_FOUND();
      await db.transaction(async (tx) => {
        const removed: string[] = [];
        for (const kind of secondFactor.kinds) if (await kind.remove(tx, userId)) removed.push(kind.name);
        await recoveryCodes.kind.remove(tx, userId);
        await repository.deleteThrottle(tx, userId);
        await repository.deleteChallengesOf(tx, userId);
        await audit.record(tx, ctx, {
          ...CHANGE,
          action: 'mfa.reset',
          resourceId: userId,
          before: { factors: removed },
        });
      });
    },

    mfaPolicy: (): Promise<MfaPolicy> => policyOf(db),

    /** Replaces the roles whose members must have a second factor; they are asked to enrol at their next login. */
    async setMfaPolicy(ctx: RequestContext, policy: MfaPolicy): Promise<MfaPolicy> {
      return db.transaction(async (tx) => {
        const before = await policyOf(tx);
        for (const role of ROLES) await repository.putRolePolicy(tx, role, policy[role]);
        await audit.record(tx, ctx, {
          action: 'mfa.policy_changed',
          resourceType: 'mfa_policy',
          resourceId: 'roles',
          before,
          after: policy,
        });
        return policy;
      });
    },
  };
}
