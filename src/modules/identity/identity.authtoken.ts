import { digest, hmac } from '../../platform/auth/secrets.ts';
import { PERSONAL_TOKEN_PREFIX } from '../../platform/auth/credentials.ts';
import { actorOf } from './identity.authenticator.ts';
import type { IdentityDeps } from './identity.context.ts';
import type { SecondFactor, SecondFactorProof } from './identity.mfa.ts';
import * as account from './identity.repository.account.ts';
import { insertToken } from './identity.repository.ts';
import type { LoginMeta } from './identity.sessions.ts';
import type { User } from './identity.tables.ts';

/** The name of the personal API token `obtain_auth_token` hands out, as users see it in /api/v2/tokens. */
export const AUTH_TOKEN_NAME = 'DRF auth token';

type CheckPassword = (credentials: { username: string; password: string }, meta: LoginMeta) => Promise<User>;

/**
 * `rest_framework.authtoken`'s `obtain_auth_token` (POST /api/auth/token/): the password
 * (and, for a user with a second factor, `otp`) buys a personal API token, used as
 * `Authorization: Token <key>`. DRF keeps one token per user and answers it on every
 * call; scripts written against it rely on that.
 *
 * Opsdesk stores tokens only as SHA-256 digests, so it cannot read a token back to
 * answer it again. Instead the secret is derived: `odk_` + HMAC-SHA256(SECRET_KEY,
 * "drf-authtoken:<token row id>"). The row id is taken before the row is written, the
 * digest of the derived secret is stored, and later calls derive it again from the row
 * and check it against the digest. A database leak alone still yields no usable token
 * (the HMAC key is not in it); revoking the token (DELETE /api/v2/tokens/:id, a password
 * change, deactivation) makes the next call create a new row, hence a new token, as
 * deleting DRF's Token row does; a changed SECRET_KEY does the same.
 */
export function createAuthTokens(
  { db, audit, jwt }: Pick<IdentityDeps, 'db' | 'audit' | 'jwt'>,
  {
    checkPassword,
    secondFactor,
  }: { checkPassword: CheckPassword; secondFactor: Pick<SecondFactor, 'check'> },
) {
  const derive = (tokenId: number): string =>
    `${PERSONAL_TOKEN_PREFIX}${hmac(jwt.secretKey, `drf-authtoken:${tokenId}`)}`;

  return {
    /** The user's DRF auth token: the same one on every call while it lives, created on the first. */
    async obtainAuthToken(
      credentials: { username: string; password: string },
      proof: SecondFactorProof,
      meta: LoginMeta,
    ): Promise<string> {
      const user = await checkPassword(credentials, meta);
      await secondFactor.check(user, proof, meta, 'token');
      const ctx = { ...meta, actor: actorOf(user, 'token') };
      return db.transaction(async (tx) => {
        await account.lockAuthToken(tx, user.id);
        const existing = (await account.liveTokensNamed(tx, user.id, AUTH_TOKEN_NAME)).find(
          (token) => token.tokenHash === digest(derive(token.id)),
        );
        if (existing) {
          await audit.record(tx, ctx, {
            action: 'auth.token_issued',
            resourceType: 'api_token',
            resourceId: existing.id,
            after: { method: 'authtoken' },
          });
          return derive(existing.id);
        }
        const id = await account.nextTokenId(tx);
        const secret = derive(id);
        const token = await insertToken(tx, {
          id,
          userId: user.id,
          name: AUTH_TOKEN_NAME,
          prefix: secret.slice(0, 12),
          tokenHash: digest(secret),
          expiresAt: null,
        });
        await audit.record(tx, ctx, {
          action: 'token.created',
          resourceType: 'api_token',
          resourceId: token.id,
          after: { ...token, method: 'authtoken' },
        });
        return secret;
      });
    },
  };
}
