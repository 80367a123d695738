import { defineErrors } from '../../platform/http/errors.ts';

/**
 * Why an OIDC login ended. Every failure of the callback is audited as
 * `oidc.login_failed` with the reason: the code without its prefix, lower-cased
 * (`IDENTITY_OIDC_EMAIL_UNVERIFIED` -> `email_unverified`).
 */
export const oidcErrors = defineErrors({
  IDENTITY_OIDC_PROVIDER_NOT_FOUND: ['not_found', 'Not found.'],
  IDENTITY_OIDC_PROVIDER_UNAVAILABLE: [
    'unavailable',
    'The identity provider cannot be reached or is misconfigured. Try again later or tell your administrator.',
  ],
  IDENTITY_OIDC_STATE_INVALID: [
    'invalid',
    'This sign-in link is unknown, expired, already used, or was started in another browser. Start signing in again.',
  ],
  IDENTITY_OIDC_CONSENT_DENIED: ['forbidden', 'Sign-in was cancelled at the identity provider.'],
  IDENTITY_OIDC_PROVIDER_ERROR: ['forbidden', 'The identity provider refused the sign-in.'],
  IDENTITY_OIDC_TOKEN_INVALID: [
    'unauthenticated',
    'The identity provider’s answer could not be verified. Start signing in again.',
  ],
  IDENTITY_OIDC_EMAIL_MISSING: ['forbidden', 'The identity provider did not share your e-mail address.'],
  IDENTITY_OIDC_EMAIL_UNVERIFIED: [
    'forbidden',
    'Your e-mail address is not verified by the identity provider; verify it there and sign in again.',
  ],
  IDENTITY_OIDC_EMAIL_NOT_ALLOWED: [
    'forbidden',
    'Your e-mail address may not sign in to Opsdesk through this provider. Ask your administrator.',
  ],
  IDENTITY_OIDC_EMAIL_AMBIGUOUS: [
    'forbidden',
    'Several Opsdesk accounts share your e-mail address; ask your administrator to link yours.',
  ],
  IDENTITY_OIDC_ACCOUNT_NOT_FOUND: [
    'forbidden',
    'No Opsdesk account has your e-mail address. Ask your administrator for one.',
  ],
  IDENTITY_OIDC_ACCOUNT_LINKED: [
    'forbidden',
    'Your Opsdesk account is already linked to another account at this provider.',
  ],
  IDENTITY_OIDC_USER_INACTIVE: ['forbidden', 'This Opsdesk account is deactivated.'],
  IDENTITY_OIDC_MFA_REQUIRED: [
    'forbidden',
    'Your Opsdesk account needs a second factor, which the identity provider did not confirm. Sign in with your password and code, or ask your administrator to have the provider require multi-factor sign-in.',
  ],
  IDENTITY_OIDC_IDENTITY_NOT_FOUND: ['not_found', 'Not found.'],
});

export type OidcErrorCode = keyof typeof oidcErrors;

export const reasonOf = (code: string): string => code.replace(/^IDENTITY_OIDC_/, '').toLowerCase();
