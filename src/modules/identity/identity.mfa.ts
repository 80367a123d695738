import type { AuthenticationResponseJSON } from '@simplewebauthn/server';
import type { RequestContext } from '../../platform/auth/actor.ts';
import { createSealer, type Sealer } from '../../platform/auth/sealed.ts';
import { digest, randomToken } from '../../platform/auth/secrets.ts';
import type { Executor } from '../../platform/db/client.ts';
import { fieldError } from '../../platform/http/errors.ts';
import { actorOf } from './identity.authenticator.ts';
import type { IdentityDeps } from './identity.context.ts';
import { identityErrors } from './identity.errors.ts';
import { recoveryCodes } from './identity.mfa.recovery.ts';
import { createMfaThrottle, type MfaThrottleSettings } from './identity.mfa.throttle.ts';
import { createTotp } from './identity.mfa.totp.ts';
import * as repository from './identity.repository.mfa.ts';
import type { LoginMeta } from './identity.sessions.ts';
import type { User } from './identity.tables.ts';

/** MFA_* settings (config.ts), the SECRET_KEY that seals TOTP seeds, and the clock codes are checked against. */
export interface MfaSettings extends MfaThrottleSettings {
  issuer: string;
  challengeSeconds: number;
  secretKey: string | undefined;
  now: () => Date;
}

/** The login flow a challenge was issued in; it completes only in the same flow. */
export type LoginFlow = 'session' | 'token';

/** What a client may send as its second factor; each factor kind reads its own member. */
export interface SecondFactorProof {
  otp?: string;
  recoveryCode?: string;
  /** A passkey's answer to the options of POST /api/v2/auth/mfa/passkey/options. */
  passkey?: AuthenticationResponseJSON;
}

export type FactorCheck = { accepted: true } | { accepted: false; reason: 'wrong' | 'replayed' };

/**
 * A kind of second factor. TOTP is one; passkeys plug in as another: a name, whether a
 * user has one, and `verify`, which reads the kind's own member of the proof (undefined
 * when the proof does not carry it) and consumes whatever must be single-use in `tx`,
 * so a rolled-back login consumes nothing.
 */
export interface FactorKind {
  readonly name: string;
  enrolled(executor: Executor, userId: number): Promise<boolean>;
  verify(
    tx: Executor,
    user: User,
    proof: SecondFactorProof,
    meta: LoginMeta,
  ): Promise<FactorCheck | undefined>;
  remove(tx: Executor, userId: number): Promise<boolean>;
}

const answered = (proof: SecondFactorProof): boolean =>
  Object.values(proof).some((value) => value !== undefined);

/**
 * The second-factor step every login flow takes between `checkPassword` and handing
 * out a credential (`check`), and the end of the two-step flow (`complete`). A user
 * who must answer and has not gets a 401 carrying a short-lived challenge (stored as a
 * SHA-256 digest, bound to the user and the flow, single-use): the password is never
 * asked twice. Wrong answers are throttled per user (identity.mfa.throttle.ts) and
 * audited.
 */
