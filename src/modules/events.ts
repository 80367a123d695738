import { createEventCatalogue } from '../platform/events/index.ts';
import type { EventVisibilityRules } from '../platform/realtime/index.ts';
import { customersEvents, customersEventVisibility } from './customers/index.ts';
import { identityEvents, identityEventVisibility } from './identity/index.ts';
import { notificationsEvents, notificationsEventVisibility } from './notifications/index.ts';
import {
  rentalCheckoutEvents,
  rentalPaymentEvents,
  rentalsEvents,
  rentalsEventVisibility,
} from './rentals/index.ts';
import { sitesEvents, sitesEventVisibility } from './sites/index.ts';
import { slaEvents, slaEventVisibility } from './sla/index.ts';
import {
  ticketEvents,
  ticketEventVisibility,
  ticketReferenceEvents,
  type TicketVisibilityDeps,
} from './tickets/index.ts';
import { workforceEvents, workforceEventVisibility } from './workforce/index.ts';

/** Every domain event type, gathered from the modules' `*.events.ts` (docs/events.md is checked against it). */
export const eventCatalogue = createEventCatalogue(
  ticketEvents,
  ticketReferenceEvents,
  slaEvents,
  workforceEvents,
  sitesEvents,
  identityEvents,
  rentalsEvents,
  rentalPaymentEvents,
  rentalCheckoutEvents,
  customersEvents,
  notificationsEvents,
);

/** Who may see each event type on a realtime stream: each module's rule for its own events. */
export function eventVisibilityRules(
  deps: TicketVisibilityDeps & { userIdsInDepartment: (departmentId: number) => Promise<number[]> },
): EventVisibilityRules {
  const { policy } = deps;
  return {
    ...ticketEventVisibility(deps),
    ...slaEventVisibility(deps),
    ...workforceEventVisibility(deps),
    ...sitesEventVisibility({ policy }),
    ...identityEventVisibility({ policy }),
    ...notificationsEventVisibility(),
    ...customersEventVisibility({ policy }),
    ...rentalsEventVisibility({ policy }),
  };
}
