import { LRUCache } from 'lru-cache';
import type { Actor, RequestContext } from '../../platform/auth/actor.ts';
import { REFRESH_TOKEN_PREFIX, type CredentialClient } from '../../platform/auth/credentials.ts';
import { digest, randomToken } from '../../platform/auth/secrets.ts';
import type { Executor } from '../../platform/db/client.ts';
import { actorOf, userKey } from './identity.authenticator.ts';
import type { IdentityDeps } from './identity.context.ts';
import { identityErrors } from './identity.errors.ts';
import type { AccessTokens } from './identity.jwt.ts';
import { anonymousContext } from './identity.lockout.ts';
import * as repository from './identity.repository.jwt.ts';
import { touchLogin } from './identity.repository.ts';
import type { LoginMeta } from './identity.sessions.ts';
import type { RefreshTokenFamily } from './identity.tables.jwt.ts';
import type { User } from './identity.tables.ts';

/** What a login or a refresh by token answers. */
export interface TokenPair {
  accessToken: string;
  refreshToken: string;
  expiresIn: number;
  familyId: number;
}

/** A presented dead refresh token is looked at (and audited) at most once in this long, per process. */
const REFUSAL_WINDOW_MS = 60_000;
const DAY_SECONDS = 86_400;

/**
 * Refresh tokens that rotate, in families (one family per login), as Auth0 does it:
 * every refresh retires the token it was given and hands out a new one in the same
 * family. Retiring is one conditional UPDATE, so of any number of concurrent refreshes
 * with one token exactly one succeeds. A retired token presented again means two parties
 * hold the family (a stolen copy): the whole family is revoked, its newest refresh token
 * and its access tokens (they name it in `sid`) included, and `auth.refresh_reuse` is
 * audited. A token of an already revoked family is refused and audited as
 * `auth.refresh_refused`. Tokens are `odr_` + 32 random bytes; only their SHA-256 is kept.
 */
