import type { RequestContext } from '../../platform/auth/actor.ts';
import type { Transaction } from '../../platform/db/client.ts';
import { actorOf } from './identity.authenticator.ts';
import type { IdentityDeps } from './identity.context.ts';
import { oidcErrors } from './identity.oidc.errors.ts';
import * as oidcRepository from './identity.oidc.repository.ts';
import { emailAllowed } from './identity.oidc.rules.ts';
import type { OidcProvider, UserIdentity } from './identity.oidc.tables.ts';
import * as repository from './identity.repository.ts';
import type { LoginMeta } from './identity.sessions.ts';
import type { User } from './identity.tables.ts';

/** What the provider asserted about the person, after openid-client verified the ID token. */
export interface Assertion {
  subject: string;
  email: string | undefined;
  emailVerified: boolean;
  givenName: string | undefined;
  familyName: string | undefined;
}

/**
 * Finds the Opsdesk user a provider account stands for. A known subject is its linked
 * user, whatever its e-mail says today. An unknown one is linked by e-mail only when
 * the provider verified that e-mail and the admin's rule for the provider allows it:
 * to the one account with that e-mail, or to a new account when the provider
 * provisions. Links and new accounts are audited (`oidc.linked`, `user.created`).
 */
export function createOidcAccounts({ db, audit }: Pick<IdentityDeps, 'db' | 'audit'>) {
  async function uniqueUsername(tx: Transaction, email: string): Promise<string> {
    const stem = (email.split('@')[0] ?? '').replace(/[^\w.@+-]/g, '').slice(0, 140) || 'user';
    for (let n = 1; ; n++) {
      const candidate = n === 1 ? stem : `${stem}${n}`;
      if (!(await repository.usernameTaken(tx, candidate))) return candidate;
    }
  }

  async function provision(
    tx: Transaction,
    provider: OidcProvider,
    assertion: Assertion & { email: string },
    meta: LoginMeta,
  ): Promise<User> {
    const user = await repository.insertUser(tx, {
      username: await uniqueUsername(tx, assertion.email),
      email: assertion.email,
      firstName: assertion.givenName?.slice(0, 150) ?? '',
      lastName: assertion.familyName?.slice(0, 150) ?? '',
      role: provider.provisionRole,
      passwordHash: null,
    });
    await audit.record(
      tx,
      { ...meta, actor: actorOf(user, 'session') },
      {
        action: 'user.created',
        resourceType: 'user',
        resourceId: user.id,
        after: { ...(await repository.personByUserId(tx, user.id)), via: { oidc: provider.slug } },
      },
    );
    return user;
  }

  async function link(
    tx: Transaction,
    provider: OidcProvider,
    assertion: Assertion,
    meta: LoginMeta,
  ): Promise<{ user: User; identity: UserIdentity }> {
    const { email } = assertion;
    if (!email) throw oidcErrors.IDENTITY_OIDC_EMAIL_MISSING();
    if (!assertion.emailVerified) throw oidcErrors.IDENTITY_OIDC_EMAIL_UNVERIFIED();
    if (!emailAllowed(email, provider.allowedEmails)) throw oidcErrors.IDENTITY_OIDC_EMAIL_NOT_ALLOWED();
    const matches = await oidcRepository.usersByEmail(tx, email);
    if (matches.length > 1) throw oidcErrors.IDENTITY_OIDC_EMAIL_AMBIGUOUS();
    let user = matches[0];
    if (user && !user.isActive) throw oidcErrors.IDENTITY_OIDC_USER_INACTIVE();
    if (user && (await oidcRepository.identityOfUser(tx, provider.id, user.id))) {
      throw oidcErrors.IDENTITY_OIDC_ACCOUNT_LINKED();
    }
    if (!user) {
      if (!provider.provisionUsers) throw oidcErrors.IDENTITY_OIDC_ACCOUNT_NOT_FOUND();
      user = await provision(tx, provider, { ...assertion, email }, meta);
    }
    const identity = await oidcRepository.insertIdentity(tx, {
      providerId: provider.id,
      subject: assertion.subject,
      userId: user.id,
      email,
    });
    const ctx: RequestContext = { ...meta, actor: actorOf(user, 'session') };
    await audit.record(tx, ctx, {
      action: 'oidc.linked',
      resourceType: 'user',
      resourceId: user.id,
      after: { provider: provider.slug, subject: assertion.subject, email },
    });
    return { user, identity };
  }

  return {
    /** The active user for this assertion and their link; a refusal is an `oidcErrors` error naming why. */
    async userFor(
      provider: OidcProvider,
      assertion: Assertion,
      meta: LoginMeta,
    ): Promise<{ user: User; identity: UserIdentity }> {
      const { user, identity } = await db.transaction(async (tx) => {
        await oidcRepository.lockSubject(tx, provider.id, assertion.subject);
        return (
          (await oidcRepository.identityBySubject(tx, provider.id, assertion.subject)) ??
          (await link(tx, provider, assertion, meta))
        );
      });
      if (!user.isActive) throw oidcErrors.IDENTITY_OIDC_USER_INACTIVE();
      return { user, identity };
    },
  };
}
