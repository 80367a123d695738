import {
  generateRegistrationOptions,
  verifyRegistrationResponse,
  type PublicKeyCredentialCreationOptionsJSON,
  type RegistrationResponseJSON,
} from '@simplewebauthn/server';
import { isoBase64URL } from '@simplewebauthn/server/helpers';
import type { RequestContext } from '../../platform/auth/actor.ts';
import { digest } from '../../platform/auth/secrets.ts';
import { isViolation } from '../../platform/db/errors.ts';
import { fieldError } from '../../platform/http/errors.ts';
import type { IdentityDeps } from './identity.context.ts';
import { identityErrors } from './identity.errors.ts';
import type { SecondFactor } from './identity.mfa.ts';
import { userWithCurrentPassword, type CheckPassword } from './identity.mfa.manage.ts';
import { recoveryCodes } from './identity.mfa.recovery.ts';
import { challengeOf, credentialDescriptorOf, userHandleOf } from './identity.passkeys.ts';
import * as mfaRepository from './identity.repository.mfa.ts';
import * as repository from './identity.repository.passkeys.ts';
import type { Passkey } from './identity.tables.passkeys.ts';
import type { User } from './identity.tables.ts';

/**
 * How long after logging in a session may add or remove passkeys without the password
 * again: long enough to set one up right after login, short enough that a session
 * left open on a shared machine cannot.
 */
export const FRESH_SESSION_SECONDS = 600;

/** Proof that the caller is the account holder now: their current password, or a session opened moments ago. */
export interface Reauthentication {
  ctx: RequestContext;
  currentPassword?: string;
}

