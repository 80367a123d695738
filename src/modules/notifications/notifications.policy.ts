import type { PermissionGrants } from '../../platform/auth/policy.ts';

/**
 * Everyone reads (and marks read) their own notifications; nobody, admins included,
 * sees another person's through the API: the service scopes every query to the actor.
 */
export const notificationsPermissions = {
  'notifications:read': ['manager', 'agent', 'viewer'],
} as const satisfies PermissionGrants;

/** Composing e-mail to any address is for staff: managers (and admins, who hold every permission). */
export const mailPermissions = {
  'mail:send': ['manager'],
} as const satisfies PermissionGrants;
