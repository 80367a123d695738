import { createApiKeyAuthentication } from './identity.api-key-auth.ts';
import { createApiKeys } from './identity.api-keys.ts';
import { createAuthenticator } from './identity.authenticator.ts';
import type { IdentityDeps } from './identity.context.ts';
import { createSecondFactor } from './identity.mfa.ts';
import { createMfaManagement } from './identity.mfa.manage.ts';
import { createCredentials } from './identity.credentials.ts';
import { createEmailChange } from './identity.email-change.ts';
import { createLockout } from './identity.lockout.ts';
import { createPasswords } from './identity.passwords.ts';
import { createOidc } from './identity.oidc.ts';
import { createPasskeys } from './identity.passkeys.ts';
import { createPasskeyManagement } from './identity.passkeys.manage.ts';
import { createPeople } from './identity.people.ts';
import { createServiceAccounts } from './identity.service-accounts.ts';
import { createSessions } from './identity.sessions.ts';
import { createTokens } from './identity.tokens.ts';

export type { IdentityDeps } from './identity.context.ts';
export type { PersonInput, PersonRef } from './identity.people.ts';
export type { LoginMeta } from './identity.sessions.ts';
export type { MfaSettings } from './identity.mfa.ts';

/**
 * Identity: people and departments (identity.people.ts), logging in and sessions
 * (.sessions.ts, with the lockout of .lockout.ts), the second factor of every login and
 * its enrolment (.mfa.ts, .mfa.manage.ts), passkeys, as a second factor or alone
 * (.passkeys.ts, .passkeys.manage.ts), personal API tokens (.tokens.ts), service
 * accounts and their API keys (.service-accounts.ts, .api-keys.ts), passwords and e-mail
 * changes by mailed codes (.passwords.ts, .email-change.ts), listing and ending
 * credentials (.credentials.ts), single sign-on (.oidc.ts), and the authenticator that turns a request's credential
 * into an actor (.authenticator.ts, .api-key-auth.ts).
 */
export function createIdentityService(deps: IdentityDeps) {
  const passkeys = createPasskeys(deps);
  const secondFactor = createSecondFactor(deps, [passkeys.kind]);
  const sessions = createSessions(deps, secondFactor);
  const lockout = createLockout(deps);
  return {
    authenticator: {
      ...createAuthenticator({
        db: deps.db,
        invalidation: deps.invalidation,
        sessionTtlMs: deps.sessionTtlHours * 3600_000,
      }),
      ...createApiKeyAuthentication(deps),
    },
    ...createPeople(deps),
    ...sessions,
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
