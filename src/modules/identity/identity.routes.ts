import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { accountRoutesV2 } from './identity.routes.v2.account.ts';
import { credentialRoutesV2 } from './identity.routes.v2.credentials.ts';
import { jwtRoutesV2 } from './identity.routes.v2.jwt.ts';
import { refreshFamilyRoutesV2 } from './identity.routes.v2.refresh-families.ts';
import { oidcProviderRoutesV2 } from './identity.routes.v2.oidc-providers.ts';
import { oidcLoginRoutesV2 } from './identity.routes.v2.oidc.ts';
import { identityRoutesV2 as peopleRoutesV2 } from './identity.routes.v2.ts';
import { serviceAccountRoutesV2 } from './identity.routes.v2.service-accounts.ts';
import { mfaRoutesV2 } from './identity.routes.v2.mfa.ts';
import { passkeyRoutesV2 } from './identity.routes.v2.passkeys.ts';
import { tokenRoutesV2 } from './identity.routes.v2.tokens.ts';
import type { IdentityService } from './identity.service.ts';

/**
 * The identity module's routes, one file per API version and concern: the session
 * routes both versions share (identity.routes.sessions.ts), v1 (the BMS contract),
 * v2 people and departments, v2 tokens, v2 service accounts and their API keys, v2
 * two-factor authentication, v2 passkeys, passwords and e-mail (.account), v2 sessions,
 * tokens of anyone and unlocking (.credentials), v2 single sign-on (login and providers),
 * v2 login by token with JWTs and refresh tokens (.jwt, .refresh-families), DRF's
 * obtain_auth_token (.v1.authtoken), and the JWKS outside /api (.jwks).
 */
export interface IdentityRouteOptions {
  identity: IdentityService;
  secureCookies: boolean;
  sessionTtlHours: number;
  loginRateLimitPerMinute: number;
  /** CORS_ORIGINS, for the CSRF check of token logins in cookie mode. */
  allowedOrigins: readonly string[];
  /** Max-Age of the refresh-token cookie. */
  refreshTokenTtlDays: number;
}

export { identityRoutesV1 } from './identity.routes.v1.ts';
export { identityRoutesRoot } from './identity.routes.jwks.ts';

export const identityRoutesV2: FastifyPluginAsyncTypebox<IdentityRouteOptions> = async (app, options) => {
  await app.register(peopleRoutesV2, options);
  await app.register(tokenRoutesV2, options);
  await app.register(accountRoutesV2, options);
  await app.register(credentialRoutesV2, options);
  await app.register(serviceAccountRoutesV2, options);
  await app.register(mfaRoutesV2, options);
  await app.register(oidcLoginRoutesV2, options);
  await app.register(oidcProviderRoutesV2, options);
  await app.register(passkeyRoutesV2, options);
  await app.register(jwtRoutesV2, options);
  await app.register(refreshFamilyRoutesV2, options);
};
