import type { PermissionGrants } from '../../platform/auth/policy.ts';

/**
 * Customer records hold personal data, so viewers (read-only staff outside the desk)
 * get none of it; agents work with customers (read and write) and managers may also
 * delete them. Admins hold every permission. API keys carry these names as scopes.
 */
export const customersPermissions = {
  'customers:read': ['manager', 'agent'],
  'customers:write': ['manager', 'agent'],
  'customers:delete': ['manager'],
} as const satisfies PermissionGrants;
