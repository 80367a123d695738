import { createSealer } from '../../platform/auth/sealed.ts';
import type { IdentityDeps } from './identity.context.ts';
import { createOidcAccounts } from './identity.oidc.accounts.ts';
import { createOidcLogin, type OidcLoginDeps } from './identity.oidc.login.ts';
import { createOidcProviders } from './identity.oidc.providers.ts';

/**
 * Single sign-on with OpenID Connect: the providers an admin sets up
 * (identity.oidc.providers.ts), the login dance (.login.ts), and which Opsdesk user a
 * provider account is (.accounts.ts).
 */
export function createOidc(deps: IdentityDeps & Pick<OidcLoginDeps, 'openSession' | 'secondFactor'>) {
  const sealer = createSealer(deps.oidc.secretKey, 'oidc');
  const providers = createOidcProviders(deps, sealer);
  const login = createOidcLogin({ ...deps, sealer, providers, accounts: createOidcAccounts(deps) });
  return { ...providers, ...login };
}

export type Oidc = ReturnType<typeof createOidc>;
