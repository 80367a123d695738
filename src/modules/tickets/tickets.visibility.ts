import type { Actor } from '../../platform/auth/actor.ts';
import type { Policy } from '../../platform/auth/policy.ts';
import type { StoredEvent } from '../../platform/events/index.ts';
import {
  concerns,
  isAdmin,
  visibleBy,
  type EventVisibilityRule,
  type EventVisibilityRules,
} from '../../platform/realtime/index.ts';
import { ticketEvents } from './tickets.events.ts';
import { ticketReferenceEvents } from './tickets.reference.events.ts';

export interface TicketVisibilityDeps {
  policy: Pick<Policy, 'can'>;
  /** The REST routes' rule (`ticketScope`): which of `ids` the actor may read now. */
  visibleIds: (actor: Actor, ids: number[]) => Promise<Set<number>>;
}

/**
 * Who sees an event about a ticket: whoever `GET /tickets/:id` lets read it. Admins,
 * its department, reporter and assignee are read from the event's scope (the ticket as
 * the change left it); anyone else (a watcher) is asked of the database, with the same
 * `ticketScope` the REST routes apply, so a deleted ticket is seen by its scope only.
 */
export function ticketVisibility(deps: TicketVisibilityDeps): EventVisibilityRule {
  return async (actor: Actor, event: StoredEvent): Promise<boolean> => {
    if (!deps.policy.can(actor, 'tickets:read')) return false;
    if (isAdmin(actor) || concerns(actor, event)) return true;
    if (actor.departmentId !== null && event.departmentId === actor.departmentId) return true;
    const id = Number(event.subjectId);
    return Number.isSafeInteger(id) && (await deps.visibleIds(actor, [id])).has(id);
  };
}

/**
 * The tickets module's rule for each of its event types; incident types and categories
 * are reference data every reader of tickets lists.
 */
export const ticketEventVisibility = (deps: TicketVisibilityDeps): EventVisibilityRules => ({
  ...visibleBy(ticketEvents, ticketVisibility(deps)),
  ...visibleBy(ticketReferenceEvents, (actor) => deps.policy.can(actor, 'tickets:read')),
});
