import net from 'node:net';
import { expect } from 'vitest';
import { systemContext } from '../../src/platform/auth/actor.ts';
import type { PublicUser } from '../../src/modules/identity/index.ts';
import { createTestApp, PASSWORD, type Browser, type TestApp } from './app.ts';
import { HttpBrowser, locationOf } from './http-browser.ts';
import { TEST_SECRET_KEY } from './mfa.ts';
import { startIdentityProvider, type TestIdentityProvider } from './oidc-provider.ts';

/** The slug of the provider every testbed sets up. */
export const SLUG = 'corp';

const ctx = systemContext('oidc-test');

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export interface OidcTestbed {
  t: TestApp;
  idp: TestIdentityProvider;
  /** Opsdesk's PUBLIC_URL: `http://127.0.0.1:<port>`, where it listens. */
  publicUrl: string;
  /** A signed-in admin (inject browser). */
  admin: Browser;
  /** The provider `SLUG`, for the idp's client, allowing the domain corp.test. */
  providerId: number;
  url(path: string): string;
  /** Opsdesk's login: the provider's authorization URL it redirects to. */
  toProvider(browser: HttpBrowser, next?: string): Promise<string>;
  /**
   * At the provider: signs in as `account` and consents (or cancels when `account` is
   * null), following redirects until the one back to Opsdesk, returned unvisited.
   */
  atProvider(browser: HttpBrowser, authorizationUrl: string, account: string | null): Promise<string>;
  /** The whole dance: Opsdesk's answer to the callback. */
  signIn(browser: HttpBrowser, account: string, next?: string): Promise<Response>;
  me(browser: HttpBrowser): Promise<Response>;
  /** An Opsdesk person with this e-mail (and the test password). */
  opsdeskUser(email: string): Promise<PublicUser>;
  auditOf(
    resourceType: string,
    resourceId: number,
    action: string,
  ): ReturnType<TestApp['services']['audit']['historyOf']>;
  close(): Promise<void>;
}

/**
 * Opsdesk listening on a free port (PUBLIC_URL set to it, http issuers allowed) and a
 * real identity provider (oidc-provider) with a client registered for the callback of
 * provider `SLUG`, which an admin created through the API. Everything goes over real
 * HTTP: the browser goes to Opsdesk, is redirected to the provider, signs in and
 * consents on its HTML forms, and comes back to Opsdesk's callback.
 */
export async function startOidcTestbed(options: { now?: () => Date } = {}): Promise<OidcTestbed> {
  const port = await freePort();
  const publicUrl = `http://127.0.0.1:${port}`;
  const url = (path: string) => `${publicUrl}${path}`;
  const idp = await startIdentityProvider({ redirectUris: [url(`/api/v2/auth/oidc/${SLUG}/callback`)] });
  const t = await createTestApp(
    { PUBLIC_URL: publicUrl, OIDC_ALLOW_HTTP_ISSUERS: 'true', SECRET_KEY: TEST_SECRET_KEY },
    undefined,
    { now: options.now },
  );
  await t.app.listen({ port, host: '127.0.0.1' });
  const admin = await t.login(await t.user({ role: 'admin' }));
  const created = await admin.post('/api/v2/oidc-providers', {
    slug: SLUG,
    name: 'Corp SSO',
    issuer: idp.issuer,
    client_id: idp.clientId,
    client_secret: idp.clientSecret,
    allowed_emails: ['corp.test'],
  });
  expect(created.statusCode, created.body).toBe(201);

  const loginUrl = (next?: string) =>
    url(`/api/v2/auth/oidc/${SLUG}/login${next === undefined ? '' : `?next=${encodeURIComponent(next)}`}`);

  async function toProvider(browser: HttpBrowser, next?: string): Promise<string> {
    const response = await browser.get(loginUrl(next));
    expect(response.status).toBe(302);
    return locationOf(response, loginUrl(next));
  }

  async function atProvider(browser: HttpBrowser, authorizationUrl: string, account: string | null) {
    let current = authorizationUrl;
    for (let hop = 0; hop < 15; hop++) {
      if (current.startsWith(publicUrl)) return current;
      const response = await browser.get(current);
      if (response.status >= 300 && response.status < 400) {
        current = locationOf(response, current);
        continue;
      }
      const html = await response.text();
      expect(response.status, html).toBe(200);
      const action = new URL(/<form[^>]*action="([^"]+)"/.exec(html)![1]!, current).href;
      const prompt = /name="prompt" value="(\w+)"/.exec(html)![1]!;
      const submitted =
        account === null
          ? await browser.get(`${action}/abort`)
          : await browser.post(
              action,
              prompt === 'login' ? { prompt, login: account, password: 'any' } : { prompt },
            );
      current = locationOf(submitted, action);
    }
    throw new Error('too many redirects at the provider');
  }

  return {
    t,
    idp,
    publicUrl,
    admin,
    providerId: created.json<{ id: number }>().id,
    url,
    toProvider,
    atProvider,
    async signIn(browser, account, next) {
      const callback = await atProvider(browser, await toProvider(browser, next), account);
      return browser.get(callback);
    },
    me: (browser) => browser.get(url('/api/v2/me')),
    async opsdeskUser(email) {
      const person = await t.services.identity.createPerson(ctx, {
        email,
        password: PASSWORD,
        role: 'agent',
      });
      return person.user;
    },
    async auditOf(resourceType, resourceId, action) {
      return (await t.services.audit.historyOf(resourceType, resourceId)).filter(
        (entry) => entry.action === action,
      );
    },
    async close() {
      await t.close();
      await idp.close();
    },
  };
}