export function createSecondFactor(
  { db, audit, mfa: settings }: Pick<IdentityDeps, 'db' | 'audit' | 'mfa'>,
  otherKinds: FactorKind[] = [],
) {
  let sealer: Sealer | undefined;
  const totp = createTotp({
    issuer: settings.issuer,
    now: settings.now,
    sealer: () => (sealer ??= createSealer(settings.secretKey ?? '', 'totp')),
  });
  /** The kinds a user enrols; any one of them makes the second factor required. */
  const kinds: FactorKind[] = [totp.kind, ...otherKinds];
  /** What a login may answer with: an enrolled kind, or a recovery code instead. */
  const answers: FactorKind[] = [...kinds, recoveryCodes.kind];
  const throttle = createMfaThrottle(db, settings);
  /** What an enrolment challenge can set up mid-login; a passkey is registered from a signed-in session. */
  const enrolableWithChallenge = [totp.kind.name];

  const contextFor = (user: User, meta: LoginMeta): RequestContext => ({
    ...meta,
    actor: actorOf(user, 'session'),
  });

  /** The kinds the user has enrolled: none means no second factor. */
  async function enrolledKinds(executor: Executor, userId: number): Promise<string[]> {
    const enrolled = await Promise.all(kinds.map((kind) => kind.enrolled(executor, userId)));
    return kinds.filter((_, index) => enrolled[index]).map((kind) => kind.name);
  }

  /** What the user can answer with: their kinds, and recovery codes while some are left. */
  async function answersOf(userId: number, enrolled: string[]): Promise<string[]> {
    const codesLeft = await recoveryCodes.kind.enrolled(db, userId);
    return codesLeft ? [...enrolled, recoveryCodes.kind.name] : enrolled;
  }

  async function challenge(user: User, purpose: 'login' | 'enrol', flow: LoginFlow) {
    const token = randomToken();
    await repository.insertChallenge(db, {
      tokenHash: digest(token),
      userId: user.id,
      purpose,
      flow,
      ttlSeconds: settings.challengeSeconds,
    });
    return { challenge: token, challenge_expires_in: settings.challengeSeconds };
  }

  async function failed(
    user: User,
    meta: LoginMeta,
    check: { kind: string; reason: string },
  ): Promise<never> {
    const ctx = contextFor(user, meta);
    const lockedUntil = await db.transaction(async (tx) => {
      await audit.record(tx, ctx, {
        action: 'mfa.failed',
        resourceType: 'user',
        resourceId: user.id,
        after: check,
      });
      const until = await throttle.failed(tx, user.id);
      if (until) {
        await audit.record(tx, ctx, {
          action: 'mfa.locked',
          resourceType: 'user',
          resourceId: user.id,
          after: { until },
        });
      }
      return until;
    });
    if (lockedUntil) {
      throw identityErrors.IDENTITY_MFA_LOCKED({ retryAfterSeconds: throttle.secondsUntil(lockedUntil) });
    }
    throw identityErrors.IDENTITY_MFA_INVALID_CODE();
  }

  /**
   * Checks `proof` against the user's factors, counted against their throttle. What
   * `alongside` does (consume a challenge) commits with the accepted answer, or the
   * answer is not used up either. Answers the kind that was accepted.
   */
  async function verify(
    user: User,
    proof: SecondFactorProof,
    meta: LoginMeta,
    alongside?: (tx: Executor) => Promise<void>,
  ): Promise<string> {
    const locked = await throttle.attempt(user.id);
    if (locked) {
      await audit.record(db, contextFor(user, meta), {
        action: 'mfa.failed',
        resourceType: 'user',
        resourceId: user.id,
        after: { reason: 'locked' },
      });
      throw identityErrors.IDENTITY_MFA_LOCKED({ retryAfterSeconds: locked.retryAfterSeconds });
    }
    const outcome = await db.transaction(async (tx): Promise<{ kind: string; reason?: string }> => {
      for (const kind of answers) {
        const check = await kind.verify(tx, user, proof, meta);
        if (!check) continue;
        if (!check.accepted) return { kind: kind.name, reason: check.reason };
        await alongside?.(tx);
        await throttle.succeeded(tx, user.id);
        if (kind === recoveryCodes.kind) {
          await audit.record(tx, contextFor(user, meta), {
            action: 'mfa.recovery_code_used',
            resourceType: 'user',
            resourceId: user.id,
            after: { remaining: await recoveryCodes.remaining(tx, user.id) },
          });
        }
        return { kind: kind.name };
      }
      return { kind: 'none', reason: 'wrong' };
    });
    if (outcome.reason) return failed(user, meta, { kind: outcome.kind, reason: outcome.reason });
    return outcome.kind;
  }

  /** The user of a live enrolment challenge: what lets a user whose role requires MFA enrol, and nothing else. */
  async function enrolmentChallenge(token: string): Promise<{ user: User; challengeId: number }> {
    const found = await repository.liveChallenge(db, digest(token));
    const user = found?.purpose === 'enrol' ? await repository.userById(db, found.userId) : undefined;
    if (!found || !user?.isActive) throw identityErrors.IDENTITY_MFA_CHALLENGE_INVALID();
    return { user, challengeId: found.id };
  }

  /** The user of a live login challenge, for the passkey options that answer it. */
  async function loginChallengeUser(token: string): Promise<User> {
    const found = await repository.liveChallenge(db, digest(token));
    const user = found?.purpose === 'login' ? await repository.userById(db, found.userId) : undefined;
    if (!user?.isActive) throw identityErrors.IDENTITY_MFA_CHALLENGE_INVALID();
    return user;
  }

  return {
    totp,
    kinds,
    enrolledKinds,
    verify,
    enrolmentChallenge,
    loginChallengeUser,

    /**
     * The step after `checkPassword` in every login flow: returns when the user may have
     * a credential. Otherwise throws IDENTITY_MFA_REQUIRED (no answer given) or
     * IDENTITY_MFA_ENROLMENT_REQUIRED (their role requires MFA and they have none), both
     * carrying a challenge for `complete` (or, to enrol, for /me/mfa/totp); or
     * IDENTITY_MFA_INVALID_CODE / IDENTITY_MFA_LOCKED for a wrong answer.
     */
    async check(user: User, proof: SecondFactorProof, meta: LoginMeta, flow: LoginFlow): Promise<void> {
      const enrolled = await enrolledKinds(db, user.id);
      if (enrolled.length === 0) {
        if (!(await repository.isMfaRequiredFor(db, user.role))) return;
        throw identityErrors.IDENTITY_MFA_ENROLMENT_REQUIRED({
          extra: {
            mfa_enrollment_required: true,
            factors: enrolableWithChallenge,
            ...(await challenge(user, 'enrol', flow)),
          },
        });
      }
      if (!answered(proof)) {
        throw identityErrors.IDENTITY_MFA_REQUIRED({
          extra: {
            mfa_required: true,
            factors: await answersOf(user.id, enrolled),
            ...(await challenge(user, 'login', flow)),
          },
        });
      }
      await verify(user, proof, meta);
    },

    /**
     * Completes a login that `check` answered with a challenge, issued in `flow`: the
     * user to hand a credential to. The challenge is used up with the accepted answer (an
     * enrolment challenge whose factor was confirmed needs none).
     */
    async complete(token: string, proof: SecondFactorProof, meta: LoginMeta, flow: LoginFlow): Promise<User> {
      const found = await repository.liveChallenge(db, digest(token));
      const user = found?.flow === flow ? await repository.userById(db, found.userId) : undefined;
      if (!found || !user?.isActive) throw identityErrors.IDENTITY_MFA_CHALLENGE_INVALID();
      const consume = async (tx: Executor) => {
        if (!(await repository.consumeChallenge(tx, found.id)))
          throw identityErrors.IDENTITY_MFA_CHALLENGE_INVALID();
      };
      if (found.satisfiedAt) {
        await db.transaction(consume);
        return user;
      }
      if (found.purpose === 'enrol') {
        throw identityErrors.IDENTITY_MFA_ENROLMENT_REQUIRED({
          extra: { mfa_enrollment_required: true, factors: enrolableWithChallenge },
        });
      }
      if (!answered(proof))
        throw fieldError('otp', 'Send "otp" (or "passkey", or "recovery_code") with the challenge.');
      await verify(user, proof, meta, consume);
      return user;
    },
  };
}

export type SecondFactor = ReturnType<typeof createSecondFactor>;
