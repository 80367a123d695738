import type { Policy } from '../../platform/auth/policy.ts';
import { visibleBy, type EventVisibilityRules } from '../../platform/realtime/index.ts';
import { facilityEvents, siteEvents } from './sites.events.ts';
import { seesInactiveFacilities } from './sites.policy.ts';

/**
 * Sites are reference data everyone with `sites:read` sees; a facility as
 * `GET /facilities/:id` shows it: an inactive one to managers and admins only.
 */
export function sitesEventVisibility(deps: { policy: Pick<Policy, 'can'> }): EventVisibilityRules {
  return {
    ...visibleBy(siteEvents, (actor) => deps.policy.can(actor, 'sites:read')),
    ...visibleBy(facilityEvents, (actor, event) => {
      if (!deps.policy.can(actor, 'sites:read')) return false;
      const facility = (event.payload as { facility?: { status?: string } }).facility;
      return seesInactiveFacilities(actor) || facility?.status === 'active';
    }),
  };
}
