import type { PermissionGrants } from '../../platform/auth/policy.ts';

/**
 * Everyone who works tickets may read calendars and compute with them; only admins
 * (who hold every permission) change them, as a change moves every open due time.
 */
export const calendarsPermissions = {
  'calendars:read': ['manager', 'agent', 'viewer'],
  'calendars:write': [],
} as const satisfies PermissionGrants;
