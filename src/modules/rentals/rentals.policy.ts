import type { PermissionGrants } from '../../platform/auth/policy.ts';

/**
 * Rental desks: everyone on staff reads the catalog and orders, agents and managers
 * take orders, managers edit the catalog (products, rates, stock).
 */
export const rentalsPermissions = {
  'rentals:read': ['manager', 'agent', 'viewer'],
  'rentals:write': ['manager', 'agent'],
  'catalog:write': ['manager'],
} as const satisfies PermissionGrants;
