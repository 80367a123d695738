import type { Policy } from '../../platform/auth/policy.ts';
import type { InvalidationBus } from '../../platform/cache/invalidation.ts';
import type { Database } from '../../platform/db/client.ts';
import type { AuditService } from '../audit/index.ts';
import type { MfaSettings } from './identity.mfa.ts';
import type { WebAuthnSettings } from './identity.passkeys.ts';

export interface IdentityDeps {
  db: Database;
  audit: Pick<AuditService, 'record'>;
  /** Every change to a user or their credentials goes through it, so no process keeps a stale actor. */
  invalidation: InvalidationBus;
  sessionTtlHours: number;
  /** The permissions every module declares: an API key's scopes are checked against them. */
  policy: Policy;
  mfa: MfaSettings;
  webauthn: WebAuthnSettings;
}
