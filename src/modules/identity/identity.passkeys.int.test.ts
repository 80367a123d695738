import { sql } from 'drizzle-orm';
import type {
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
} from '@simplewebauthn/server';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, PASSWORD, type TestApp } from '../../../test/helpers/app.ts';
import {
  CHROMIUM,
  freePort,
  hasChromium,
  launchChromium,
  PasskeyDevice,
  type RegisteredPasskey,
} from '../../../test/helpers/passkeys.ts';

if (!hasChromium) console.warn(`Passkey tests skipped: no Chromium at ${CHROMIUM} (CI has it).`);

describe.skipIf(!hasChromium)('passkeys in Chromium with a virtual authenticator', () => {
  let t: TestApp;
  let browser: Browser;
  let origin: string;
  const devices: PasskeyDevice[] = [];

  beforeAll(async () => {
    const port = await freePort();
    origin = `http://localhost:${port}`;
    t = await createTestApp({ PUBLIC_URL: origin });
    await t.app.listen({ port, host: 'localhost' });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser.close();
    await t.close();
  });

  async function device(): Promise<PasskeyDevice> {
    const opened = await PasskeyDevice.open(browser, origin);
    devices.push(opened);
    return opened;
  }

  /** A new user, signed in on their own device, with one passkey registered. */
  async function withPasskey() {
    const person = await t.user();
    const phone = await device();
    expect((await phone.login(person.user.username, PASSWORD)).status).toBe(200);
    const registered = await phone.registerPasskey();
    return { person, phone, registered };
  }

  const audits = async (action: string) =>
    (
      await t.database.db.execute<{ resource_id: string; after: Record<string, unknown> | null }>(
        sql`select resource_id, after from audit_log where action = ${action} order by id`,
      )
    ).rows;

  it('registers a passkey in a fresh session, lists it, and answers recovery codes with the first factor', async () => {
    const { person, phone, registered } = await withPasskey();
    expect(registered).toMatchObject({ name: 'Test laptop', last_used_at: null });
    expect(registered.recovery_codes).toHaveLength(10);

    const list = await phone.api('GET', '/api/v2/me/passkeys');
    expect(list.status).toBe(200);
    expect(list.body).toEqual([expect.objectContaining({ id: registered.id, name: 'Test laptop' })]);

    // The same authenticator is excluded from a second registration.
    const again = await phone.api<PublicKeyCredentialCreationOptionsJSON>(
      'POST',
      '/api/v2/me/passkeys/registration/options',
      {},
    );
    expect(again.body.excludeCredentials).toHaveLength(1);
    expect(again.body.authenticatorSelection).toMatchObject({ residentKey: 'required' });
    expect(again.body.rp.id).toBe('localhost');

    const renamed = await phone.api('PATCH', `/api/v2/me/passkeys/${registered.id}`, { name: 'Phone' });
    expect(renamed).toMatchObject({ status: 200, body: { name: 'Phone' } });
    expect((await audits('passkey.registered')).map((row) => row.resource_id)).toContain(
      String(registered.id),
    );
    expect(person.user.id).toBeGreaterThan(0);
  });

  it('needs the current password to register or remove once the session is no longer fresh', async () => {
    const { person, phone, registered } = await withPasskey();
    await t.database.db.execute(
      sql`update sessions set created_at = now() - interval '1 hour' where user_id = ${person.user.id}`,
    );
    const options = await phone.api('POST', '/api/v2/me/passkeys/registration/options', {});
    expect(options.status).toBe(400);
    expect(JSON.stringify(options.body)).toContain('current_password');
    const wrong = await phone.api('DELETE', `/api/v2/me/passkeys/${registered.id}`, {
      current_password: 'not-the-password',
    });
    expect(wrong.status).toBe(400);
    const removed = await phone.api('DELETE', `/api/v2/me/passkeys/${registered.id}`, {
      current_password: PASSWORD,
    });
    expect(removed.status).toBe(204);
  });

  it('logs in without a password: the session works, and the assertion cannot be replayed', async () => {
    const { person, phone, registered } = await withPasskey();
    await phone.api('POST', '/api/v2/auth/logout', {});
    expect((await phone.api('GET', '/api/v2/me')).status).toBe(401);

    const assertion = await phone.passwordlessAssertion();
    const login = await phone.api('POST', '/api/v2/auth/passkey', { response: assertion });
    expect(login.status).toBe(200);
    expect(login.body.username).toBe(person.user.username);
    const me = await phone.api('GET', '/api/v2/me');
    expect(me.status).toBe(200);
    expect(me.body.id).toBe(person.user.id);

    const replayed = await phone.api('POST', '/api/v2/auth/passkey', { response: assertion });
    expect(replayed.status).toBe(401);
    expect(replayed.body.code).toBe('IDENTITY_PASSKEY_INVALID');

    const list = await phone.api<RegisteredPasskey[]>('GET', '/api/v2/me/passkeys');
    expect(list.body[0]?.last_used_at).not.toBeNull();
    expect((await audits('passkey.used')).map((row) => row.resource_id)).toContain(String(registered.id));
  });

  it('is offered as the second factor after the password, and completes the login', async () => {
    const { person, phone } = await withPasskey();
    await phone.api('POST', '/api/v2/auth/logout', {});

    const first = await phone.login(person.user.username, PASSWORD);
    expect(first.status).toBe(401);
    expect(first.body.factors).toEqual(['passkey', 'recovery_code']);
    const { challenge } = first.body;

    const options = await phone.api<PublicKeyCredentialRequestOptionsJSON>(
      'POST',
      '/api/v2/auth/mfa/passkey/options',
      { challenge },
    );
    expect(options.status).toBe(200);
    expect(options.body.allowCredentials).toHaveLength(1);
    const assertion = await phone.get(options.body);
    const done = await phone.api('POST', '/api/v2/auth/mfa', { challenge, passkey: assertion });
    expect(done.status).toBe(200);
    expect((await phone.api('GET', '/api/v2/me')).status).toBe(200);

    // Neither the login challenge nor the passkey challenge works twice.
    const again = await phone.api<PublicKeyCredentialCreationOptionsJSON>('POST', '/api/v2/auth/mfa', {
      challenge,
      passkey: assertion,
    });
    expect(again.status).toBe(401);
  });

  it("refuses another user's passkey as a second factor, and a passwordless options challenge in its place", async () => {
    const alice = await withPasskey();
    const bob = await withPasskey();
    await alice.phone.api('POST', '/api/v2/auth/logout', {});

    const first = await alice.phone.login(alice.person.user.username, PASSWORD);
    const { challenge } = first.body;
    const options = await alice.phone.api<PublicKeyCredentialRequestOptionsJSON>(
      'POST',
      '/api/v2/auth/mfa/passkey/options',
      { challenge },
    );
    // Bob's authenticator signs Alice's challenge with Bob's own credential.
    const bobsAnswer = await bob.phone.get({ ...options.body, allowCredentials: [] });
    expect(bobsAnswer.id).not.toBe(options.body.allowCredentials?.[0]?.id);
    const refused = await alice.phone.api('POST', '/api/v2/auth/mfa', { challenge, passkey: bobsAnswer });
    expect(refused.status).toBe(401);
    expect(refused.body.code).toBe('IDENTITY_MFA_INVALID_CODE');
    expect((await alice.phone.api('GET', '/api/v2/me')).status).toBe(401);

    // A passwordless challenge is not a second-factor challenge.
    const passwordless = await alice.phone.passwordlessAssertion();
    const wrongCeremony = await alice.phone.api('POST', '/api/v2/auth/mfa', {
      challenge,
      passkey: passwordless,
    });
    expect(wrongCeremony.status).toBe(401);
  });

  it('refuses an authenticator whose counter went backwards, and audits it as a possible clone', async () => {
    const { phone, registered } = await withPasskey();
    await phone.api('POST', '/api/v2/auth/logout', {});
    for (let i = 0; i < 2; i += 1) {
      const login = await phone.api('POST', '/api/v2/auth/passkey', {
        response: await phone.passwordlessAssertion(),
      });
      expect(login.status).toBe(200);
    }
    // A copy of the key made earlier: the same private key with a lower signature counter.
    const { credentials } = await phone.cdp.send('WebAuthn.getCredentials', {
      authenticatorId: phone.authenticatorId,
    });
    const [credential] = credentials;
    expect(credential?.signCount).toBeGreaterThan(1);
    await phone.cdp.send('WebAuthn.removeCredential', {
      authenticatorId: phone.authenticatorId,
      credentialId: credential!.credentialId,
    });
    await phone.cdp.send('WebAuthn.addCredential', {
      authenticatorId: phone.authenticatorId,
      credential: { ...credential!, signCount: 0 },
    });

    const cloned = await phone.api('POST', '/api/v2/auth/passkey', {
      response: await phone.passwordlessAssertion(),
    });
    expect(cloned.status).toBe(401);
    const suspected = await audits('passkey.clone_suspected');
    expect(suspected.map((row) => row.resource_id)).toContain(String(registered.id));
  });

  it('no longer logs in with a removed passkey, nor for a deactivated user', async () => {
    const { person, phone, registered } = await withPasskey();
    const removed = await phone.api('DELETE', `/api/v2/me/passkeys/${registered.id}`);
    expect(removed.status).toBe(204);
    expect((await audits('passkey.removed')).map((row) => row.resource_id)).toContain(String(registered.id));
    await phone.api('POST', '/api/v2/auth/logout', {});

    const gone = await phone.api('POST', '/api/v2/auth/passkey', {
      response: await phone.passwordlessAssertion(),
    });
    expect(gone.status).toBe(401);
    // With no second factor left, the password alone logs in again.
    expect((await phone.login(person.user.username, PASSWORD)).status).toBe(200);

    const other = await withPasskey();
    await other.phone.api('POST', '/api/v2/auth/logout', {});
    await t.database.db.execute(sql`update users set is_active = false where id = ${other.person.user.id}`);
    const inactive = await other.phone.api('POST', '/api/v2/auth/passkey', {
      response: await other.phone.passwordlessAssertion(),
    });
    expect(inactive.status).toBe(401);
  });
  it('documents every passkey route in OpenAPI, with tags, a summary and responses', async () => {
    const doc = (await t.app.inject({ method: 'GET', url: '/api/v2/openapi.json' })).json<{
      paths: Record<string, Record<string, { tags?: string[]; summary?: string; responses?: object }>>;
    }>();
    const routes = [
      ['/api/v2/me/passkeys', 'get'],
      ['/api/v2/me/passkeys/registration/options', 'post'],
      ['/api/v2/me/passkeys/registration', 'post'],
      ['/api/v2/me/passkeys/{id}', 'patch'],
      ['/api/v2/me/passkeys/{id}', 'delete'],
      ['/api/v2/auth/mfa/passkey/options', 'post'],
      ['/api/v2/auth/passkey/options', 'post'],
      ['/api/v2/auth/passkey', 'post'],
    ] as const;
    for (const [path, method] of routes) {
      const operation = doc.paths[path]?.[method];
      expect(operation, `${method} ${path}`).toBeDefined();
      expect(operation?.tags?.length).toBeGreaterThan(0);
      expect(operation?.summary).toBeTruthy();
      expect(Object.keys(operation?.responses ?? {}).length).toBeGreaterThan(0);
    }
  });
});
