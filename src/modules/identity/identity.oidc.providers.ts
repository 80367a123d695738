import type { RequestContext, Role } from '../../platform/auth/actor.ts';
import type { Sealer } from '../../platform/auth/sealed.ts';
import type { Executor } from '../../platform/db/client.ts';
import { commonErrors, type FieldErrors } from '../../platform/http/errors.ts';
import type { IdentityDeps } from './identity.context.ts';
import { oidcErrors } from './identity.oidc.errors.ts';
import * as repository from './identity.oidc.repository.ts';
import { issuerProblem, parseAllowedEmails } from './identity.oidc.rules.ts';
import type { NewOidcProvider, OidcProvider, UserIdentity } from './identity.oidc.tables.ts';

export interface ProviderInput {
  slug?: string;
  name?: string;
  issuer?: string;
  clientId?: string;
  /** Write-only: sealed on the way in and never read back out through the API. null removes it. */
  clientSecret?: string | null;
  scopes?: string;
  enabled?: boolean;
  allowedEmails?: string[];
  provisionUsers?: boolean;
  provisionRole?: Role;
}

/** Where a browser starts signing in with a provider. */
export const loginPath = (slug: string): string => `/api/v2/auth/oidc/${slug}/login`;

/** The callback path of a provider; the redirect URI to register is PUBLIC_URL followed by it. */
export const callbackPath = (slug: string): string => `/api/v2/auth/oidc/${slug}/callback`;

/**
 * The identity providers an admin sets up: validated (https issuer, `openid` scope,
 * well-formed e-mail rules) and stored with the client secret sealed. Changes and
 * removals are audited; removing a provider removes its links and pending logins.
 */
export function createOidcProviders(
  { db, audit, oidc }: Pick<IdentityDeps, 'db' | 'audit' | 'oidc'>,
  sealer: Sealer,
) {
  function validate(input: ProviderInput): Partial<NewOidcProvider> {
    const fields: FieldErrors = {};
    const add = (field: string, message: string) => (fields[field] ??= []).push(message);
    const problem =
      input.issuer === undefined ? undefined : issuerProblem(input.issuer, oidc.allowHttpIssuers);
    if (problem) add('issuer', problem);
    if (input.scopes !== undefined && !input.scopes.split(/\s+/).includes('openid')) {
      add('scopes', 'The scopes must include "openid" (and usually "email").');
    }
    let allowedEmails: string[] | undefined;
    if (input.allowedEmails !== undefined) {
      const parsed = parseAllowedEmails(input.allowedEmails);
      for (const entry of parsed.invalid)
        add('allowed_emails', `"${entry}" is neither a domain nor an address.`);
      allowedEmails = parsed.allowed;
    }
    if (Object.keys(fields).length > 0) throw commonErrors.VALIDATION_FAILED({ fields });
    return {
      slug: input.slug,
      name: input.name,
      // The issuer identifier is compared exactly with the provider's metadata: keep it as typed, minus a trailing slash.
      issuer: input.issuer?.replace(/\/+$/, ''),
      clientId: input.clientId,
      clientSecretSealed:
        input.clientSecret === undefined ? undefined : input.clientSecret && sealer.seal(input.clientSecret),
      scopes: input.scopes?.trim().split(/\s+/).join(' '),
      enabled: input.enabled,
      allowedEmails,
      provisionUsers: input.provisionUsers,
      provisionRole: input.provisionRole,
    };
  }

  async function checkSlugFree(executor: Executor, slug: string | undefined, exceptId?: number) {
    if (slug === undefined) return;
    const existing = await repository.providerBySlug(executor, slug);
    if (existing && existing.id !== exceptId) {
      throw commonErrors.VALIDATION_FAILED({
        fields: { slug: ['A provider with this slug already exists.'] },
      });
    }
  }

  async function existing(id: number): Promise<OidcProvider> {
    const provider = await repository.providerById(db, id);
    if (!provider) throw oidcErrors.IDENTITY_OIDC_PROVIDER_NOT_FOUND();
    return provider;
  }

  return {
    /** The redirect URI to register at the provider, exactly as login sends it. */
    redirectUri: (slug: string): string => `${oidc.publicUrl}${callbackPath(slug)}`,

    listProviders: (): Promise<OidcProvider[]> => repository.listProviders(db),

    /** The providers a login page offers. */
    async enabledProviders(): Promise<OidcProvider[]> {
      return (await repository.listProviders(db)).filter((provider) => provider.enabled);
    },

    getProvider: existing,

    async createProvider(
      ctx: RequestContext,
      input: ProviderInput & Pick<NewOidcProvider, 'slug' | 'name' | 'issuer' | 'clientId'>,
    ): Promise<OidcProvider> {
      const values = validate(input);
      return db.transaction(async (tx) => {
        await checkSlugFree(tx, input.slug);
        const provider = await repository.insertProvider(tx, {
          ...values,
          slug: input.slug,
          name: input.name,
          issuer: values.issuer ?? input.issuer,
          clientId: input.clientId,
        });
        await audit.record(tx, ctx, {
          action: 'oidc_provider.created',
          resourceType: 'oidc_provider',
          resourceId: provider.id,
          after: provider,
        });
        return provider;
      });
    },

    /**
     * A stale `expectedVersion` is a VERSION_CONFLICT carrying the current provider. A
     * new issuer unlinks everyone: a `sub` is unique only within its issuer, so an old
     * link could hand a stranger at the new issuer someone's account.
     */
    async updateProvider(
      ctx: RequestContext,
      id: number,
      input: ProviderInput,
      expectedVersion?: number,
    ): Promise<OidcProvider> {
      const values = validate(input);
      const before = await existing(id);
      return db.transaction(async (tx) => {
        await checkSlugFree(tx, input.slug, id);
        const after = await repository.updateProvider(tx, id, values, expectedVersion);
        if (!after) throw commonErrors.VERSION_CONFLICT({ extra: { current: before } });
        const unlinked = after.issuer === before.issuer ? 0 : await repository.forgetSubjects(tx, id);
        await audit.record(tx, ctx, {
          action: 'oidc_provider.updated',
          resourceType: 'oidc_provider',
          resourceId: id,
          before,
          after: unlinked > 0 ? { ...after, unlinkedIdentities: unlinked } : after,
        });
        return after;
      });
    },

    async deleteProvider(ctx: RequestContext, id: number): Promise<void> {
      await db.transaction(async (tx) => {
        const removed = await repository.deleteProvider(tx, id);
        if (!removed) throw oidcErrors.IDENTITY_OIDC_PROVIDER_NOT_FOUND();
        await audit.record(tx, ctx, {
          action: 'oidc_provider.deleted',
          resourceType: 'oidc_provider',
          resourceId: id,
          before: removed,
        });
      });
    },

    async listIdentities(providerId: number): Promise<UserIdentity[]> {
      await existing(providerId);
      return repository.identitiesOfProvider(db, providerId);
    },

    /** Unlinks a provider account: its next login is matched by e-mail again, under the rules of that day. */
    async unlinkIdentity(ctx: RequestContext, providerId: number, identityId: number): Promise<void> {
      await db.transaction(async (tx) => {
        const removed = await repository.deleteIdentity(tx, providerId, identityId);
        if (!removed) throw oidcErrors.IDENTITY_OIDC_IDENTITY_NOT_FOUND();
        await audit.record(tx, ctx, {
          action: 'oidc.unlinked',
          resourceType: 'user',
          resourceId: removed.userId,
          before: removed,
        });
      });
    },
  };
}

export type OidcProviders = ReturnType<typeof createOidcProviders>;
