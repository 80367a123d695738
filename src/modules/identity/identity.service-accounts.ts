import type { RequestContext, Role } from '../../platform/auth/actor.ts';
import { fieldError } from '../../platform/http/errors.ts';
import { userKey } from './identity.authenticator.ts';
import type { IdentityDeps } from './identity.context.ts';
import { identityErrors } from './identity.errors.ts';
import { grantableRoles } from './identity.policy.ts';
import * as repository from './identity.repository.ts';
import * as accounts from './identity.repository.service-accounts.ts';
import type { ServiceAccountRecord } from './identity.repository.service-accounts.ts';
import type { ApiKey } from './identity.tables.ts';

export interface ServiceAccountInput {
  name: string;
  description?: string;
  role?: Role;
  departmentId?: number | null;
}

/** What an audit entry keeps of a key: everything but its digest. */
export const auditedKey = ({ keyHash: _digest, ...key }: ApiKey) => key;

/**
 * Service accounts: non-human principals that integrations act as. Each is a `users`
 * row of kind 'service' plus a `service_accounts` row, not a table of its own, so a
 * ticket's reporter, an audit entry's actor, a comment's author and every other user
 * reference work for it unchanged, and its role and department scope what it sees
 * exactly as for a person. It has no password (a check constraint holds it), so it
 * can never log in, open a session, or be asked for a second factor: it authenticates
 * only by the API keys an admin creates for it (identity.api-keys.ts). It stays out of
 * the managers and admins that escalations notify.
 */
export function createServiceAccounts({ db, audit, invalidation }: IdentityDeps) {
  async function accountOf(id: number): Promise<ServiceAccountRecord> {
    const found = await accounts.serviceAccountById(db, id);
    if (!found) throw identityErrors.IDENTITY_SERVICE_ACCOUNT_NOT_FOUND();
    return found;
  }

  return {
    listServiceAccounts: (): Promise<ServiceAccountRecord[]> => accounts.listServiceAccounts(db),

    getServiceAccount: accountOf,

    async createServiceAccount(
      ctx: RequestContext,
      input: ServiceAccountInput,
    ): Promise<ServiceAccountRecord> {
      const role = input.role ?? 'viewer';
      if (!grantableRoles(ctx.actor).includes(role)) throw identityErrors.IDENTITY_ROLE_FORBIDDEN();
      return db.transaction(async (tx) => {
        if (await repository.usernameTaken(tx, input.name)) {
          throw fieldError('name', 'A user or service account with this name already exists.');
        }
        const departmentId = input.departmentId ?? null;
        if (departmentId !== null && !(await repository.departmentById(tx, departmentId))) {
          throw fieldError('department_id', `Invalid pk "${departmentId}" - object does not exist.`);
        }
        const user = await repository.insertUser(tx, {
          username: input.name,
          kind: 'service',
          role,
          departmentId,
          passwordHash: null,
        });
        await accounts.insertServiceAccount(tx, { userId: user.id, description: input.description ?? '' });
        const created = await accounts.serviceAccountById(tx, user.id);
        if (!created) throw new Error('created service account vanished');
        await audit.record(tx, ctx, {
          action: 'service_account.created',
          resourceType: 'service_account',
          resourceId: user.id,
          after: created,
        });
        return created;
      });
    },

    /** Deactivates the account and revokes every key it has, in every process before this returns. */
    async deactivateServiceAccount(ctx: RequestContext, id: number): Promise<ServiceAccountRecord> {
      const before = await accountOf(id);
      if (!before.user.isActive) return before;
      return invalidation.transaction(db, async (tx, invalidate) => {
        const revoked = await accounts.revokeApiKeys(tx, id);
        await accounts.deactivateServiceAccount(tx, id);
        await invalidate([userKey(id)]);
        const after = await accounts.serviceAccountById(tx, id);
        if (!after) throw identityErrors.IDENTITY_SERVICE_ACCOUNT_NOT_FOUND();
        for (const key of revoked) {
          await audit.record(tx, ctx, {
            action: 'api_key.revoked',
            resourceType: 'api_key',
            resourceId: key.id,
            before: auditedKey(key),
          });
        }
        await audit.record(tx, ctx, {
          action: 'service_account.deactivated',
          resourceType: 'service_account',
          resourceId: id,
          before,
          after,
        });
        return after;
      });
    },
  };
}
