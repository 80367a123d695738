import type { Policy } from '../../platform/auth/policy.ts';
import type { InvalidationBus } from '../../platform/cache/invalidation.ts';
import type { Database } from '../../platform/db/client.ts';
import type { Mailer } from '../../platform/mail/index.ts';
import type { AuditService } from '../audit/index.ts';
import type { JwtSettings } from './identity.jwt.keys.ts';
import type { MfaSettings } from './identity.mfa.ts';
import type { LockoutSettings } from './identity.lockout.ts';
import type { WebAuthnSettings } from './identity.passkeys.ts';

export interface IdentityDeps {
  db: Database;
  audit: Pick<AuditService, 'record'>;
  /** Every change to a user or their credentials goes through it, so no process keeps a stale actor. */
  invalidation: InvalidationBus;
  sessionTtlHours: number;
  lockout: LockoutSettings;
  /** Sends the mailed codes (password reset, e-mail change); only the job worker calls it. */
  mailer: Pick<Mailer, 'send'>;
  /** Lifetime of a mailed code. */
  accountTokenTtlMinutes: number;
  /** The base URL mails name; unset: they give paths only. */
  publicUrl: string | undefined;
  /** The permissions every module declares: an API key's scopes are checked against them. */
  policy: Policy;
  mfa: MfaSettings;
  oidc: OidcSettings;
  webauthn: WebAuthnSettings;
  /** JWT access tokens and refresh tokens. */
  jwt: JwtSettings;
}

/** What single sign-on needs from the configuration. */
export interface OidcSettings {
  /** Seals client secrets and PKCE verifiers at rest. */
  secretKey: string;
  /** PUBLIC_URL (else http://HOST:PORT): the base of the redirect URI registered at each provider. */
  publicUrl: string;
  /** OIDC_ALLOW_HTTP_ISSUERS. */
  allowHttpIssuers: boolean;
}
