import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemContext } from '../../platform/auth/actor.ts';
import { digest } from '../../platform/auth/secrets.ts';
import { HttpBrowser } from '../../../test/helpers/http-browser.ts';
import { enrolTotp, TestClock } from '../../../test/helpers/mfa.ts';
import { SLUG, startOidcTestbed, type OidcTestbed } from '../../../test/helpers/oidc.ts';
import { createIdentityJobs } from './identity.jobs.ts';
import { oidcLoginStates, userIdentities } from './identity.oidc.tables.ts';

const ctx = systemContext('oidc-test');

/**
 * OIDC login against a real identity provider (oidc-provider) over real HTTP: the
 * browser goes to Opsdesk, is redirected to the provider, signs in and consents on its
 * HTML forms, and comes back to Opsdesk's callback, cookies carried by hand.
 */
describe('OIDC login', () => {
  let bed: OidcTestbed;
  /** TOTP codes are checked against it; it runs at real time, so ID tokens are fresh too. */
  const clock = new TestClock(Date.now());

  beforeAll(async () => {
    bed = await startOidcTestbed({ now: clock.now });
    const accounts = bed.idp.accounts;
    accounts.set('alice', { email: 'alice@corp.test', email_verified: true, given_name: 'Alice' });
    accounts.set('bob', { email: 'bob@corp.test', email_verified: false });
    accounts.set('carol', { email: 'carol@other.test', email_verified: true });
    accounts.set('dave', {
      email: 'Dave@Corp.test',
      email_verified: true,
      given_name: 'Dave',
      family_name: 'D',
    });
    for (const name of ['erin', 'frank', 'grace', 'henry', 'ivy'])
      accounts.set(name, { email: `${name}@corp.test`, email_verified: true });
  });

  afterAll(async () => {
    await bed.close();
  });

  it('links a verified, allowed e-mail to its account, opens a session and returns to next', async () => {
    const alice = await bed.opsdeskUser('alice@corp.test');
    const browser = new HttpBrowser();
    const authorizationUrl = new URL(await bed.toProvider(browser, '/api/v2/me'));
    expect(authorizationUrl.origin).toBe(bed.idp.issuer);
    expect(Object.fromEntries(authorizationUrl.searchParams)).toMatchObject({
      response_type: 'code',
      client_id: bed.idp.clientId,
      redirect_uri: bed.url(`/api/v2/auth/oidc/${SLUG}/callback`),
      scope: 'openid email profile',
      code_challenge_method: 'S256',
    });
    for (const parameter of ['state', 'nonce', 'code_challenge'])
      expect(authorizationUrl.searchParams.get(parameter)).toMatch(/^[\w-]{43}$/);

    const callback = await bed.atProvider(browser, authorizationUrl.href, 'alice');
    const binding = browser.cookie(bed.publicUrl, 'oidc_browser')!;
    const response = await browser.get(callback);
    expect(response.status, await response.clone().text()).toBe(303);
    expect(response.headers.get('location')).toBe('/api/v2/me');
    expect(browser.cookie(bed.publicUrl, 'sessionid')).toBeDefined();
    const profile = await bed.me(browser);
    expect(profile.status).toBe(200);
    expect(await profile.json()).toMatchObject({ id: alice.id, username: alice.username });

    const [linked] = await bed.auditOf('user', alice.id, 'oidc.linked');
    expect(linked?.after).toEqual({ provider: SLUG, subject: 'alice', email: 'alice@corp.test' });
    const [login] = await bed.auditOf('user', alice.id, 'user.logged_in');
    expect(login?.after).toEqual({ method: 'oidc', provider: SLUG, amr: [] });
    expect(login?.actorId).toBe(alice.id);

    // Replaying the callback, from the same browser: its state was used.
    browser.cookies.get(bed.publicUrl)!.set('oidc_browser', binding);
    const replay = await browser.get(callback);
    expect(replay.status).toBe(400);
    expect(await replay.text()).toContain('already used');
    const failures = await bed.auditOf('oidc_provider', bed.providerId, 'oidc.login_failed');
    expect(failures.at(-1)?.after).toMatchObject({ reason: 'state_invalid' });
  });

  it('matches a later login by subject, not by the e-mail the provider now sends', async () => {
    const frank = await bed.opsdeskUser('frank@corp.test');
    expect((await bed.signIn(new HttpBrowser(), 'frank')).status).toBe(303);
    bed.idp.accounts.set('frank', { email: 'frank@elsewhere.test', email_verified: false });
    const browser = new HttpBrowser();
    const response = await bed.signIn(browser, 'frank');
    expect(response.status).toBe(303);
    expect(await (await bed.me(browser)).json()).toMatchObject({ id: frank.id });
    expect(await bed.auditOf('user', frank.id, 'oidc.linked')).toHaveLength(1);
    expect(await bed.auditOf('user', frank.id, 'user.logged_in')).toHaveLength(2);
  });

  it('refuses an e-mail the provider has not verified', async () => {
    const bob = await bed.opsdeskUser('bob@corp.test');
    const browser = new HttpBrowser();
    const response = await bed.signIn(browser, 'bob');
    expect(response.status).toBe(403);
    expect(response.headers.get('content-type')).toContain('text/html');
    expect(await response.text()).toContain('not verified');
    expect(browser.cookie(bed.publicUrl, 'sessionid')).toBeUndefined();
    const failures = await bed.auditOf('oidc_provider', bed.providerId, 'oidc.login_failed');
    expect(failures.at(-1)).toMatchObject({
      actorLabel: 'bob@corp.test',
      after: { provider: SLUG, reason: 'email_unverified', email: 'bob@corp.test', subject: 'bob' },
    });
    const links = await bed.t.database.db
      .select()
      .from(userIdentities)
      .where(eq(userIdentities.userId, bob.id));
    expect(links).toEqual([]);
  });

  it('refuses a verified e-mail the admin did not allow for the provider', async () => {
    await bed.opsdeskUser('carol@other.test');
    const response = await bed.signIn(new HttpBrowser(), 'carol');
    expect(response.status).toBe(403);
    expect(await response.text()).toContain('may not sign in');
    const failures = await bed.auditOf('oidc_provider', bed.providerId, 'oidc.login_failed');
    expect(failures.at(-1)?.after).toMatchObject({ reason: 'email_not_allowed' });
  });

  it('refuses a tampered state, then accepts the real one once', async () => {
    await bed.opsdeskUser('erin@corp.test');
    const browser = new HttpBrowser();
    const callback = new URL(await bed.atProvider(browser, await bed.toProvider(browser), 'erin'));
    const tampered = new URL(callback);
    tampered.searchParams.set('state', `${callback.searchParams.get('state')!.slice(0, -2)}xx`);
    // A client that is not a browser gets problem+json.
    const refused = await fetch(tampered, {
      headers: { cookie: `oidc_browser=${browser.cookie(bed.publicUrl, 'oidc_browser')!}` },
      redirect: 'manual',
    });
    expect(refused.status).toBe(400);
    expect(await refused.json()).toMatchObject({
      type: 'https://opsdesk.dev/problems/identity-oidc-state-invalid',
    });
    const binding = browser.cookie(bed.publicUrl, 'oidc_browser')!;
    expect((await browser.get(callback.href)).status).toBe(303);
    browser.cookies.get(bed.publicUrl)!.set('oidc_browser', binding);
    expect((await browser.get(callback.href)).status).toBe(400);
  });

  it('refuses a callback brought by another browser than the one that began the login', async () => {
    const browser = new HttpBrowser();
    const callback = await bed.atProvider(browser, await bed.toProvider(browser), 'erin');
    const victim = new HttpBrowser();
    const response = await victim.get(callback);
    expect(response.status).toBe(400);
    expect(victim.cookie(bed.publicUrl, 'sessionid')).toBeUndefined();
  });

  it('refuses an ID token whose nonce is not the one Opsdesk sent', async () => {
    const browser = new HttpBrowser();
    const authorizationUrl = new URL(await bed.toProvider(browser));
    authorizationUrl.searchParams.set('nonce', 'nonce-chosen-by-an-attacker-0123456789abcdef');
    const response = await browser.get(await bed.atProvider(browser, authorizationUrl.href, 'erin'));
    expect(response.status).toBe(401);
    const failures = await bed.auditOf('oidc_provider', bed.providerId, 'oidc.login_failed');
    expect(failures.at(-1)?.after).toMatchObject({ reason: 'token_invalid' });
    expect(browser.cookie(bed.publicUrl, 'sessionid')).toBeUndefined();
  });

  it('ends a login the person cancelled at the provider', async () => {
    const browser = new HttpBrowser();
    const response = await browser.get(await bed.atProvider(browser, await bed.toProvider(browser), null));
    expect(response.status).toBe(403);
    expect(await response.text()).toContain('cancelled');
    const failures = await bed.auditOf('oidc_provider', bed.providerId, 'oidc.login_failed');
    expect(failures.at(-1)?.after).toMatchObject({ reason: 'consent_denied' });
  });

  it('ignores a next that leaves the site', async () => {
    await bed.opsdeskUser('grace@corp.test');
    for (const next of ['//evil.example/steal', 'https://evil.example/', '/\\evil.example']) {
      const response = await bed.signIn(new HttpBrowser(), 'grace', next);
      expect(response.status).toBe(303);
      expect(response.headers.get('location')).toBe('/');
    }
  });

  it('refuses a deactivated user', async () => {
    const henry = await bed.opsdeskUser('henry@corp.test');
    const browser = new HttpBrowser();
    expect((await bed.signIn(browser, 'henry')).status).toBe(303);
    await bed.t.services.identity.updatePerson(ctx, { userId: henry.id }, { isActive: false });
    const response = await bed.signIn(new HttpBrowser(), 'henry');
    expect(response.status).toBe(403);
    expect(await response.text()).toContain('deactivated');
    expect((await bed.me(browser)).status).toBe(401);
  });

  it("asks for Opsdesk's second factor unless the provider asserts multi-factor sign-in", async () => {
    const person = await bed.opsdeskUser('ivy@corp.test');
    await enrolTotp(await bed.t.login({ user: person }), clock);
    const refused = await bed.signIn(new HttpBrowser(), 'ivy');
    expect(refused.status).toBe(403);
    expect(await refused.text()).toContain('second factor');
    const failures = await bed.auditOf('oidc_provider', bed.providerId, 'oidc.login_failed');
    expect(failures.at(-1)?.after).toMatchObject({ reason: 'mfa_required', subject: 'ivy' });

    bed.idp.accounts.set('ivy', { email: 'ivy@corp.test', email_verified: true, amr: ['pwd', 'otp'] });
    const browser = new HttpBrowser();
    expect((await bed.signIn(browser, 'ivy')).status).toBe(303);
    expect(await (await bed.me(browser)).json()).toMatchObject({ id: person.id });
    const logins = await bed.auditOf('user', person.id, 'user.logged_in');
    expect(logins.at(-1)?.after).toEqual({ method: 'oidc', provider: SLUG, amr: ['pwd', 'otp'] });
  });

  it('forgets abandoned logins after they expire (hourly job)', async () => {
    const abandoned = await bed.toProvider(new HttpBrowser());
    const live = await bed.toProvider(new HttpBrowser());
    const stateOf = (authorizationUrl: string) => new URL(authorizationUrl).searchParams.get('state')!;
    const pending = await bed.t.database.db.select().from(oidcLoginStates);
    expect(pending.length).toBeGreaterThanOrEqual(2);
    await bed.t.database.db.execute(
      sql`update oidc_login_states set expires_at = now() - interval '1 second' where state_hash <> ${digest(stateOf(live))}`,
    );
    const purge = createIdentityJobs({ db: bed.t.database.db, identity: bed.t.services.identity }).find(
      (job) => job.name === 'identity.purge-expired-oidc-logins',
    );
    await purge!.handler({}, { jobId: '1', attempt: 1, log: () => undefined });
    const remaining = await bed.t.database.db.select().from(oidcLoginStates);
    expect(remaining.map((row) => row.stateHash)).toEqual([digest(stateOf(live))]);
    expect(remaining.map((row) => row.stateHash)).not.toContain(digest(stateOf(abandoned)));
  });

  it('provisions an unknown allowed e-mail only when the admin said so, with the chosen role', async () => {
    const refused = await bed.signIn(new HttpBrowser(), 'dave');
    expect(refused.status).toBe(403);
    expect(await refused.text()).toContain('No Opsdesk account');

    const current = await bed.admin.get(`/api/v2/oidc-providers/${bed.providerId}`);
    const changed = await bed.admin.patch(
      `/api/v2/oidc-providers/${bed.providerId}`,
      { provision_users: true },
      { 'if-match': current.headers.etag as string },
    );
    expect(changed.statusCode, changed.body).toBe(200);
    const browser = new HttpBrowser();
    expect((await bed.signIn(browser, 'dave')).status).toBe(303);
    expect(await (await bed.me(browser)).json()).toMatchObject({
      username: 'Dave',
      email: 'Dave@Corp.test',
      first_name: 'Dave',
      role: 'viewer',
    });
  });
});
