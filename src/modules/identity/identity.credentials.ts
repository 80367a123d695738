import type { Actor, RequestContext } from '../../platform/auth/actor.ts';
import type { Executor } from '../../platform/db/client.ts';
import { userKey } from './identity.authenticator.ts';
import type { IdentityDeps } from './identity.context.ts';
import { identityErrors } from './identity.errors.ts';
import * as account from './identity.repository.account.ts';
import { revokeFamiliesOf } from './identity.repository.jwt.ts';
import * as repository from './identity.repository.ts';
import * as serviceAccounts from './identity.repository.service-accounts.ts';
import type { ApiToken, Session } from './identity.tables.ts';

/** What `endAllCredentials` ended, for the audit row. */
export interface EndedCredentials {
  sessions: number;
  tokens: number;
  codes: number;
  /** API keys: only service accounts have them. */
  apiKeys: number;
  /** Logins by token (refresh-token families), and with them their access tokens. */
  refreshFamilies: number;
}

/**
 * Ends every credential of a user at once, in the caller's transaction: their sessions
 * (but `keepSessionKey`, the one changing its own password), their personal API
 * tokens, the codes mailed to them (password reset, e-mail change), a service
 * account's API keys, and their logins by token (refresh-token families, but
 * `keepRefreshFamilyId`; their JWT access tokens stop with them). Deactivation, a
 * password reset and every password change call it.
 *
 * The caller runs it inside `invalidation.transaction` and publishes
 * `userKey(userId)` there, so that no process keeps serving what ended.
 *
 * Every other kind of credential (MFA remembered devices, say) adds its own line here,
 * so that these callers end it too.
 */
export async function endAllCredentials(
  tx: Executor,
  userId: number,
  options: { keepSessionKey?: string | undefined; keepRefreshFamilyId?: number | undefined } = {},
): Promise<EndedCredentials> {
  return {
    sessions: await account.deleteSessionsOf(tx, userId, options.keepSessionKey),
    tokens: await account.revokeTokensOf(tx, userId),
    codes: await account.deleteAccountTokensOf(tx, userId),
    apiKeys: (await serviceAccounts.revokeApiKeys(tx, userId)).length,
    refreshFamilies: await revokeFamiliesOf(tx, userId, 'credentials_ended', options.keepRefreshFamilyId),
  };
}

/** A session as its owner (or an administrator) sees it: never its secret. */
export interface SessionView {
  session: Session;
  current: boolean;
}

/**
 * Listing and ending sessions: people their own (`/me/sessions`), administrators
 * anyone's (`/users/:id/sessions`, also their API tokens). Ending a session
 * publishes `user:<id>`, so it stops working everywhere before the call returns.
 */
export function createCredentials({ db, audit, invalidation }: IdentityDeps) {
  async function existingUser(userId: number): Promise<void> {
    if (!(await repository.personByUserId(db, userId))) throw identityErrors.IDENTITY_USER_NOT_FOUND();
  }

  return {
    /** The live sessions of `userId`, flagging the one `actor` is using. */
    async listSessions(actor: Actor, userId: number): Promise<SessionView[]> {
      if (userId !== actor.userId) await existingUser(userId);
      const found = await account.sessionsOf(db, userId);
      return found.map((session) => ({ session, current: session.key === actor.sessionKey }));
    },

    /** Ends one session of `userId`; another user's session is "not found". */
    async endSession(ctx: RequestContext, userId: number, sessionId: number): Promise<void> {
      await invalidation.transaction(db, async (tx, invalidate) => {
        if (!(await account.deleteSessionById(tx, userId, sessionId)))
          throw identityErrors.IDENTITY_SESSION_NOT_FOUND();
        await invalidate([userKey(userId)]);
        await audit.record(tx, ctx, {
          action: 'session.revoked',
          resourceType: 'user',
          resourceId: userId,
          after: { session_id: sessionId },
        });
      });
    },

    /**
     * Ends every session and every login by token (refresh-token family) of `userId` but
     * the caller's own; how many ended, of both kinds.
     */
    async endOtherSessions(ctx: RequestContext, userId: number): Promise<number> {
      if (userId !== ctx.actor.userId) await existingUser(userId);
      const own = userId === ctx.actor.userId;
      return invalidation.transaction(db, async (tx, invalidate) => {
        const ended = await account.deleteSessionsOf(tx, userId, own ? ctx.actor.sessionKey : undefined);
        const families = await revokeFamiliesOf(
          tx,
          userId,
          'revoked',
          own ? ctx.actor.refreshFamilyId : undefined,
        );
        await invalidate([userKey(userId)]);
        await audit.record(tx, ctx, {
          action: 'session.revoked',
          resourceType: 'user',
          resourceId: userId,
          after: {
            sessions: ended,
            refresh_families: families,
            kept_current: own && (!!ctx.actor.sessionKey || !!ctx.actor.refreshFamilyId),
          },
        });
        return ended + families;
      });
    },

    /** The live API tokens of any user (administrators). */
    async tokensOfUser(userId: number): Promise<ApiToken[]> {
      await existingUser(userId);
      return repository.tokensOf(db, userId);
    },

    /** Revokes one API token of `userId` (administrators); one of someone else's is "not found". */
    async revokeTokenOfUser(ctx: RequestContext, userId: number, tokenId: number): Promise<void> {
      await invalidation.transaction(db, async (tx, invalidate) => {
        const revoked = await repository.revokeToken(tx, tokenId, userId);
        if (!revoked) throw identityErrors.IDENTITY_TOKEN_NOT_FOUND();
        await invalidate([userKey(userId)]);
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
