import {
  generateAuthenticationOptions,
  verifyAuthenticationResponse,
  type AuthenticationResponseJSON,
  type AuthenticatorTransport,
  type PublicKeyCredentialRequestOptionsJSON,
} from '@simplewebauthn/server';
import { decodeClientDataJSON, isoBase64URL, isoUint8Array } from '@simplewebauthn/server/helpers';
import type { RequestContext } from '../../platform/auth/actor.ts';
import { digest } from '../../platform/auth/secrets.ts';
import type { Executor } from '../../platform/db/client.ts';
import { actorOf } from './identity.authenticator.ts';
import type { IdentityDeps } from './identity.context.ts';
import { identityErrors } from './identity.errors.ts';
import type { FactorCheck, FactorKind } from './identity.mfa.ts';
import * as repository from './identity.repository.passkeys.ts';
import { userById } from './identity.repository.mfa.ts';
import type { LoginMeta } from './identity.sessions.ts';
import type { Passkey, WebAuthnPurpose } from './identity.tables.passkeys.ts';
import type { User } from './identity.tables.ts';

/** The relying party passkeys are bound to (WEBAUTHN_RP_ID, WEBAUTHN_ORIGINS) and how long a ceremony may take. */
export interface WebAuthnSettings {
  rpId: string;
  rpName: string;
  origins: string[];
  challengeSeconds: number;
}

/**
 * The relying party from the configuration: WEBAUTHN_ORIGINS, else the origin of
 * PUBLIC_URL, else http://localhost:PORT (browsers treat localhost as a secure context,
 * and an IP address cannot be a relying party id); the id defaults to the first origin's host.
 */
export function relyingPartyOf(config: {
  webauthnRpId: string | undefined;
  webauthnOrigins: string[] | undefined;
  publicUrl: string | undefined;
  port: number;
}): Pick<WebAuthnSettings, 'rpId' | 'origins'> {
  const origins = config.webauthnOrigins?.length
    ? config.webauthnOrigins
    : [config.publicUrl ? new URL(config.publicUrl).origin : `http://localhost:${config.port}`];
  return { rpId: config.webauthnRpId ?? new URL(origins[0] as string).hostname, origins };
}

/** The WebAuthn user handle: the user id, so that a discoverable credential names its owner. */
export const userHandleOf = (userId: number) => isoUint8Array.fromUTF8String(String(userId));

export const credentialDescriptorOf = (passkey: Passkey) => ({
  id: passkey.credentialId,
  transports: passkey.transports as AuthenticatorTransport[],
});

/** The challenge a ceremony's answer signed (from its clientDataJSON); undefined for garbage. */
export function challengeOf(clientDataJSON: string): string | undefined {
  try {
    const { challenge } = decodeClientDataJSON(clientDataJSON);
    return typeof challenge === 'string' ? challenge : undefined;
  } catch {
    return undefined;
  }
}

type AssertionOutcome =
  | { ok: true; passkey: Passkey }
  | { ok: false; reason: 'challenge' | 'unknown_credential' | 'wrong' | 'cloned'; passkey?: Passkey };

/**
 * Passkeys as a login: the `passkey` kind of the second-factor step (identity.mfa.ts),
 * and a passwordless login with a discoverable credential. Both hand out options whose
 * challenge is stored (as a digest) for one ceremony and one use, and check the answer
 * with `@simplewebauthn/server`, which does the WebAuthn parsing and signature checks.
 */
