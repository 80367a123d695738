import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { AppError, commonErrors, fieldError } from '../../platform/http/errors.ts';
import { loginRateLimit, metaOf } from './identity.routes.sessions.ts';
import type { IdentityRouteOptions } from './identity.routes.ts';
import { AuthTokenBody, AuthTokenResponse } from './identity.schemas.jwt.ts';

const REQUIRED = 'This field is required.';
/** What DRF's AuthTokenSerializer says for every refused login. */
const REFUSED = 'Unable to log in with provided credentials.';
/** Answers of the login steps that DRF reports as `non_field_errors`. */
const NON_FIELD: Record<string, string> = {
  IDENTITY_INVALID_CREDENTIALS: REFUSED,
  IDENTITY_MFA_REQUIRED:
    'Two-factor authentication is on for this account: send "otp" (a code from your app) or "recovery_code" too.',
  IDENTITY_MFA_ENROLMENT_REQUIRED:
    'Your role requires two-factor authentication: set it up by logging in to the web app first.',
  IDENTITY_MFA_INVALID_CODE: 'The code is not valid.',
};

/**
 * `POST /api/auth/token/`: rest_framework.authtoken's `obtain_auth_token`, for scripts
 * written against the Django plans. `{username, password}` answers `{"token": "..."}`,
 * the same token on every call (identity.authtoken.ts), used as `Authorization: Token
 * <token>`. Errors are DRF's: 400 with the missing fields, or `non_field_errors`.
 */
export const authTokenRoutesV1: FastifyPluginAsyncTypebox<IdentityRouteOptions> = async (
  app,
  { identity, loginRateLimitPerMinute },
) => {
  app.post(
    '/auth/token/',
    {
      config: { public: true, secretResponse: true, ...loginRateLimit(loginRateLimitPerMinute) },
      schema: {
        tags: ['auth'],
        summary: "Obtain your API token with username and password (DRF's obtain_auth_token).",
        description:
          'Users with two-factor authentication send "otp" (or "recovery_code") too. The token is a personal API token: it appears in /api/v2/tokens and revoking it there makes the next call answer a new one.',
        body: AuthTokenBody,
        response: { 200: AuthTokenResponse },
      },
    },
    async (request) => {
      const { username, password, otp, recovery_code: recoveryCode } = request.body;
      if (!username || !password) {
        throw commonErrors.VALIDATION_FAILED({
          fields: {
            ...(!username && { username: [REQUIRED] }),
            ...(!password && { password: [REQUIRED] }),
          },
        });
      }
      try {
        return {
          token: await identity.obtainAuthToken(
            { username, password },
            { otp, recoveryCode },
            metaOf(request),
          ),
        };
      } catch (error) {
        const message = error instanceof AppError ? NON_FIELD[error.code] : undefined;
        if (message) throw fieldError('non_field_errors', message);
        throw error;
      }
    },
  );
};