export function createRefreshTokens(
  { db, audit, invalidation, jwt }: Pick<IdentityDeps, 'db' | 'audit' | 'invalidation' | 'jwt'>,
  accessTokens: AccessTokens,
) {
  const idleSeconds = jwt.refreshTokenIdleDays * DAY_SECONDS;
  const recentlyRefused = new LRUCache<string, true>({ max: 10_000, ttl: REFUSAL_WINDOW_MS });

  async function mint(tx: Executor, familyId: number): Promise<string> {
    const secret = `${REFRESH_TOKEN_PREFIX}${randomToken()}`;
    await repository.insertRefreshToken(tx, { familyId, tokenHash: digest(secret), idleSeconds });
    return secret;
  }

  const contextOf = (user: User, meta: LoginMeta, familyId?: number): RequestContext => ({
    ...meta,
    actor: { ...actorOf(user, 'jwt'), ...(familyId && { refreshFamilyId: familyId }) },
  });

  async function pair(user: User, familyId: number, refreshToken: string): Promise<TokenPair> {
    const access = await accessTokens.issue(user, familyId);
    return { accessToken: access.token, refreshToken, expiresIn: access.expiresIn, familyId };
  }

  /** Revokes a family in its own transaction, dropping its access tokens everywhere; audited as `action`. */
  async function revokeFamily(
    ctx: RequestContext,
    family: { familyId: number; userId?: number },
    reason: string,
    action: string,
  ): Promise<RefreshTokenFamily | undefined> {
    return invalidation.transaction(db, async (tx, invalidate) => {
      const revoked = await repository.revokeFamily(tx, family.familyId, reason, family.userId);
      if (!revoked) return undefined;
      await invalidate([userKey(revoked.userId)]);
      await audit.record(tx, ctx, {
        action,
        resourceType: 'refresh_token_family',
        resourceId: revoked.id,
        after: { user_id: revoked.userId, reason },
      });
      return revoked;
    });
  }

  /** Why a refresh token did not work; a retired one revokes its family. */
  async function refused(hash: string, meta: LoginMeta): Promise<void> {
    if (recentlyRefused.has(hash)) return;
    recentlyRefused.set(hash, true);
    const dead = await repository.deadRefreshToken(db, hash);
    if (!dead) return;
    const ctx = anonymousContext(meta, 'refresh-token');
    if (dead.usedAt && !dead.familyRevokedAt) {
      const revoked = await revokeFamily(ctx, dead, 'reuse', 'auth.refresh_reuse');
      if (revoked) return;
    }
    if (dead.familyRevokedAt || dead.usedAt) {
      await audit.record(db, ctx, {
        action: 'auth.refresh_refused',
        resourceType: 'refresh_token_family',
        resourceId: dead.familyId,
        after: { user_id: dead.userId, reason: 'revoked' },
      });
    }
  }

  return {
    /** Opens a login by token for `user`, who has passed every check: a new family and its first pair. */
    async open(user: User, meta: LoginMeta, method: string): Promise<TokenPair> {
      const { family, refreshToken } = await db.transaction(async (tx) => {
        const opened = await repository.insertFamily(tx, {
          userId: user.id,
          expiresAt: new Date(Date.now() + jwt.refreshTokenTtlDays * DAY_SECONDS * 1000),
          ip: meta.ip,
          userAgent: meta.userAgent?.slice(0, 500) ?? null,
        });
        const secret = await mint(tx, opened.id);
        await touchLogin(tx, user.id);
        await audit.record(tx, contextOf(user, meta, opened.id), {
          action: 'auth.token_issued',
          resourceType: 'user',
          resourceId: user.id,
          after: { family_id: opened.id, method },
        });
        return { family: opened, refreshToken: secret };
      });
      return pair(user, family.id, refreshToken);
    },

    /** A new pair for a live refresh token, which is retired; anything else is IDENTITY_REFRESH_TOKEN_INVALID. */
    async refresh(refreshToken: string, meta: LoginMeta): Promise<TokenPair> {
      const hash = digest(refreshToken);
      const rotated = await db.transaction(async (tx) => {
        const live = await repository.retireLiveRefreshToken(tx, hash);
        if (!live) return undefined;
        const next = await mint(tx, live.familyId);
        await repository.touchFamily(tx, live.familyId);
        await audit.record(tx, contextOf(live.user, meta, live.familyId), {
          action: 'auth.token_refreshed',
          resourceType: 'refresh_token_family',
          resourceId: live.familyId,
        });
        return { ...live, refreshToken: next };
      });
      if (!rotated) {
        await refused(hash, meta);
        throw identityErrors.IDENTITY_REFRESH_TOKEN_INVALID();
      }
      return pair(rotated.user, rotated.familyId, rotated.refreshToken);
    },

    /** RFC 7009: revokes the family of a refresh token; says nothing about whether the token existed. */
    async revoke(refreshToken: string, meta: LoginMeta): Promise<void> {
      const found = await repository.familyOfToken(db, digest(refreshToken));
      if (!found) return;
      await revokeFamily(anonymousContext(meta, 'refresh-token'), found, 'revoked', 'auth.token_revoked');
    },

    /** Ends the login an access token belongs to (logout, revoke without a refresh token). */
    async revokeOwn(ctx: RequestContext): Promise<void> {
      const familyId = ctx.actor.refreshFamilyId;
      if (!familyId) return;
      await revokeFamily(ctx, { familyId, userId: ctx.actor.userId }, 'logout', 'auth.token_revoked');
    },

    /** A refresh token sent in a URL: its family is revoked, as an API key there is. */
    async leaked(refreshToken: string, client: CredentialClient): Promise<void> {
      const found = await repository.familyOfToken(db, digest(refreshToken));
      if (!found) return;
      await revokeFamily(anonymousContext(client, 'refresh-token'), found, 'leaked', 'auth.token_leaked');
    },

    /** The live logins by token of `userId`, flagging the one `actor` is using. */
    async listFamilies(
      actor: Actor,
      userId: number,
    ): Promise<{ family: RefreshTokenFamily; current: boolean }[]> {
      const families = await repository.liveFamiliesOf(db, userId);
      return families.map((family) => ({ family, current: family.id === actor.refreshFamilyId }));
    },

    /** Ends one login by token of `userId`; another user's is "not found". */
    async endFamily(ctx: RequestContext, userId: number, familyId: number): Promise<void> {
      const revoked = await revokeFamily(ctx, { familyId, userId }, 'revoked', 'auth.token_revoked');
      if (!revoked) throw identityErrors.IDENTITY_REFRESH_FAMILY_NOT_FOUND();
    },
  };
}

export type RefreshTokens = ReturnType<typeof createRefreshTokens>;
