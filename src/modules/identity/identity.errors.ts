import { defineErrors } from '../../platform/http/errors.ts';

export const identityErrors = defineErrors({
  IDENTITY_INVALID_CREDENTIALS: ['unauthenticated', 'Unable to log in with provided credentials.'],
  IDENTITY_USER_NOT_FOUND: ['not_found', 'Not found.'],
  IDENTITY_TOKEN_NOT_FOUND: ['not_found', 'Not found.'],
  IDENTITY_DEPARTMENT_NOT_FOUND: ['not_found', 'Not found.'],
  IDENTITY_EDIT_FORBIDDEN: ['forbidden', 'You may not change this person.'],
  IDENTITY_ROLE_FORBIDDEN: ['forbidden', 'You may not grant this role.'],
  IDENTITY_LOGIN_LOCKED: [
    'rate_limited',
    'Too many failed login attempts. Try again later (the Retry-After header says when).',
  ],
  IDENTITY_ACCOUNT_TOKEN_INVALID: ['invalid', 'This code is invalid or has expired; ask for a new one.'],
  IDENTITY_SESSION_NOT_FOUND: ['not_found', 'Not found.'],
  IDENTITY_SERVICE_ACCOUNT_NOT_FOUND: ['not_found', 'Not found.'],
  IDENTITY_SERVICE_ACCOUNT_INACTIVE: ['conflict', 'This service account is deactivated.'],
  IDENTITY_API_KEY_NOT_FOUND: ['not_found', 'Not found.'],
  IDENTITY_SCOPE_FORBIDDEN: ['forbidden', 'You may not grant a scope you do not hold.'],
  IDENTITY_TOKENS_FOR_PEOPLE: [
    'forbidden',
    'Personal API tokens are for people; a service account uses API keys an admin creates for it.',
  ],
  IDENTITY_MFA_REQUIRED: [
    'unauthenticated',
    'A second factor is required: send a code from your authenticator app (or a recovery code) with the challenge.',
  ],
  IDENTITY_MFA_ENROLMENT_REQUIRED: [
    'unauthenticated',
    'Your role requires two-factor authentication: set up an authenticator app with the challenge, then complete the login.',
  ],
  IDENTITY_MFA_INVALID_CODE: ['unauthenticated', 'The code is not valid.'],
  IDENTITY_MFA_LOCKED: [
    'rate_limited',
    'Too many wrong codes: the second factor is locked for a while (the Retry-After header says how long).',
  ],
  IDENTITY_MFA_CHALLENGE_INVALID: [
    'unauthenticated',
    'This login challenge is invalid or has expired; log in again.',
  ],
  IDENTITY_MFA_ALREADY_ENABLED: [
    'conflict',
    'An authenticator app is already set up; turn it off before setting up another.',
  ],
  IDENTITY_MFA_NOT_ENABLED: ['conflict', 'Two-factor authentication is not on.'],
  IDENTITY_MFA_NOT_PENDING: ['conflict', 'Nothing to confirm: start with POST /api/v2/me/mfa/totp.'],
  IDENTITY_MFA_REQUIRED_BY_ROLE: [
    'forbidden',
    'Your role requires two-factor authentication: it cannot be turned off.',
  ],
  IDENTITY_PASSKEY_NOT_FOUND: ['not_found', 'Not found.'],
  IDENTITY_PASSKEY_EXISTS: ['conflict', 'This passkey is already registered.'],
  IDENTITY_PASSKEY_INVALID: [
    'unauthenticated',
    'The passkey could not be verified: ask for new options and try again.',
  ],
  IDENTITY_REFRESH_TOKEN_INVALID: [
    'unauthenticated',
    'This refresh token is invalid, expired or revoked; log in again.',
  ],
  IDENTITY_REFRESH_TOKEN_MISSING: [
    'invalid',
    'Send "refresh_token" in the body (or the refresh cookie set by a login with "cookies": true).',
  ],
  IDENTITY_REFRESH_FAMILY_NOT_FOUND: ['not_found', 'Not found.'],
});
