import type { Actor } from '../../platform/auth/actor.ts';
import { inScope, type PermissionGrants } from '../../platform/auth/policy.ts';

/**
 * Everyone sees and manages their own entries and requests; managers their
 * department's; admins all. Nobody approves their own.
 */
export const workforcePermissions = {
  'workforce:read': ['manager', 'agent', 'viewer'],
  'workforce:self': ['manager', 'agent', 'viewer'],
  'events:write': ['manager'],
  'workforce:approve': ['manager'],
  'workforce:policies': [],
} as const satisfies PermissionGrants;

export const isAdmin = (actor: Actor): boolean => actor.role === 'admin' || actor.isSuperuser;

/** Schedule events for others, and override their conflicts: managers and admins. */
export const canScheduleEvents = (actor: Actor): boolean =>
  inScope(actor, 'events:write') && (isAdmin(actor) || actor.role === 'manager');

/**
 * Whose records an actor may see: `undefined` means everyone's (admins); otherwise
 * the set of user ids (themselves, plus their department's members for managers).
 * Callers turn it into a WHERE on their own user-id column.
 */
export async function visibleUserIds(
  actor: Actor,
  departmentMembers: (departmentId: number) => Promise<number[]>,
): Promise<number[] | undefined> {
  if (isAdmin(actor)) return undefined;
  if (actor.role === 'manager' && actor.departmentId !== null) {
    return [...new Set([actor.userId, ...(await departmentMembers(actor.departmentId))])];
  }
  return [actor.userId];
}

/** Approve or reject someone's entry or request: their department's manager or an admin, never oneself. */
export function canApprove(actor: Actor, subject: { userId: number; departmentId: number | null }): boolean {
  if (subject.userId === actor.userId || !inScope(actor, 'workforce:approve')) return false;
  if (isAdmin(actor)) return true;
  return (
    actor.role === 'manager' && actor.departmentId !== null && subject.departmentId === actor.departmentId
  );
}
