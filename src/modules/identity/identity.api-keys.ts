import type { RequestContext } from '../../platform/auth/actor.ts';
import { API_KEY_PREFIX } from '../../platform/auth/credentials.ts';
import { digest, randomToken } from '../../platform/auth/secrets.ts';
import { fieldError } from '../../platform/http/errors.ts';
import { actorOf, userKey } from './identity.authenticator.ts';
import type { IdentityDeps } from './identity.context.ts';
import { identityErrors } from './identity.errors.ts';
import * as accounts from './identity.repository.service-accounts.ts';
import { auditedKey } from './identity.service-accounts.ts';
import type { ApiKey, User } from './identity.tables.ts';

export interface ApiKeyInput {
  name: string;
  scopes: string[];
  expiresAt?: Date;
  rateLimitPerMinute?: number;
}

/**
 * API keys of service accounts. The secret (`osk_` and 32 random bytes) is returned
 * once; only its SHA-256 digest is kept. A fast hash is right here, unlike for
 * passwords: with 256 random bits there is nothing to guess, so argon2's cost would
 * buy no protection, and an unsalted digest lets a request find its key by one
 * indexed lookup instead of verifying candidates one by one. The first 12 characters
 * are kept in clear as the prefix that lists and audit entries show.
 *
 * Scopes are permission names (`tickets:read`, ...) as the modules declare them; the
 * key acts with the permissions both its account's role and its scopes grant
 * (platform/auth/policy.ts). Nobody hands out more than they hold: every scope must
 * be one the creating actor holds, and one the account's role grants.
 *
 * Rotation is two calls: create the new key, move the client to it, then revoke the old.
 */
export function createApiKeys({ db, audit, invalidation, policy }: IdentityDeps) {
  async function activeAccount(accountId: number): Promise<User> {
    const found = await accounts.serviceAccountById(db, accountId);
    if (!found) throw identityErrors.IDENTITY_SERVICE_ACCOUNT_NOT_FOUND();
    if (!found.user.isActive) throw identityErrors.IDENTITY_SERVICE_ACCOUNT_INACTIVE();
    return found.user;
  }

  function checkScopes(ctx: RequestContext, account: User, scopes: string[]): void {
    const unknown = scopes.filter((scope) => !policy.has(scope));
    if (unknown.length > 0) {
      throw fieldError(
        'scopes',
        `Unknown scope${unknown.length > 1 ? 's' : ''} ${unknown.map((s) => `"${s}"`).join(', ')}. ` +
          `Valid scopes: ${policy.permissions().join(', ')}.`,
      );
    }
    const notHeld = scopes.filter((scope) => !policy.can(ctx.actor, scope));
    if (notHeld.length > 0) {
      throw identityErrors.IDENTITY_SCOPE_FORBIDDEN({
        message: `You may not grant scopes you do not hold: ${notHeld.join(', ')}.`,
      });
    }
    const beyondRole = scopes.filter((scope) => !policy.can(actorOf(account, 'api_key'), scope));
    if (beyondRole.length > 0) {
      throw fieldError(
        'scopes',
        `The role of this service account (${account.role}) does not grant ${beyondRole.join(', ')}; ` +
          'give the account a role that does, or leave these out.',
      );
    }
  }

  return {
    async listApiKeys(accountId: number): Promise<ApiKey[]> {
      if (!(await accounts.serviceAccountById(db, accountId)))
        throw identityErrors.IDENTITY_SERVICE_ACCOUNT_NOT_FOUND();
      return accounts.apiKeysOf(db, accountId);
    },

    async createApiKey(
      ctx: RequestContext,
      accountId: number,
      input: ApiKeyInput,
    ): Promise<{ key: ApiKey; secret: string }> {
      const account = await activeAccount(accountId);
      checkScopes(ctx, account, input.scopes);
      if (input.expiresAt && input.expiresAt.getTime() <= Date.now())
        throw fieldError('expires_at', 'Must be in the future.');
      const secret = `${API_KEY_PREFIX}${randomToken()}`;
      return db.transaction(async (tx) => {
        const key = await accounts.insertApiKey(tx, {
          userId: accountId,
          name: input.name,
          prefix: secret.slice(0, 12),
          keyHash: digest(secret),
          scopes: input.scopes,
          rateLimitPerMinute: input.rateLimitPerMinute ?? null,
          createdById: ctx.actor.userId || null,
          expiresAt: input.expiresAt ?? null,
        });
        await audit.record(tx, ctx, {
          action: 'api_key.created',
          resourceType: 'api_key',
          resourceId: key.id,
          after: auditedKey(key),
        });
        return { key, secret };
      });
    },

    /** Revokes a key; every process refuses it before this returns. */
    async revokeApiKey(ctx: RequestContext, accountId: number, keyId: number): Promise<void> {
      await invalidation.transaction(db, async (tx, invalidate) => {
        const [revoked] = await accounts.revokeApiKeys(tx, accountId, keyId);
        if (!revoked) throw identityErrors.IDENTITY_API_KEY_NOT_FOUND();
        await invalidate([userKey(accountId)]);
        await audit.record(tx, ctx, {
          action: 'api_key.revoked',
          resourceType: 'api_key',
          resourceId: keyId,
          before: auditedKey(revoked),
        });
      });
    },
  };
}
