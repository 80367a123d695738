import net from 'node:net';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemContext } from '../../platform/auth/actor.ts';
import { createSealer } from '../../platform/auth/sealed.ts';
import { digest } from '../../platform/auth/secrets.ts';
import { Browser, createTestApp, type TestApp } from '../../../test/helpers/app.ts';
import { HttpBrowser, locationOf } from '../../../test/helpers/http-browser.ts';
import { enrolTotp, TEST_SECRET_KEY, TestClock } from '../../../test/helpers/mfa.ts';
import { startIdentityProvider, type TestIdentityProvider } from '../../../test/helpers/oidc-provider.ts';
import { createIdentityJobs } from './identity.jobs.ts';
import { oidcLoginStates, oidcProviders, userIdentities } from './identity.oidc.tables.ts';

const SLUG = 'corp';
const ctx = systemContext('oidc-test');

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * OIDC login against a real identity provider (oidc-provider) over real HTTP: the
 * browser goes to Opsdesk, is redirected to the provider, signs in and consents on its
 * HTML forms, and comes back to Opsdesk's callback, cookies carried by hand.
 */
describe('OIDC login', () => {
  let t: TestApp;
  let idp: TestIdentityProvider;
  let publicUrl: string;
  let admin: Browser;
  let providerId: number;
  /** TOTP codes are checked against it; it runs at real time, so ID tokens are fresh too. */
  const clock = new TestClock(Date.now());

  const url = (path: string) => `${publicUrl}${path}`;
  const loginUrl = (next?: string) =>
    url(`/api/v2/auth/oidc/${SLUG}/login${next === undefined ? '' : `?next=${encodeURIComponent(next)}`}`);

  /** Opsdesk's login: the provider's authorization URL it redirects to. */
  async function toProvider(browser: HttpBrowser, next?: string): Promise<string> {
    const response = await browser.get(loginUrl(next));
    expect(response.status).toBe(302);
    return locationOf(response, loginUrl(next));
  }

  /**
   * At the provider: signs in as `account` and consents (or cancels when `account` is
   * null), following redirects until the one back to Opsdesk, which is returned unvisited.
   */
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

  async function signIn(browser: HttpBrowser, account: string, next?: string): Promise<Response> {
    const callback = await atProvider(browser, await toProvider(browser, next), account);
    return browser.get(callback);
  }

  async function opsdeskUser(email: string, options: { role?: 'viewer' | 'agent' } = {}) {
    const person = await t.services.identity.createPerson(ctx, {
      email,
      password: 'correct-horse-battery',
      role: options.role ?? 'agent',
    });
    return person.user;
  }

  const auditOf = async (resourceType: string, resourceId: number, action: string) =>
    (await t.services.audit.historyOf(resourceType, resourceId)).filter((entry) => entry.action === action);

  const me = (browser: HttpBrowser) => browser.get(url('/api/v2/me'));

  beforeAll(async () => {
    const port = await freePort();
    publicUrl = `http://127.0.0.1:${port}`;
    idp = await startIdentityProvider({ redirectUris: [url(`/api/v2/auth/oidc/${SLUG}/callback`)] });
    idp.accounts.set('alice', { email: 'alice@corp.test', email_verified: true, given_name: 'Alice' });
    idp.accounts.set('bob', { email: 'bob@corp.test', email_verified: false });
    idp.accounts.set('carol', { email: 'carol@other.test', email_verified: true });
    idp.accounts.set('dave', {
      email: 'Dave@Corp.test',
      email_verified: true,
      given_name: 'Dave',
      family_name: 'D',
    });
    idp.accounts.set('erin', { email: 'erin@corp.test', email_verified: true });
    idp.accounts.set('frank', { email: 'frank@corp.test', email_verified: true });
    idp.accounts.set('grace', { email: 'grace@corp.test', email_verified: true });
    idp.accounts.set('henry', { email: 'henry@corp.test', email_verified: true });
    idp.accounts.set('ivy', { email: 'ivy@corp.test', email_verified: true });
    t = await createTestApp(
      { PUBLIC_URL: publicUrl, OIDC_ALLOW_HTTP_ISSUERS: 'true', SECRET_KEY: TEST_SECRET_KEY },
      undefined,
      { now: clock.now },
    );
    await t.app.listen({ port, host: '127.0.0.1' });
    admin = await t.login(await t.user({ role: 'admin' }));
    const created = await admin.post('/api/v2/oidc-providers', {
      slug: SLUG,
      name: 'Corp SSO',
      issuer: idp.issuer,
      client_id: idp.clientId,
      client_secret: idp.clientSecret,
      allowed_emails: ['corp.test'],
    });
    expect(created.statusCode, created.body).toBe(201);
    providerId = created.json<{ id: number }>().id;
  });

  afterAll(async () => {
    await t.close();
    await idp.close();
  });

  describe('providers (admin API)', () => {
    it('keeps the client secret sealed and never returns it', async () => {
      const created = await admin.get(`/api/v2/oidc-providers/${providerId}`);
      expect(created.statusCode).toBe(200);
      expect(created.json()).toMatchObject({
        slug: SLUG,
        issuer: idp.issuer,
        client_id: idp.clientId,
        has_client_secret: true,
        scopes: 'openid email profile',
        allowed_emails: ['corp.test'],
        provision_users: false,
        provision_role: 'viewer',
        redirect_uri: url(`/api/v2/auth/oidc/${SLUG}/callback`),
      });
      expect(created.body).not.toContain(idp.clientSecret);
      expect((await admin.get('/api/v2/oidc-providers')).body).not.toContain(idp.clientSecret);

      const [row] = await t.database.db.select().from(oidcProviders).where(eq(oidcProviders.id, providerId));
      expect(row!.clientSecretSealed).not.toContain(idp.clientSecret);
      expect(createSealer(t.config.secretKey!, 'oidc').open(row!.clientSecretSealed!)).toBe(idp.clientSecret);
      const [entry] = await auditOf('oidc_provider', providerId, 'oidc_provider.created');
      expect(JSON.stringify(entry)).not.toContain(idp.clientSecret);
    });

    it('is for admins only, and refuses a provider without the openid scope or with a bad e-mail rule', async () => {
      const agent = await t.login(await t.user({ role: 'manager' }));
      expect((await agent.get('/api/v2/oidc-providers')).statusCode).toBe(403);
      const refused = await admin.post('/api/v2/oidc-providers', {
        slug: 'bad',
        name: 'Bad',
        issuer: idp.issuer,
        client_id: 'x',
        scopes: 'email profile',
        allowed_emails: ['not a domain'],
      });
      expect(refused.statusCode).toBe(400);
      expect(refused.json<{ errors: unknown[] }>().errors).toEqual([
        { field: 'scopes', message: 'The scopes must include "openid" (and usually "email").' },
        { field: 'allowed_emails', message: '"not a domain" is neither a domain nor an address.' },
      ]);
    });

    it('lists the enabled providers for a login page, without authentication; a disabled one is not there', async () => {
      const disabled = await admin.post('/api/v2/oidc-providers', {
        slug: 'off',
        name: 'Switched off',
        issuer: idp.issuer,
        client_id: idp.clientId,
        enabled: false,
      });
      expect(disabled.statusCode).toBe(201);
      const response = await fetch(url('/api/v2/auth/oidc/providers'));
      expect(await response.json()).toEqual([
        { slug: SLUG, name: 'Corp SSO', login_url: `/api/v2/auth/oidc/${SLUG}/login` },
      ]);
      expect((await fetch(url('/api/v2/auth/oidc/off/login'), { redirect: 'manual' })).status).toBe(404);
      expect((await fetch(url('/api/v2/auth/oidc/nowhere/login'), { redirect: 'manual' })).status).toBe(404);
    });

    it('unlinks everyone when the issuer changes: a subject means someone only at its issuer', async () => {
      const created = await admin.post('/api/v2/oidc-providers', {
        slug: 'moving',
        name: 'Moving',
        issuer: idp.issuer,
        client_id: idp.clientId,
      });
      const { id } = created.json<{ id: number }>();
      const person = await opsdeskUser('mover@corp.test');
      await t.database.db
        .insert(userIdentities)
        .values({ providerId: id, subject: 'mover', userId: person.id, email: 'mover@corp.test' });
      const renamed = await admin.patch(
        `/api/v2/oidc-providers/${id}`,
        { name: 'Still here' },
        { 'if-match': created.headers.etag as string },
      );
      expect((await admin.get(`/api/v2/oidc-providers/${id}/identities`)).json()).toHaveLength(1);
      const moved = await admin.patch(
        `/api/v2/oidc-providers/${id}`,
        { issuer: 'http://127.0.0.1:9/elsewhere' },
        { 'if-match': renamed.headers.etag as string },
      );
      expect(moved.statusCode, moved.body).toBe(200);
      expect((await admin.get(`/api/v2/oidc-providers/${id}/identities`)).json()).toEqual([]);
      const [entry] = (await auditOf('oidc_provider', id, 'oidc_provider.updated')).slice(-1);
      expect(entry?.after).toMatchObject({ issuer: 'http://127.0.0.1:9/elsewhere', unlinkedIdentities: 1 });
    });
  });

  describe('login', () => {
    it('links a verified, allowed e-mail to its account, opens a session and returns to next', async () => {
      const alice = await opsdeskUser('alice@corp.test');
      const browser = new HttpBrowser();
      const authorizationUrl = new URL(await toProvider(browser, '/api/v2/me'));
      expect(authorizationUrl.origin).toBe(idp.issuer);
      expect(Object.fromEntries(authorizationUrl.searchParams)).toMatchObject({
        response_type: 'code',
        client_id: idp.clientId,
        redirect_uri: url(`/api/v2/auth/oidc/${SLUG}/callback`),
        scope: 'openid email profile',
        code_challenge_method: 'S256',
      });
      for (const parameter of ['state', 'nonce', 'code_challenge'])
        expect(authorizationUrl.searchParams.get(parameter)).toMatch(/^[\w-]{43}$/);

      const callback = await atProvider(browser, authorizationUrl.href, 'alice');
      const binding = browser.cookie(publicUrl, 'oidc_browser')!;
      const response = await browser.get(callback);
      expect(response.status, await response.clone().text()).toBe(303);
      expect(response.headers.get('location')).toBe('/api/v2/me');
      expect(browser.cookie(publicUrl, 'sessionid')).toBeDefined();
      const profile = await me(browser);
      expect(profile.status).toBe(200);
      expect(await profile.json()).toMatchObject({ id: alice.id, username: alice.username });

      const [linked] = await auditOf('user', alice.id, 'oidc.linked');
      expect(linked?.after).toEqual({ provider: SLUG, subject: 'alice', email: 'alice@corp.test' });
      const [login] = await auditOf('user', alice.id, 'user.logged_in');
      expect(login?.after).toEqual({ method: 'oidc', provider: SLUG, amr: [] });
      expect(login?.actorId).toBe(alice.id);

      // Replaying the callback, from the same browser: its state was used.
      browser.cookies.get(publicUrl)!.set('oidc_browser', binding);
      const replay = await browser.get(callback);
      expect(replay.status).toBe(400);
      expect(await replay.text()).toContain('already used');
      const failures = await auditOf('oidc_provider', providerId, 'oidc.login_failed');
      expect(failures.at(-1)?.after).toMatchObject({ reason: 'state_invalid' });
    });

    it('matches a later login by subject, not by the e-mail the provider now sends', async () => {
      const frank = await opsdeskUser('frank@corp.test');
      expect((await signIn(new HttpBrowser(), 'frank')).status).toBe(303);
      idp.accounts.set('frank', { email: 'frank@elsewhere.test', email_verified: false });
      const browser = new HttpBrowser();
      const response = await signIn(browser, 'frank');
      expect(response.status).toBe(303);
      expect(await (await me(browser)).json()).toMatchObject({ id: frank.id });
      expect(await auditOf('user', frank.id, 'oidc.linked')).toHaveLength(1);
      expect(await auditOf('user', frank.id, 'user.logged_in')).toHaveLength(2);
    });

    it('refuses an e-mail the provider has not verified', async () => {
      const bob = await opsdeskUser('bob@corp.test');
      const browser = new HttpBrowser();
      const response = await signIn(browser, 'bob');
      expect(response.status).toBe(403);
      expect(response.headers.get('content-type')).toContain('text/html');
      expect(await response.text()).toContain('not verified');
      expect(browser.cookie(publicUrl, 'sessionid')).toBeUndefined();
      const failures = await auditOf('oidc_provider', providerId, 'oidc.login_failed');
      expect(failures.at(-1)).toMatchObject({
        actorLabel: 'bob@corp.test',
        after: { provider: SLUG, reason: 'email_unverified', email: 'bob@corp.test', subject: 'bob' },
      });
      const links = await t.database.db
        .select()
        .from(userIdentities)
        .where(eq(userIdentities.userId, bob.id));
      expect(links).toEqual([]);
    });

    it('refuses a verified e-mail the admin did not allow for the provider', async () => {
      await opsdeskUser('carol@other.test');
      const response = await signIn(new HttpBrowser(), 'carol');
      expect(response.status).toBe(403);
      expect(await response.text()).toContain('may not sign in');
      const failures = await auditOf('oidc_provider', providerId, 'oidc.login_failed');
      expect(failures.at(-1)?.after).toMatchObject({ reason: 'email_not_allowed' });
    });

    it('refuses a tampered state, then accepts the real one once', async () => {
      await opsdeskUser('erin@corp.test');
      const browser = new HttpBrowser();
      const callback = new URL(await atProvider(browser, await toProvider(browser), 'erin'));
      const tampered = new URL(callback);
      tampered.searchParams.set('state', `${callback.searchParams.get('state')!.slice(0, -2)}xx`);
      // A client that is not a browser gets problem+json.
      const refused = await fetch(tampered, {
        headers: { cookie: `oidc_browser=${browser.cookie(publicUrl, 'oidc_browser')!}` },
        redirect: 'manual',
      });
      expect(refused.status).toBe(400);
      expect(await refused.json()).toMatchObject({
        type: 'https://opsdesk.dev/problems/identity-oidc-state-invalid',
      });
      const binding = browser.cookie(publicUrl, 'oidc_browser')!;
      expect((await browser.get(callback.href)).status).toBe(303);
      browser.cookies.get(publicUrl)!.set('oidc_browser', binding);
      expect((await browser.get(callback.href)).status).toBe(400);
    });

    it('refuses a callback brought by another browser than the one that began the login', async () => {
      const browser = new HttpBrowser();
      const callback = await atProvider(browser, await toProvider(browser), 'erin');
      const victim = new HttpBrowser();
      const response = await victim.get(callback);
      expect(response.status).toBe(400);
      expect(victim.cookie(publicUrl, 'sessionid')).toBeUndefined();
    });

    it('refuses an ID token whose nonce is not the one Opsdesk sent', async () => {
      const browser = new HttpBrowser();
      const authorizationUrl = new URL(await toProvider(browser));
      authorizationUrl.searchParams.set('nonce', 'nonce-chosen-by-an-attacker-0123456789abcdef');
      const response = await browser.get(await atProvider(browser, authorizationUrl.href, 'erin'));
      expect(response.status).toBe(401);
      const failures = await auditOf('oidc_provider', providerId, 'oidc.login_failed');
      expect(failures.at(-1)?.after).toMatchObject({ reason: 'token_invalid' });
      expect(browser.cookie(publicUrl, 'sessionid')).toBeUndefined();
    });

    it('ends a login the person cancelled at the provider', async () => {
      const browser = new HttpBrowser();
      const response = await browser.get(await atProvider(browser, await toProvider(browser), null));
      expect(response.status).toBe(403);
      expect(await response.text()).toContain('cancelled');
      const failures = await auditOf('oidc_provider', providerId, 'oidc.login_failed');
      expect(failures.at(-1)?.after).toMatchObject({ reason: 'consent_denied' });
    });

    it('ignores a next that leaves the site', async () => {
      await opsdeskUser('grace@corp.test');
      for (const next of ['//evil.example/steal', 'https://evil.example/', '/\\evil.example']) {
        const response = await signIn(new HttpBrowser(), 'grace', next);
        expect(response.status).toBe(303);
        expect(response.headers.get('location')).toBe('/');
      }
    });

    it('refuses a deactivated user', async () => {
      const henry = await opsdeskUser('henry@corp.test');
      const browser = new HttpBrowser();
      expect((await signIn(browser, 'henry')).status).toBe(303);
      await t.services.identity.updatePerson(ctx, { userId: henry.id }, { isActive: false });
      const response = await signIn(new HttpBrowser(), 'henry');
      expect(response.status).toBe(403);
      expect(await response.text()).toContain('deactivated');
      expect((await me(browser)).status).toBe(401);
    });

    it("asks for Opsdesk's second factor unless the provider asserts multi-factor sign-in", async () => {
      const person = await opsdeskUser('ivy@corp.test');
      await enrolTotp(await t.login({ user: person }), clock);
      const refused = await signIn(new HttpBrowser(), 'ivy');
      expect(refused.status).toBe(403);
      expect(await refused.text()).toContain('second factor');
      const failures = await auditOf('oidc_provider', providerId, 'oidc.login_failed');
      expect(failures.at(-1)?.after).toMatchObject({ reason: 'mfa_required', subject: 'ivy' });

      idp.accounts.set('ivy', { email: 'ivy@corp.test', email_verified: true, amr: ['pwd', 'otp'] });
      const browser = new HttpBrowser();
      expect((await signIn(browser, 'ivy')).status).toBe(303);
      expect(await (await me(browser)).json()).toMatchObject({ id: person.id });
      const logins = await auditOf('user', person.id, 'user.logged_in');
      expect(logins.at(-1)?.after).toEqual({ method: 'oidc', provider: SLUG, amr: ['pwd', 'otp'] });
    });

    it('forgets abandoned logins after they expire (hourly job)', async () => {
      const abandoned = await toProvider(new HttpBrowser());
      const live = await toProvider(new HttpBrowser());
      const stateOf = (authorizationUrl: string) => new URL(authorizationUrl).searchParams.get('state')!;
      const pending = await t.database.db.select().from(oidcLoginStates);
      expect(pending.length).toBeGreaterThanOrEqual(2);
      await t.database.db.execute(
        sql`update oidc_login_states set expires_at = now() - interval '1 second' where state_hash <> ${digest(stateOf(live))}`,
      );
      const purge = createIdentityJobs({ db: t.database.db }).find(
        (job) => job.name === 'identity.purge-expired-oidc-logins',
      );
      await purge!.handler({}, { jobId: '1', attempt: 1, log: () => undefined });
      const remaining = await t.database.db.select().from(oidcLoginStates);
      expect(remaining.map((row) => row.stateHash)).toEqual([digest(stateOf(live))]);
      expect(remaining.map((row) => row.stateHash)).not.toContain(digest(stateOf(abandoned)));
    });

    it('provisions an unknown allowed e-mail only when the admin said so, with the chosen role', async () => {
      const refused = await signIn(new HttpBrowser(), 'dave');
      expect(refused.status).toBe(403);
      expect(await refused.text()).toContain('No Opsdesk account');

      const current = await admin.get(`/api/v2/oidc-providers/${providerId}`);
      const changed = await admin.patch(
        `/api/v2/oidc-providers/${providerId}`,
        { provision_users: true },
        { 'if-match': current.headers.etag as string },
      );
      expect(changed.statusCode, changed.body).toBe(200);
      const browser = new HttpBrowser();
      expect((await signIn(browser, 'dave')).status).toBe(303);
      expect(await (await me(browser)).json()).toMatchObject({
        username: 'Dave',
        email: 'Dave@Corp.test',
        first_name: 'Dave',
        role: 'viewer',
      });
    });
  });
});
