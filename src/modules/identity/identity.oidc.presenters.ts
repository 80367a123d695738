import type { Static } from '@sinclair/typebox';
import { loginPath } from './identity.oidc.providers.ts';
import type { OidcProviderV2, UserIdentityV2 } from './identity.oidc.schemas.ts';
import type { OidcProvider, UserIdentity } from './identity.oidc.tables.ts';

/** A provider without its secret: only whether it has one. */
export const presentProvider = (
  provider: OidcProvider,
  redirectUri: string,
): Static<typeof OidcProviderV2> => ({
  id: provider.id,
  slug: provider.slug,
  name: provider.name,
  issuer: provider.issuer,
  client_id: provider.clientId,
  has_client_secret: provider.clientSecretSealed !== null,
  scopes: provider.scopes,
  enabled: provider.enabled,
  allowed_emails: provider.allowedEmails,
  provision_users: provider.provisionUsers,
  provision_role: provider.provisionRole,
  redirect_uri: redirectUri,
  login_url: loginPath(provider.slug),
  version: provider.version,
  created_at: provider.createdAt.toISOString(),
  updated_at: provider.updatedAt.toISOString(),
});

export const presentIdentity = (identity: UserIdentity): Static<typeof UserIdentityV2> => ({
  id: identity.id,
  user_id: identity.userId,
  subject: identity.subject,
  email: identity.email,
  created_at: identity.createdAt.toISOString(),
  last_login_at: identity.lastLoginAt?.toISOString() ?? null,
});
