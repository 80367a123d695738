import { eq, type SQL } from 'drizzle-orm';
import type { Actor } from '../../platform/auth/actor.ts';
import type { PermissionGrants } from '../../platform/auth/policy.ts';
import { facilities } from './sites.tables.ts';

export const sitesPermissions = {
  'sites:read': ['manager', 'agent', 'viewer'],
  'sites:write': ['manager'],
} as const satisfies PermissionGrants;

/** Whether an actor sees inactive facilities: admins and managers do, everyone else only active ones. */
export function seesInactiveFacilities(actor: Actor): boolean {
  return actor.isSuperuser || actor.role === 'admin' || actor.role === 'manager';
}

/**
 * The facilities an actor may see, as a condition for lists and single lookups alike
 * (an inactive facility is "not found" to agents and viewers); undefined means all.
 */
export function facilityScope(actor: Actor): SQL | undefined {
  return seesInactiveFacilities(actor) ? undefined : eq(facilities.status, 'active');
}
