import { LRUCache } from 'lru-cache';
import * as client from 'openid-client';
import type { Sealer } from '../../platform/auth/sealed.ts';
import { digest, randomToken, safeEqual } from '../../platform/auth/secrets.ts';
import { AppError } from '../../platform/http/errors.ts';
import type { Person } from './identity.repository.ts';
import { actorOf } from './identity.authenticator.ts';
import type { IdentityDeps } from './identity.context.ts';
import type { Assertion, createOidcAccounts } from './identity.oidc.accounts.ts';
import { oidcErrors, reasonOf } from './identity.oidc.errors.ts';
import type { OidcProviders } from './identity.oidc.providers.ts';
import * as repository from './identity.oidc.repository.ts';
import { assertsMultiFactor, issuerProblem, safeNext } from './identity.oidc.rules.ts';
import type { OidcProvider } from './identity.oidc.tables.ts';
import type { SecondFactor } from './identity.mfa.ts';
import type { createSessions, LoginMeta } from './identity.sessions.ts';
import type { User } from './identity.tables.ts';

/** How long a browser has between leaving for the provider and coming back. */
const LOGIN_TTL_MS = 10 * 60_000;
/** Provider metadata is kept this long per process; a provider's new signing key is fetched when first seen anyway. */
const DISCOVERY_TTL_MS = 60 * 60_000;
const HTTP_TIMEOUT_SECONDS = 10;
const BROWSER_SECRET = /^[\w-]{43}$/;

export interface OidcLoginDeps extends Pick<IdentityDeps, 'db' | 'audit' | 'oidc'> {
  sealer: Sealer;
  providers: Pick<OidcProviders, 'redirectUri'>;
  accounts: ReturnType<typeof createOidcAccounts>;
  openSession: ReturnType<typeof createSessions>['openSession'];
  secondFactor: Pick<SecondFactor, 'check'>;
}

/**
 * OpenID Connect login with openid-client: authorization code with PKCE (S256), state
 * and nonce. The callback's checks are the library's (state, `iss` of the response,
 * the ID token's signature, `iss`, `aud`, `exp`, `iat` and `nonce`); the pending login
 * is taken out of the database before any of them, so a callback URL works once.
 */
