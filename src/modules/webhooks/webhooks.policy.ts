import type { PermissionGrants } from '../../platform/auth/policy.ts';

/** Webhook endpoints see every event of their types: only admins (who hold every permission) manage them. */
export const webhooksPermissions = {
  'webhooks:manage': [],
} as const satisfies PermissionGrants;
