import type { EventVisibilityRules } from '../../platform/realtime/index.ts';
import { visibleBy } from '../../platform/realtime/index.ts';
import { ticketVisibility, type TicketVisibilityDeps } from '../tickets/index.ts';
import { slaEvents } from './sla.events.ts';

/** An SLA event is about its ticket: whoever may read the ticket sees it. */
export const slaEventVisibility = (deps: TicketVisibilityDeps): EventVisibilityRules =>
  visibleBy(slaEvents, ticketVisibility(deps));
