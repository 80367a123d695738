import { eq, or, type SQL } from 'drizzle-orm';
import type { Actor, Role } from '../../platform/auth/actor.ts';
import { inScope, type PermissionGrants } from '../../platform/auth/policy.ts';
import type { Person } from './identity.repository.ts';
import { users } from './identity.tables.ts';

export const identityPermissions = {
  'users:read': ['manager', 'agent', 'viewer'],
  'users:write': ['manager'],
  'departments:read': ['manager', 'agent', 'viewer'],
  'departments:write': [],
  'tokens:manage': ['manager', 'agent', 'viewer'],
  /** One's own password, e-mail and sessions. */
  'account:manage': ['manager', 'agent', 'viewer'],
  /** Anyone's sessions and tokens, and lifting lockouts: administrators only. */
  'credentials:manage': [],
  'service-accounts:manage': [],
  /** Resetting anyone's second factor and the per-role MFA policy: admins only. */
  'mfa:manage': [],
  'oidc-providers:manage': [],
} as const satisfies PermissionGrants;

/**
 * Which people an actor can see: admins everyone; managers every active person and
 * anyone in their own department; others active people and themselves.
 */
export function peopleScope(actor: Actor): SQL | undefined {
  if (actor.role === 'admin' || actor.isSuperuser) return undefined;
  const own = eq(users.id, actor.userId);
  if (actor.role === 'manager' && actor.departmentId !== null) {
    return or(eq(users.isActive, true), eq(users.departmentId, actor.departmentId), own);
  }
  return or(eq(users.isActive, true), own);
}

/**
 * How far an actor may edit a person: fully (admins; managers for non-admins of their
 * department other than themselves), only their own contact fields, or not at all. A
 * manager editing their own record gets contact rights only: otherwise they could move
 * themselves into any department (and manage its people) or grant themselves staff.
 * An API key without the `users:write` scope edits nobody but its own account.
 */
export function editRights(actor: Actor, person: Person): 'full' | 'self' | 'none' {
  if (!inScope(actor, 'users:write')) return person.user.id === actor.userId ? 'self' : 'none';
  if (actor.role === 'admin' || actor.isSuperuser) return 'full';
  if (person.user.id === actor.userId) return 'self';
  if (
    actor.role === 'manager' &&
    actor.departmentId !== null &&
    person.user.departmentId === actor.departmentId &&
    person.user.role !== 'admin' &&
    !person.user.isSuperuser
  ) {
    return 'full';
  }
  return 'none';
}

/** Roles an actor may hand out: admins any; managers only those below them. */
export function grantableRoles(actor: Actor): readonly Role[] {
  if (!inScope(actor, 'users:write')) return [];
  if (actor.role === 'admin' || actor.isSuperuser) return ['admin', 'manager', 'agent', 'viewer'];
  if (actor.role === 'manager') return ['agent', 'viewer'];
  return [];
}
