import type { PermissionGrants } from '../../platform/auth/policy.ts';

/**
 * Rental desks: everyone on staff reads the catalog and orders, agents and managers
 * take orders (the desk), managers edit the catalog (products, rates, stock) and see
 * the money (revenue on the dashboard, the revenue report). An API key narrows these
 * further by its scopes, so a desk terminal's key can hold `rentals:read` and
 * `rentals:write` alone.
 */
export const rentalsPermissions = {
  'rentals:read': ['manager', 'agent', 'viewer'],
  'rentals:write': ['manager', 'agent'],
  'catalog:write': ['manager'],
  'rentals:revenue': ['manager'],
} as const satisfies PermissionGrants;
