import { randomUUID } from 'node:crypto';
import { errors, jwtVerify, SignJWT, type JWTHeaderParameters } from 'jose';
import type { JwtSettings, SigningKeys } from './identity.jwt.keys.ts';
import type { User } from './identity.tables.ts';

/** The `typ` header of an access token (RFC 9068 section 2.1): a token of another kind is refused. */
export const ACCESS_TOKEN_TYPE = 'at+jwt';
/** The `client_id` claim RFC 9068 requires: tokens are issued to Opsdesk's own clients. */
const CLIENT_ID = 'opsdesk';
/** Clock drift tolerated between the signing and the verifying process. */
const CLOCK_TOLERANCE_SECONDS = 30;
const REQUIRED_CLAIMS = ['iss', 'aud', 'exp', 'nbf', 'iat', 'jti', 'sub', 'sid'];
const POSITIVE_INTEGER = /^[1-9][0-9]{0,9}$/;

/** What a verified access token says: who, and the login (refresh-token family) it belongs to. */
export interface AccessClaims {
  userId: number;
  familyId: number;
}

/**
 * JWT access tokens (RFC 9068 profile): signed with the current key (identity.jwt.keys.ts),
 * `kid` and `typ: at+jwt` in the header; `iss`, `aud`, `sub`, `iat`, `nbf`, `exp`, `jti`,
 * `client_id` and `sid` (the refresh-token family, so ending the login ends its access
 * tokens) in the claims.
 *
 * Verification accepts only the configured algorithm (so never `none`, and never an HMAC
 * "signed" with a public key) and picks the key by `kid` from our own store alone:
 * `jku`, `jwk` and `x5u` headers are never followed. Issuer, audience, type, lifetime
 * and every claim above are required.
 */
export function createAccessTokens(jwt: JwtSettings, keys: SigningKeys) {
  return {
    async issue(user: User, familyId: number): Promise<{ token: string; expiresIn: number }> {
      const key = await keys.signingKey();
      const now = Math.floor(Date.now() / 1000);
      const token = await new SignJWT({
        sid: String(familyId),
        client_id: CLIENT_ID,
        preferred_username: user.username,
      })
        .setProtectedHeader({ alg: key.algorithm, kid: key.kid, typ: ACCESS_TOKEN_TYPE })
        .setIssuer(jwt.issuer)
        .setAudience(jwt.audience)
        .setSubject(String(user.id))
        .setIssuedAt(now)
        .setNotBefore(now)
        .setExpirationTime(now + jwt.accessTokenTtlSeconds)
        .setJti(randomUUID())
        .sign(key.privateKey);
      return { token, expiresIn: jwt.accessTokenTtlSeconds };
    },

    /** The claims of a valid access token; undefined for any other token (forged, expired, foreign). */
    async verify(token: string): Promise<AccessClaims | undefined> {
      try {
        const { payload } = await jwtVerify(
          token,
          async (header: JWTHeaderParameters) => {
            const key = typeof header.kid === 'string' ? await keys.verificationKey(header.kid) : undefined;
            if (!key) throw new errors.JWKSNoMatchingKey();
            return key.publicKey;
          },
          {
            issuer: jwt.issuer,
            audience: jwt.audience,
            algorithms: [jwt.algorithm],
            typ: ACCESS_TOKEN_TYPE,
            requiredClaims: REQUIRED_CLAIMS,
            maxTokenAge: jwt.accessTokenTtlSeconds,
            clockTolerance: CLOCK_TOLERANCE_SECONDS,
          },
        );
        const { sub, sid } = payload;
        if (!sub || !POSITIVE_INTEGER.test(sub) || typeof sid !== 'string' || !POSITIVE_INTEGER.test(sid))
          return undefined;
        return { userId: Number(sub), familyId: Number(sid) };
      } catch (error) {
        // A database failure while finding the key is not a bad token: it stays a 5xx/503.
        if (error instanceof errors.JOSEError) return undefined;
        throw error;
      }
    },
  };
}

export type AccessTokens = ReturnType<typeof createAccessTokens>;
