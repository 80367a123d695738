import { defineErrors } from '../../platform/http/errors.ts';

export const identityErrors = defineErrors({
  IDENTITY_INVALID_CREDENTIALS: ['unauthenticated', 'Unable to log in with provided credentials.'],
  IDENTITY_USER_NOT_FOUND: ['not_found', 'Not found.'],
  IDENTITY_TOKEN_NOT_FOUND: ['not_found', 'Not found.'],
  IDENTITY_DEPARTMENT_NOT_FOUND: ['not_found', 'Not found.'],
  IDENTITY_EDIT_FORBIDDEN: ['forbidden', 'You may not change this person.'],
  IDENTITY_ROLE_FORBIDDEN: ['forbidden', 'You may not grant this role.'],
  IDENTITY_SERVICE_ACCOUNT_NOT_FOUND: ['not_found', 'Not found.'],
  IDENTITY_SERVICE_ACCOUNT_INACTIVE: ['conflict', 'This service account is deactivated.'],
  IDENTITY_API_KEY_NOT_FOUND: ['not_found', 'Not found.'],
  IDENTITY_SCOPE_FORBIDDEN: ['forbidden', 'You may not grant a scope you do not hold.'],
  IDENTITY_TOKENS_FOR_PEOPLE: [
    'forbidden',
    'Personal API tokens are for people; a service account uses API keys an admin creates for it.',
  ],
});
