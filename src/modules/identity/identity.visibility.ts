import type { Policy } from '../../platform/auth/policy.ts';
import { concerns, isAdmin, visibleBy, type EventVisibilityRules } from '../../platform/realtime/index.ts';
import { identityEvents } from './identity.events.ts';

/**
 * An account change is seen by the person, their department's managers and admins:
 * narrower than who may read a profile (every active person), because the event also
 * tells of deactivations and role changes.
 */
export const identityEventVisibility = (deps: { policy: Pick<Policy, 'can'> }): EventVisibilityRules =>
  visibleBy(identityEvents, (actor, event) => {
    if (!deps.policy.can(actor, 'users:read')) return false;
    if (isAdmin(actor) || concerns(actor, event)) return true;
    return (
      actor.role === 'manager' && actor.departmentId !== null && event.departmentId === actor.departmentId
    );
  });