export function createOidcLogin(deps: OidcLoginDeps) {
  const { db, audit, oidc, sealer, providers, accounts, openSession, secondFactor } = deps;
  const configurations = new LRUCache<string, Promise<client.Configuration>>({
    max: 100,
    ttl: DISCOVERY_TTL_MS,
  });

  async function enabledProvider(slug: string): Promise<OidcProvider> {
    const provider = await repository.providerBySlug(db, slug);
    if (!provider?.enabled) throw oidcErrors.IDENTITY_OIDC_PROVIDER_NOT_FOUND();
    return provider;
  }

  async function discover(provider: OidcProvider): Promise<client.Configuration> {
    // Checked again here: OIDC_ALLOW_HTTP_ISSUERS may have been turned off since the provider was saved.
    if (issuerProblem(provider.issuer, oidc.allowHttpIssuers)) {
      throw oidcErrors.IDENTITY_OIDC_PROVIDER_UNAVAILABLE({ cause: new Error('issuer not allowed') });
    }
    const secret = provider.clientSecretSealed && sealer.open(provider.clientSecretSealed);
    try {
      return await client.discovery(
        new URL(provider.issuer),
        provider.clientId,
        secret ? { client_secret: secret } : undefined,
        // client_secret_basic is what a client registered without naming a method gets (OIDC Registration 1.0).
        secret ? client.ClientSecretBasic(secret) : client.None(),
        {
          timeout: HTTP_TIMEOUT_SECONDS,
          // Reached only with OIDC_ALLOW_HTTP_ISSUERS (a local test provider): checked above.
          // eslint-disable-next-line @typescript-eslint/no-deprecated -- deprecated only to stand out, as it should
          execute: new URL(provider.issuer).protocol === 'http:' ? [client.allowInsecureRequests] : [],
        },
      );
    } catch (error) {
      throw oidcErrors.IDENTITY_OIDC_PROVIDER_UNAVAILABLE({ cause: error });
    }
  }

  /** The provider's metadata, discovered once per version of its settings and process. */
  function configurationOf(provider: OidcProvider): Promise<client.Configuration> {
    const key = `${provider.id}:${provider.version}`;
    let configuration = configurations.get(key);
    if (!configuration) {
      configuration = discover(provider);
      configurations.set(key, configuration);
      configuration.catch(() => configurations.delete(key));
    }
    return configuration;
  }

  /** The library's refusals, as the reasons a person and the audit log can read. */
  function refusal(error: unknown): AppError {
    if (error instanceof client.AuthorizationResponseError) {
      return error.error === 'access_denied'
        ? oidcErrors.IDENTITY_OIDC_CONSENT_DENIED({ cause: error })
        : oidcErrors.IDENTITY_OIDC_PROVIDER_ERROR({ cause: error });
    }
    // fetch() fails with a TypeError when the provider cannot be reached, and with a TimeoutError past the timeout.
    if (error instanceof TypeError || (error instanceof Error && error.name === 'TimeoutError')) {
      return oidcErrors.IDENTITY_OIDC_PROVIDER_UNAVAILABLE({ cause: error });
    }
    return oidcErrors.IDENTITY_OIDC_TOKEN_INVALID({ cause: error });
  }

  /** The verified claims; the e-mail comes from UserInfo when the ID token leaves it out. */
  async function assertionOf(
    configuration: client.Configuration,
    tokens: client.TokenEndpointResponse & client.TokenEndpointResponseHelpers,
  ): Promise<Assertion & { amr: string[] }> {
    const claims = tokens.claims();
    if (!claims) throw oidcErrors.IDENTITY_OIDC_TOKEN_INVALID();
    let source: Record<string, unknown> = claims;
    if (typeof claims.email !== 'string') {
      source = await client.fetchUserInfo(configuration, tokens.access_token, claims.sub);
    }
    const text = (value: unknown) => (typeof value === 'string' && value !== '' ? value : undefined);
    return {
      subject: claims.sub,
      email: text(source.email)?.slice(0, 254),
      // Some providers send the flag as a string.
      emailVerified: source.email_verified === true || source.email_verified === 'true',
      givenName: text(source.given_name),
      familyName: text(source.family_name),
      amr: Array.isArray(claims.amr) ? claims.amr.filter((value) => typeof value === 'string') : [],
    };
  }

  /**
   * Opsdesk's second factor, unless the provider vouches for one: a user who would be
   * asked for a code at password login (enrolled, or their role requires MFA) signs in
   * through the provider only when its ID token asserts multi-factor authentication
   * (`amr`). Redirect logins have no step to ask for the code, so they are refused.
   */
  async function checkSecondFactor(user: User, amr: string[], meta: LoginMeta): Promise<void> {
    if (assertsMultiFactor(amr)) return;
    try {
      await secondFactor.check(user, {}, meta, 'session');
    } catch (error) {
      if (
        error instanceof AppError &&
        (error.code === 'IDENTITY_MFA_REQUIRED' || error.code === 'IDENTITY_MFA_ENROLMENT_REQUIRED')
      ) {
        throw oidcErrors.IDENTITY_OIDC_MFA_REQUIRED({ cause: error });
      }
      throw error;
    }
  }

  async function recordFailure(
    provider: OidcProvider,
    error: AppError,
    meta: LoginMeta,
    who: Partial<Assertion>,
  ): Promise<void> {
    const label = (who.email ?? who.subject ?? `oidc:${provider.slug}`).slice(0, 150);
    await audit.record(
      db,
      { ...meta, actor: actorOf({ id: 0, username: label, role: 'viewer' } as User, 'session') },
      {
        action: 'oidc.login_failed',
        resourceType: 'oidc_provider',
        resourceId: provider.id,
        after: {
          provider: provider.slug,
          reason: reasonOf(error.code),
          email: who.email,
          subject: who.subject,
        },
      },
    );
  }

  return {
    /**
     * Starts a login: a pending login (state, nonce, PKCE verifier, where to return)
     * kept for ten minutes and bound to `browserSecret`, the value of an HttpOnly
     * cookie the caller sets (reused when the browser already has one, so logins in
     * two tabs both work). Returns the provider's authorization URL to redirect to.
     */
    async beginLogin(
      slug: string,
      options: { next: unknown; browserSecret: string | undefined },
    ): Promise<{ authorizationUrl: string; browserSecret: string }> {
      const provider = await enabledProvider(slug);
      const configuration = await configurationOf(provider);
      const browserSecret =
        options.browserSecret && BROWSER_SECRET.test(options.browserSecret)
          ? options.browserSecret
          : randomToken();
      const state = client.randomState();
      const nonce = client.randomNonce();
      const verifier = client.randomPKCECodeVerifier();
      await repository.insertLoginState(db, {
        stateHash: digest(state),
        providerId: provider.id,
        browserHash: digest(browserSecret),
        nonce,
        codeVerifierSealed: sealer.seal(verifier),
        next: safeNext(options.next),
        expiresAt: new Date(Date.now() + LOGIN_TTL_MS),
      });
      const url = client.buildAuthorizationUrl(configuration, {
        redirect_uri: providers.redirectUri(provider.slug),
        scope: provider.scopes,
        state,
        nonce,
        code_challenge: await client.calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
      });
      return { authorizationUrl: url.href, browserSecret };
    },

    /**
     * Finishes a login from the provider's redirect (`query`: the callback's raw query
     * string). Refusals are audited as `oidc.login_failed` and thrown as `oidcErrors`;
     * success opens a session (`user.logged_in`, method oidc) and says where to go.
     */
    async completeLogin(
      slug: string,
      callback: { query: string; browserSecret: string | undefined },
      meta: LoginMeta,
    ): Promise<{ sessionToken: string; person: Person; next: string }> {
      const provider = await enabledProvider(slug);
      const who: Partial<Assertion> = {};
      try {
        const state = new URLSearchParams(callback.query).get('state');
        const pending = state ? await repository.takeLoginState(db, digest(state), provider.id) : undefined;
        if (
          !state ||
          !pending ||
          !callback.browserSecret ||
          !safeEqual(pending.browserHash, digest(callback.browserSecret))
        ) {
          throw oidcErrors.IDENTITY_OIDC_STATE_INVALID();
        }
        const configuration = await configurationOf(provider);
        const assertion = await client
          .authorizationCodeGrant(
            configuration,
            // The redirect URI sent with the code must be the registered one, whatever Host the request came in on.
            new URL(`${providers.redirectUri(provider.slug)}?${callback.query}`),
            {
              pkceCodeVerifier: sealer.open(pending.codeVerifierSealed),
              expectedState: state,
              expectedNonce: pending.nonce,
              idTokenExpected: true,
            },
          )
          .then((tokens) => assertionOf(configuration, tokens))
          .catch((error: unknown) => {
            throw error instanceof AppError ? error : refusal(error);
          });
        Object.assign(who, { subject: assertion.subject, email: assertion.email });
        const { user, identity } = await accounts.userFor(provider, assertion, meta);
        await checkSecondFactor(user, assertion.amr, meta);
        const session = await openSession(user, meta, {
          method: 'oidc',
          provider: provider.slug,
          amr: assertion.amr,
        });
        await repository.touchIdentity(db, identity.id);
        return { ...session, next: pending.next };
      } catch (error) {
        if (error instanceof AppError && error.code.startsWith('IDENTITY_OIDC_')) {
          await recordFailure(provider, error, meta, who);
        }
        throw error;
      }
    },
  };
}
