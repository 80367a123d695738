import type { Actor, Role } from './actor.ts';

/** Permission -> the roles that hold it. Admins hold every permission. */
export type PermissionGrants = Readonly<Record<string, readonly Role[]>>;

export interface Policy {
  can(actor: Actor, permission: string): boolean;
  has(permission: string): boolean;
  /** Every declared permission, sorted: what an API key's scopes are chosen from. */
  permissions(): string[];
}

/**
 * Whether the actor's credential allows `permission` at all (an API key limited to
 * scopes). Role-based predicates in `<module>.policy.ts` that gate an action call it
 * with the permission the action belongs to, so a scoped key is held to its scopes
 * below the route check too.
 */
export const inScope = (actor: Actor, permission: string): boolean =>
  actor.scopes === undefined || actor.scopes.includes(permission);

/** Merges the grants every module declares into one role-based policy, narrowed by the actor's scopes. */
export function createPolicy(grants: PermissionGrants[]): Policy {
  const byPermission = new Map<string, Set<Role>>();
  for (const table of grants) {
    for (const [permission, roles] of Object.entries(table)) {
      if (byPermission.has(permission)) throw new Error(`Permission ${permission} is declared twice`);
      byPermission.set(permission, new Set(roles));
    }
  }
  const names = [...byPermission.keys()].sort();
  return {
    can: (actor, permission) =>
      inScope(actor, permission) &&
      (actor.role === 'admin' ||
        actor.isSuperuser ||
        (byPermission.get(permission)?.has(actor.role) ?? false)),
    has: (permission) => byPermission.has(permission),
    permissions: () => [...names],
  };
}
