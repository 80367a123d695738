import type { RequestContext } from '../../platform/auth/actor.ts';
import { REFRESH_TOKEN_PREFIX, type CredentialClient } from '../../platform/auth/credentials.ts';
import { createApiKeyAuthentication } from './identity.api-key-auth.ts';
import { createApiKeys } from './identity.api-keys.ts';
import { createAuthenticator } from './identity.authenticator.ts';
import { createAuthTokens } from './identity.authtoken.ts';
import type { IdentityDeps } from './identity.context.ts';
import { createSecondFactor } from './identity.mfa.ts';
import { createMfaManagement } from './identity.mfa.manage.ts';
import { createCredentials } from './identity.credentials.ts';
import { createEmailChange } from './identity.email-change.ts';
import { createAccessTokens } from './identity.jwt.ts';
import { createJwtAuthentication } from './identity.jwt.auth.ts';
import { createSigningKeys } from './identity.jwt.keys.ts';
import { createLockout } from './identity.lockout.ts';
import { createPasswords } from './identity.passwords.ts';
import { createOidc } from './identity.oidc.ts';
import { createPasskeys } from './identity.passkeys.ts';
import { createPasskeyManagement } from './identity.passkeys.manage.ts';
import { createDepartments } from './identity.departments.ts';
import { createPeople } from './identity.people.ts';
import { createRefreshTokens } from './identity.refresh.ts';
import { createServiceAccounts } from './identity.service-accounts.ts';
import { createSessions } from './identity.sessions.ts';
import { createTokenLogin } from './identity.token-login.ts';
import { createTokens } from './identity.tokens.ts';

export type { IdentityDeps } from './identity.context.ts';
export type { PersonInput, PersonRef } from './identity.people.ts';
export type { LoginMeta } from './identity.sessions.ts';
export type { MfaSettings } from './identity.mfa.ts';
export type { JwtSettings } from './identity.jwt.keys.ts';

/**
 * Identity: people and departments (identity.people.ts), logging in and sessions
 * (.sessions.ts, with the lockout of .lockout.ts), the second factor of every login and
 * its enrolment (.mfa.ts, .mfa.manage.ts), passkeys, as a second factor or alone
 * (.passkeys.ts, .passkeys.manage.ts), personal API tokens (.tokens.ts), service
 * accounts and their API keys (.service-accounts.ts, .api-keys.ts), passwords and e-mail
 * changes by mailed codes (.passwords.ts, .email-change.ts), listing and ending
 * credentials (.credentials.ts), single sign-on (.oidc.ts), logging in by token with JWT
 * access tokens and rotating refresh tokens (.token-login.ts, .jwt.ts, .jwt.keys.ts,
 * .refresh.ts), DRF's obtain_auth_token (.authtoken.ts), and the authenticator that
 * turns a request's credential into an actor (.authenticator.ts, .api-key-auth.ts,
 * .jwt.auth.ts).
 */
export function createIdentityService(deps: IdentityDeps) {
  const passkeys = createPasskeys(deps);
  const secondFactor = createSecondFactor(deps, [passkeys.kind]);
  const sessions = createSessions(deps, secondFactor);
  const lockout = createLockout(deps);
  const signingKeys = createSigningKeys(deps);
  const accessTokens = createAccessTokens(deps.jwt, signingKeys);
  const refreshTokens = createRefreshTokens(deps, accessTokens);
  const apiKeys = createApiKeyAuthentication(deps);
  const isRefreshToken = (credential: string) => credential.startsWith(REFRESH_TOKEN_PREFIX);
  return {
    authenticator: {
      ...createAuthenticator({
        db: deps.db,
        invalidation: deps.invalidation,
        sessionTtlMs: deps.sessionTtlHours * 3600_000,
      }),
      ...apiKeys,
      ...createJwtAuthentication(deps, accessTokens),
      refused: (credential: string, client: CredentialClient) => {
        // A refresh token is no bearer credential; its own refusals are audited by refresh().
        if (!isRefreshToken(credential)) apiKeys.refused(credential, client);
      },
      leaked: (credential: string, client: CredentialClient) =>
        isRefreshToken(credential)
          ? refreshTokens.leaked(credential, client)
          : apiKeys.leaked(credential, client),
    },
    ...createPeople(deps),
    ...createDepartments(deps),
    ...sessions,
    /** Ends the caller's session, or the login by token their access token belongs to. */
    async logout(ctx: RequestContext): Promise<void> {
      await sessions.logout(ctx);
      await refreshTokens.revokeOwn(ctx);
    },
    signingKeys,
    refreshTokens,
    ...createTokenLogin({ checkPassword: sessions.checkPassword, secondFactor, refresh: refreshTokens }),
    ...createAuthTokens(deps, { checkPassword: sessions.checkPassword, secondFactor }),
    ...createTokens(deps),
    ...createCredentials(deps),
    ...createPasswords(deps, sessions.checkPassword),
    ...createEmailChange(deps, sessions.checkPassword),
    unlockUser: lockout.unlock,
    ...createServiceAccounts(deps),
    ...createApiKeys(deps),
    secondFactor,
    ...createMfaManagement(deps, secondFactor, sessions.checkPassword),
    oidc: createOidc({ ...deps, openSession: sessions.openSession, secondFactor }),
    passkeys,
    ...createPasskeyManagement(deps, secondFactor, sessions.checkPassword),
  };
}

export type IdentityService = ReturnType<typeof createIdentityService>;
