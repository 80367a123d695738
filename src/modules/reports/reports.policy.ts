import type { PermissionGrants } from '../../platform/auth/policy.ts';

/** Managers read the reports (admins hold every permission); agents and viewers see their tickets instead. */
export const reportsPermissions = {
  'reports:read': ['manager'],
} as const satisfies PermissionGrants;