/** Registering, listing, renaming and removing one's own passkeys. */
export function createPasskeyManagement(
  { db, audit, webauthn }: Pick<IdentityDeps, 'db' | 'audit' | 'webauthn'>,
  secondFactor: SecondFactor,
  checkPassword: CheckPassword,
) {
  async function reauthenticated({ ctx, currentPassword }: Reauthentication): Promise<User> {
    if (currentPassword !== undefined) return userWithCurrentPassword(checkPassword, ctx, currentPassword);
    const { sessionKey } = ctx.actor;
    const openedAt = sessionKey ? await repository.sessionOpenedAt(db, sessionKey) : undefined;
    if (!openedAt || Date.now() - openedAt.getTime() > FRESH_SESSION_SECONDS * 1000) {
      throw fieldError(
        'current_password',
        `Send your current password (a session opened in the last ${FRESH_SESSION_SECONDS / 60} minutes needs none).`,
      );
    }
    const user = await mfaRepository.userById(db, ctx.actor.userId);
    if (!user?.isActive) throw identityErrors.IDENTITY_USER_NOT_FOUND();
    return user;
  }

  return {
    listPasskeys: (ctx: RequestContext): Promise<Passkey[]> => repository.passkeysOf(db, ctx.actor.userId),

    /**
     * Creation options for a new passkey: a discoverable credential (so it also logs in
     * without a username), none of the caller's existing authenticators again.
     */
    async passkeyRegistrationOptions(
      caller: Reauthentication,
    ): Promise<PublicKeyCredentialCreationOptionsJSON> {
      const user = await reauthenticated(caller);
      const existing = await repository.passkeysOf(db, user.id);
      const options = await generateRegistrationOptions({
        rpName: webauthn.rpName,
        rpID: webauthn.rpId,
        userName: user.username,
        userID: userHandleOf(user.id),
        attestationType: 'none',
        excludeCredentials: existing.map(credentialDescriptorOf),
        authenticatorSelection: { residentKey: 'required', userVerification: 'preferred' },
        timeout: webauthn.challengeSeconds * 1000,
      });
      await repository.insertWebAuthnChallenge(db, {
        challengeHash: digest(options.challenge),
        purpose: 'registration',
        userId: user.id,
        ttlSeconds: webauthn.challengeSeconds,
      });
      return options;
    },

    /**
     * Stores the passkey the browser created for the options above (their challenge is
     * used up, right or wrong). The first second factor of a user also answers ten
     * recovery codes, shown this once, as TOTP enrolment does.
     */
    async registerPasskey(
      ctx: RequestContext,
      name: string,
      response: RegistrationResponseJSON,
    ): Promise<{ passkey: Passkey; recoveryCodes?: string[] }> {
      const userId = ctx.actor.userId;
      const challenge = challengeOf(response.response.clientDataJSON);
      const consumed =
        challenge !== undefined &&
        (await repository.consumeWebAuthnChallenge(db, digest(challenge), 'registration', userId));
      if (!consumed) {
        throw fieldError('response', 'These registration options are used up or expired: ask for new ones.');
      }
      let registration;
      try {
        const verification = await verifyRegistrationResponse({
          response,
          expectedChallenge: challenge,
          expectedOrigin: webauthn.origins,
          expectedRPID: webauthn.rpId,
          requireUserVerification: false,
        });
        registration = verification.verified ? verification.registrationInfo : undefined;
      } catch (error) {
        throw fieldError('response', `The passkey could not be verified: ${(error as Error).message}`);
      }
      if (!registration) throw fieldError('response', 'The passkey could not be verified.');
      const { credential, credentialDeviceType, credentialBackedUp } = registration;
      try {
        return await db.transaction(async (tx) => {
          const firstFactor = (await secondFactor.enrolledKinds(tx, userId)).length === 0;
          const passkey = await repository.insertPasskey(tx, {
            userId,
            credentialId: credential.id,
            publicKey: isoBase64URL.fromBuffer(credential.publicKey),
            counter: credential.counter,
            transports: credential.transports ?? [],
            name,
            deviceType: credentialDeviceType,
            backedUp: credentialBackedUp,
          });
          await audit.record(tx, ctx, {
            action: 'passkey.registered',
            resourceType: 'passkey',
            resourceId: passkey.id,
            after: { name, device_type: credentialDeviceType, backed_up: credentialBackedUp },
          });
          return firstFactor
            ? { passkey, recoveryCodes: await recoveryCodes.replace(tx, userId) }
            : { passkey };
        });
      } catch (error) {
        if (isViolation(error, '23505', 'passkeys_credentialId_unique'))
          throw identityErrors.IDENTITY_PASSKEY_EXISTS();
        throw error;
      }
    },

    async renamePasskey(ctx: RequestContext, id: number, name: string): Promise<Passkey> {
      return db.transaction(async (tx) => {
        const passkey = await repository.renamePasskey(tx, ctx.actor.userId, id, name);
        if (!passkey) throw identityErrors.IDENTITY_PASSKEY_NOT_FOUND();
        await audit.record(tx, ctx, {
          action: 'passkey.renamed',
          resourceType: 'passkey',
          resourceId: id,
          after: { name },
        });
        return passkey;
      });
    },

    /**
     * Removes a passkey: it no longer logs in, as a second factor or alone. The last
     * second factor of a user whose role requires one cannot go; with no factor left,
     * the recovery codes go too.
     */
    async removePasskey(caller: Reauthentication, id: number): Promise<void> {
      const user = await reauthenticated(caller);
      await db.transaction(async (tx) => {
        const passkey = await repository.deletePasskey(tx, user.id, id);
        if (!passkey) throw identityErrors.IDENTITY_PASSKEY_NOT_FOUND();
        if ((await secondFactor.enrolledKinds(tx, user.id)).length === 0) {
          if (await mfaRepository.isMfaRequiredFor(tx, user.role))
            throw identityErrors.IDENTITY_MFA_REQUIRED_BY_ROLE();
          await recoveryCodes.kind.remove(tx, user.id);
        }
        await audit.record(tx, caller.ctx, {
          action: 'passkey.removed',
          resourceType: 'passkey',
          resourceId: id,
          before: { name: passkey.name },
        });
      });
    },
  };
}
