import type { Actor } from '../auth/actor.ts';
import type { EventCatalogue, EventDefinition } from '../events/define-event.ts';
import type { StoredEvent } from '../events/events.tables.ts';

/**
 * Whether `actor` may see `event`: the module that owns the event answers with the
 * same policy its REST routes apply to the event's subject. May read the database
 * (a ticket's watchers), so it may be async.
 */
export type EventVisibilityRule = (actor: Actor, event: StoredEvent) => boolean | Promise<boolean>;

/** The rules of one module's event types, by type. */
export type EventVisibilityRules = Readonly<Record<string, EventVisibilityRule>>;

/** One rule for each of `definitions`: how a module states who sees its events. */
export const visibleBy = (
  definitions: readonly EventDefinition[],
  rule: EventVisibilityRule,
): EventVisibilityRules => Object.fromEntries(definitions.map((definition) => [definition.type, rule]));

export const isAdmin = (actor: Actor): boolean => actor.role === 'admin' || actor.isSuperuser;

/** The event names the actor among the people it concerns (reporter, assignee, owner, recipient). */
export const concerns = (actor: Actor, event: StoredEvent): boolean => event.userIds.includes(actor.userId);

/**
 * The gate every streamed event passes: the event's own audience first (an internal
 * note is for staff, some events for admins only), then its module's rule. A type
 * without a rule (a module that has not declared one yet) is shown to admins only.
 */
export function createVisibility(catalogue: EventCatalogue, rules: EventVisibilityRules) {
  const unruled = catalogue.definitions
    .map((definition) => definition.type)
    .filter((type) => !Object.hasOwn(rules, type));
  return {
    /** Catalogue types without a rule of their own (seen by admins only). */
    unruled,
    async canSee(actor: Actor, event: StoredEvent): Promise<boolean> {
      if (event.audience === 'admins' && !isAdmin(actor)) return false;
      if (event.audience === 'staff' && actor.role === 'viewer') return false;
      const rule = Object.hasOwn(rules, event.type) ? rules[event.type] : undefined;
      return rule ? rule(actor, event) : isAdmin(actor);
    },
  };
}

export type Visibility = ReturnType<typeof createVisibility>;
