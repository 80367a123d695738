import type { Actor, RequestContext } from '../../platform/auth/actor.ts';
import { digest, randomToken } from '../../platform/auth/secrets.ts';
import { userKey } from './identity.authenticator.ts';
import type { IdentityDeps } from './identity.context.ts';
import { identityErrors } from './identity.errors.ts';
import * as repository from './identity.repository.ts';
import type { ApiToken } from './identity.tables.ts';

/** Personal API tokens: the secret is returned once and only its digest is kept. */
export function createTokens({ db, audit, invalidation }: IdentityDeps) {
  return {
    async createToken(
      ctx: RequestContext,
      input: { name: string; expiresAt?: Date },
    ): Promise<{ token: ApiToken; secret: string }> {
      // A token would carry the account's whole role: it would slip the key's scopes.
      if (ctx.actor.via === 'api_key') throw identityErrors.IDENTITY_TOKENS_FOR_PEOPLE();
      const secret = `odk_${randomToken()}`;
      return db.transaction(async (tx) => {
        const token = await repository.insertToken(tx, {
          userId: ctx.actor.userId,
          name: input.name,
          prefix: secret.slice(0, 12),
          tokenHash: digest(secret),
          expiresAt: input.expiresAt ?? null,
        });
        await audit.record(tx, ctx, {
          action: 'token.created',
          resourceType: 'api_token',
          resourceId: token.id,
          after: token,
        });
        return { token, secret };
      });
    },

    listTokens(actor: Actor): Promise<ApiToken[]> {
      return repository.tokensOf(db, actor.userId);
    },

    /** Revokes one of the actor's own tokens (admins: anyone's). Someone else's token is "not found". */
    async revokeToken(ctx: RequestContext, tokenId: number): Promise<void> {
      const owner = ctx.actor.role === 'admin' || ctx.actor.isSuperuser ? undefined : ctx.actor.userId;
      await invalidation.transaction(db, async (tx, invalidate) => {
        const revoked = await repository.revokeToken(tx, tokenId, owner);
        if (!revoked) throw identityErrors.IDENTITY_TOKEN_NOT_FOUND();
        await invalidate([userKey(revoked.userId)]);
        await audit.record(tx, ctx, {
          action: 'token.revoked',
          resourceType: 'api_token',
          resourceId: tokenId,
          before: revoked,
        });
      });
    },
  };
}
