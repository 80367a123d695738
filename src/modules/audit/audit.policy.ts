import type { PermissionGrants } from '../../platform/auth/policy.ts';

/** The audit trail is for administrators only (admins hold every permission). */
export const auditPermissions = {
  'audit:read': [],
} as const satisfies PermissionGrants;
