import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSealer } from '../../platform/auth/sealed.ts';
import { SLUG, startOidcTestbed, type OidcTestbed } from '../../../test/helpers/oidc.ts';
import { oidcProviders, userIdentities } from './identity.oidc.tables.ts';

/** The admin's API for OIDC providers: sealed secrets, validation, who may use it, links. */
describe('OIDC providers (admin API)', () => {
  let bed: OidcTestbed;

  beforeAll(async () => {
    bed = await startOidcTestbed();
  });

  afterAll(async () => {
    await bed.close();
  });

  it('keeps the client secret sealed and never returns it', async () => {
    const created = await bed.admin.get(`/api/v2/oidc-providers/${bed.providerId}`);
    expect(created.statusCode).toBe(200);
    expect(created.json()).toMatchObject({
      slug: SLUG,
      issuer: bed.idp.issuer,
      client_id: bed.idp.clientId,
      has_client_secret: true,
      scopes: 'openid email profile',
      allowed_emails: ['corp.test'],
      provision_users: false,
      provision_role: 'viewer',
      redirect_uri: bed.url(`/api/v2/auth/oidc/${SLUG}/callback`),
    });
    expect(created.body).not.toContain(bed.idp.clientSecret);
    expect((await bed.admin.get('/api/v2/oidc-providers')).body).not.toContain(bed.idp.clientSecret);

    const [row] = await bed.t.database.db
      .select()
      .from(oidcProviders)
      .where(eq(oidcProviders.id, bed.providerId));
    expect(row!.clientSecretSealed).not.toContain(bed.idp.clientSecret);
    expect(createSealer(bed.t.config.secretKey!, 'oidc').open(row!.clientSecretSealed!)).toBe(
      bed.idp.clientSecret,
    );
    const [entry] = await bed.auditOf('oidc_provider', bed.providerId, 'oidc_provider.created');
    expect(JSON.stringify(entry)).not.toContain(bed.idp.clientSecret);
  });

  it('is for admins only, and refuses a provider without the openid scope or with a bad e-mail rule', async () => {
    const agent = await bed.t.login(await bed.t.user({ role: 'manager' }));
    expect((await agent.get('/api/v2/oidc-providers')).statusCode).toBe(403);
    const refused = await bed.admin.post('/api/v2/oidc-providers', {
      slug: 'bad',
      name: 'Bad',
      issuer: bed.idp.issuer,
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
    const disabled = await bed.admin.post('/api/v2/oidc-providers', {
      slug: 'off',
      name: 'Switched off',
      issuer: bed.idp.issuer,
      client_id: bed.idp.clientId,
      enabled: false,
    });
    expect(disabled.statusCode).toBe(201);
    const response = await fetch(bed.url('/api/v2/auth/oidc/providers'));
    expect(await response.json()).toEqual([
      { slug: SLUG, name: 'Corp SSO', login_url: `/api/v2/auth/oidc/${SLUG}/login` },
    ]);
    expect((await fetch(bed.url('/api/v2/auth/oidc/off/login'), { redirect: 'manual' })).status).toBe(404);
    expect((await fetch(bed.url('/api/v2/auth/oidc/nowhere/login'), { redirect: 'manual' })).status).toBe(
      404,
    );
  });

  it('unlinks everyone when the issuer changes: a subject means someone only at its issuer', async () => {
    const created = await bed.admin.post('/api/v2/oidc-providers', {
      slug: 'moving',
      name: 'Moving',
      issuer: bed.idp.issuer,
      client_id: bed.idp.clientId,
    });
    const { id } = created.json<{ id: number }>();
    const person = await bed.opsdeskUser('mover@corp.test');
    await bed.t.database.db
      .insert(userIdentities)
      .values({ providerId: id, subject: 'mover', userId: person.id, email: 'mover@corp.test' });
    const renamed = await bed.admin.patch(
      `/api/v2/oidc-providers/${id}`,
      { name: 'Still here' },
      { 'if-match': created.headers.etag as string },
    );
    expect((await bed.admin.get(`/api/v2/oidc-providers/${id}/identities`)).json()).toHaveLength(1);
    const moved = await bed.admin.patch(
      `/api/v2/oidc-providers/${id}`,
      { issuer: 'http://127.0.0.1:9/elsewhere' },
      { 'if-match': renamed.headers.etag as string },
    );
    expect(moved.statusCode, moved.body).toBe(200);
    expect((await bed.admin.get(`/api/v2/oidc-providers/${id}/identities`)).json()).toEqual([]);
    const [entry] = (await bed.auditOf('oidc_provider', id, 'oidc_provider.updated')).slice(-1);
    expect(entry?.after).toMatchObject({ issuer: 'http://127.0.0.1:9/elsewhere', unlinkedIdentities: 1 });
  });
});
