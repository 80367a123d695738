import type { SecondFactor, SecondFactorProof } from './identity.mfa.ts';
import type { RefreshTokens, TokenPair } from './identity.refresh.ts';
import type { LoginMeta } from './identity.sessions.ts';
import type { User } from './identity.tables.ts';

type CheckPassword = (credentials: { username: string; password: string }, meta: LoginMeta) => Promise<User>;

/**
 * Logging in by token (POST /api/v2/auth/token): the steps of a session login
 * (identity.sessions.ts) with the same password check, lockout and second factor, in
 * the `token` flow, ending in a refresh-token family instead of a session. A challenge
 * issued here completes only here (`completeTokenLogin`), never as a session.
 */
export function createTokenLogin({
  checkPassword,
  secondFactor,
  refresh,
}: {
  checkPassword: CheckPassword;
  secondFactor: Pick<SecondFactor, 'check' | 'complete'>;
  refresh: Pick<RefreshTokens, 'open'>;
}) {
  return {
    /** Checks the password and the second factor (see SecondFactor.check), then opens a login by token. */
    async tokenLogin(
      credentials: { username: string; password: string },
      proof: SecondFactorProof,
      meta: LoginMeta,
    ): Promise<TokenPair> {
      const user = await checkPassword(credentials, meta);
      await secondFactor.check(user, proof, meta, 'token');
      return refresh.open(user, meta, 'password');
    },

    /** Opens the login by token of a challenge `tokenLogin` answered with, once its second factor is given. */
    async completeTokenLogin(
      challenge: string,
      proof: SecondFactorProof,
      meta: LoginMeta,
    ): Promise<TokenPair> {
      const user = await secondFactor.complete(challenge, proof, meta, 'token');
      return refresh.open(user, meta, 'password+mfa');
    },
  };
}
