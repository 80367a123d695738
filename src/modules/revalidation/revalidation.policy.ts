import type { PermissionGrants } from '../../platform/auth/policy.ts';

/** A target hears of every change (its tags): only admins (who hold every permission) manage them. */
export const revalidationPermissions = {
  'revalidation:manage': [],
} as const satisfies PermissionGrants;
