import type { Actor } from '../../platform/auth/actor.ts';
import type { Policy, PermissionGrants } from '../../platform/auth/policy.ts';
import { maskedCustomer } from './customers.masking.ts';
import type { Customer } from './customers.pii.ts';

/**
 * Customer records hold personal data, so viewers (read-only staff outside the desk)
 * get none of it; agents work with customers (read and write) and managers may also
 * delete them. Admins hold every permission. API keys carry these names as scopes.
 *
 * `customers:pii` reveals e-mail and phone in clear: without it (agents) they are
 * masked in every answer and export. `customers:merge` merges duplicates;
 * `customers:privacy` (no role: admins only) exports everything held about a customer
 * and erases them.
 */
export const customersPermissions = {
  'customers:read': ['manager', 'agent'],
  'customers:write': ['manager', 'agent'],
  'customers:delete': ['manager'],
  'customers:pii': ['manager'],
  'customers:merge': ['manager'],
  'customers:privacy': [],
} as const satisfies PermissionGrants;

/** How `actor` sees customers: as they are with the PII grant, e-mail and phone masked without. */
export function customerViewFor(policy: Pick<Policy, 'can'>, actor: Actor): (customer: Customer) => Customer {
  return policy.can(actor, 'customers:pii') ? (customer) => customer : maskedCustomer;
}
