import type { PermissionGrants } from '../../platform/auth/policy.ts';

/**
 * Everyone who works tickets may read SLA policies (they explain the due times people
 * see); only admins (who hold every permission) change them, as a change moves the
 * clocks of every open ticket under the policy.
 */
export const slaPermissions = {
  'sla:read': ['manager', 'agent', 'viewer'],
  'sla:write': [],
} as const satisfies PermissionGrants;
