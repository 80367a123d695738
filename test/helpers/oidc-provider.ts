import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair } from 'jose';
import Provider from 'oidc-provider';

/** The claims the provider asserts for an account; the login form's name is the account id (`sub`). */
export interface TestAccount {
  email: string;
  email_verified: boolean;
  given_name?: string;
  family_name?: string;
  /** How the provider says it authenticated the account (RFC 8176, the ID token's `amr`): none by default. */
  amr?: string[];
}

export interface TestIdentityProvider {
  /** `http://127.0.0.1:<port>`: the issuer identifier. */
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** The provider's account store: tests add accounts and change their claims. */
  accounts: Map<string, TestAccount>;
  close(): Promise<void>;
}

/**
 * A real OpenID Connect provider (the `oidc-provider` package) on 127.0.0.1 and a free
 * port, with one confidential web client registered for `redirectUris`. Its sign-in
 * and consent pages are the package's development interactions: plain HTML forms
 * (login: any account id and any password), so a test walks them with real HTTP.
 */
export async function startIdentityProvider(options: {
  redirectUris: string[];
}): Promise<TestIdentityProvider> {
  let handle: http.RequestListener = (_request, response) => {
    response.writeHead(503).end();
  };
  const server = http.createServer((request, response) => {
    handle(request, response);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const accounts = new Map<string, TestAccount>();
  const clientId = 'opsdesk';
  const clientSecret = 'opsdesk-test-client-secret-0123456789';
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: clientId,
        client_secret: clientSecret,
        application_type: 'web',
        redirect_uris: options.redirectUris,
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
      },
    ],
    claims: {
      // amr in the ID token, which carries only the openid scope's claims (conformIdTokenClaims).
      openid: ['sub', 'amr'],
      email: ['email', 'email_verified'],
      profile: ['given_name', 'family_name'],
    },
    findAccount: (_ctx, sub) => {
      const account = accounts.get(sub);
      if (!account) return undefined;
      return {
        accountId: sub,
        claims: () => {
          const { amr: _amr, ...claims } = accounts.get(sub) ?? account;
          return { sub, ...claims };
        },
      };
    },
    cookies: { keys: ['oidc-provider-test-cookie-key'] },
    jwks: { keys: [{ ...(await exportJWK(privateKey)), alg: 'RS256', use: 'sig', kid: 'test-key' }] },
    features: { devInteractions: { enabled: true } },
    ttl: {
      AccessToken: 600,
      AuthorizationCode: 60,
      Grant: 3600,
      IdToken: 600,
      Interaction: 600,
      Session: 3600,
    },
  });
  // The development login form names an account and nothing more; the account's `amr`
  // stands for the factors a real provider would have checked, and reaches the ID token.
  const finish = provider.interactionFinished.bind(provider);
  provider.interactionFinished = (request, response, result, options) => {
    const login = result.login as { accountId: string } | undefined;
    const amr = login && accounts.get(login.accountId)?.amr;
    return finish(request, response, amr ? { ...result, login: { ...login, amr } } : result, options);
  };
  provider.on('server_error', (_ctx, error) => {
    console.error('oidc-provider server_error', error);
  });
  const callback = provider.callback();
  handle = (request, response) => {
    void callback(request, response);
  };

  return {
    issuer,
    clientId,
    clientSecret,
    accounts,
    close: () =>
      new Promise((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => {
          if (error) reject(error);
          else resolve();
        });
      }),
  };
}
