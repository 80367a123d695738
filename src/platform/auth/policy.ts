import type { Actor, Role } from './actor.ts';

/** Permission -> the roles that hold it. Admins hold every permission. */
export type PermissionGrants = Readonly<Record<string, readonly Role[]>>;

export interface Policy {
  can(actor: Actor, permission: string): boolean;
  has(permission: string): boolean;
}

/** Merges the grants every module declares into one role-based policy. */
export function createPolicy(grants: PermissionGrants[]): Policy {
  const byPermission = new Map<string, Set<Role>>();
  for (const table of grants) {
    for (const [permission, roles] of Object.entries(table)) {
      if (byPermission.has(permission)) throw new Error(`Permission ${permission} is declared twice`);
      byPermission.set(permission, new Set(roles));
    }
  }
  return {
    can: (actor, permission) =>
      actor.role === 'admin' || actor.isSuperuser || (byPermission.get(permission)?.has(actor.role) ?? false),
    has: (permission) => byPermission.has(permission),
  };
}