export function createPasskeys({ db, audit, webauthn }: Pick<IdentityDeps, 'db' | 'audit' | 'webauthn'>) {
  const anonymous = (meta: LoginMeta): RequestContext => ({
    ...meta,
    actor: actorOf({ id: 0, username: 'passkey', role: 'viewer' } as User, 'session'),
  });

  async function storeChallenge(challenge: string, purpose: WebAuthnPurpose, userId: number | null) {
    await repository.insertWebAuthnChallenge(db, {
      challengeHash: digest(challenge),
      purpose,
      userId,
      ttlSeconds: webauthn.challengeSeconds,
    });
  }

  async function authenticationOptions(
    purpose: 'second_factor' | 'passwordless',
    user: User | null,
  ): Promise<PublicKeyCredentialRequestOptionsJSON> {
    const own = user ? await repository.passkeysOf(db, user.id) : [];
    const options = await generateAuthenticationOptions({
      rpID: webauthn.rpId,
      allowCredentials: own.map(credentialDescriptorOf),
      userVerification: purpose === 'passwordless' ? 'required' : 'preferred',
      timeout: webauthn.challengeSeconds * 1000,
    });
    await storeChallenge(options.challenge, purpose, user?.id ?? null);
    return options;
  }

  /**
   * Checks an assertion in `tx`: its challenge is used up first (so even a failed answer
   * cannot be replayed), then the credential's owner, the signature, origin and relying
   * party, and the signature counter. A counter that did not move forward, when the
   * authenticator keeps one, means two copies of the key exist: refused and audited.
   */
  async function checkAssertion(
    tx: Executor,
    response: AuthenticationResponseJSON,
    purpose: 'second_factor' | 'passwordless',
    userId: number | null,
    ctx: RequestContext,
  ): Promise<AssertionOutcome> {
    const challenge = challengeOf(response.response.clientDataJSON);
    if (!challenge || !(await repository.consumeWebAuthnChallenge(tx, digest(challenge), purpose, userId)))
      return { ok: false, reason: 'challenge' };
    const passkey = await repository.passkeyByCredentialId(tx, response.id);
    if (!passkey || (userId !== null && passkey.userId !== userId))
      return { ok: false, reason: 'unknown_credential' };
    const handle = response.response.userHandle;
    if (handle !== undefined && handle !== isoBase64URL.fromBuffer(userHandleOf(passkey.userId)))
      return { ok: false, reason: 'wrong', passkey };
    let newCounter: number;
    try {
      const { verified, authenticationInfo } = await verifyAuthenticationResponse({
        response,
        expectedChallenge: challenge,
        expectedOrigin: webauthn.origins,
        expectedRPID: webauthn.rpId,
        // The counter is compared below, where a regression can be told apart from a bad signature.
        credential: {
          id: passkey.credentialId,
          publicKey: isoBase64URL.toBuffer(passkey.publicKey),
          counter: 0,
          transports: passkey.transports,
        },
        requireUserVerification: purpose === 'passwordless',
      });
      if (!verified) return { ok: false, reason: 'wrong', passkey };
      newCounter = authenticationInfo.newCounter;
    } catch {
      return { ok: false, reason: 'wrong', passkey };
    }
    const regressed = (newCounter > 0 || passkey.counter > 0) && newCounter <= passkey.counter;
    if (regressed || !(await repository.recordPasskeyUse(tx, passkey.id, passkey.counter, newCounter))) {
      await audit.record(tx, ctx, {
        action: 'passkey.clone_suspected',
        resourceType: 'passkey',
        resourceId: passkey.id,
        after: { user_id: passkey.userId, stored_counter: passkey.counter, presented_counter: newCounter },
      });
      return { ok: false, reason: 'cloned', passkey };
    }
    return { ok: true, passkey };
  }

  async function used(tx: Executor, ctx: RequestContext, passkey: Passkey, purpose: string): Promise<void> {
    await audit.record(tx, ctx, {
      action: 'passkey.used',
      resourceType: 'passkey',
      resourceId: passkey.id,
      after: { name: passkey.name, purpose },
    });
  }

  const kind: FactorKind = {
    name: 'passkey',
    enrolled: (executor, userId) => repository.hasPasskey(executor, userId),
    async verify(tx, user, proof, meta): Promise<FactorCheck | undefined> {
      if (proof.passkey === undefined) return undefined;
      const ctx = { ...meta, actor: actorOf(user, 'session') };
      const outcome = await checkAssertion(tx, proof.passkey, 'second_factor', user.id, ctx);
      if (outcome.ok) {
        await used(tx, ctx, outcome.passkey, 'second_factor');
        return { accepted: true };
      }
      return { accepted: false, reason: outcome.reason === 'challenge' ? 'replayed' : 'wrong' };
    },
    remove: async (tx, userId) => (await repository.deletePasskeysOf(tx, userId)) > 0,
  };

  return {
    kind,

    /** Options for the second factor of `user`'s login, limited to their own passkeys. */
    secondFactorOptions: (user: User) => authenticationOptions('second_factor', user),

    /** Options for a passwordless login: no user named, so the authenticator offers its discoverable credentials. */
    passwordlessOptions: () => authenticationOptions('passwordless', null),

    /**
     * The active user a passwordless assertion proves, with user verification (PIN or
     * biometrics) required, so the passkey is both factors. Failures are audited and say
     * nothing about which check failed.
     */
    async passwordless(response: AuthenticationResponseJSON, meta: LoginMeta): Promise<User> {
      type Outcome = { user: User } | { reason: string; userId: number };
      const outcome = await db.transaction(async (tx): Promise<Outcome> => {
        const checked = await checkAssertion(tx, response, 'passwordless', null, anonymous(meta));
        if (!checked.ok) return { reason: checked.reason, userId: checked.passkey?.userId ?? 0 };
        const user = await userById(tx, checked.passkey.userId);
        if (!user?.isActive) return { reason: 'inactive', userId: checked.passkey.userId };
        await used(tx, { ...meta, actor: actorOf(user, 'session') }, checked.passkey, 'passwordless');
        return { user };
      });
      if ('user' in outcome) return outcome.user;
      await audit.record(db, anonymous(meta), {
        action: 'user.login_failed',
        resourceType: 'user',
        resourceId: outcome.userId,
        after: { method: 'passkey', reason: outcome.reason },
      });
      throw identityErrors.IDENTITY_PASSKEY_INVALID();
    },
  };
}

export type Passkeys = ReturnType<typeof createPasskeys>;
