import type { PermissionGrants } from '../../platform/auth/policy.ts';

/**
 * Managers and agents read workflows, their versions and the assignment set-up (to
 * see why a ticket went where it did); only admins (who hold every permission) change
 * them, as a change reroutes every new ticket.
 */
export const workflowAdminPermissions = {
  'workflows:read': ['manager', 'agent'],
  'workflows:write': [],
} as const satisfies PermissionGrants;
