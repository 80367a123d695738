/**
 * Workforce scheduling: scheduled events with RFC 5545 recurrence and conflict checks,
 * the time clock with weekly timesheets, and time off with derived balances.
 */
export {
  createEventsService,
  type EventsService,
  type EventView,
  type OccurrenceView,
  type EventInput,
  type Conflict,
} from './workforce.events.ts';
export { eventsRoutesV1, type EventsRouteOptions } from './workforce.events.routes.v1.ts';
export { eventsRoutesV2 } from './workforce.events.routes.v2.ts';
export { workforcePermissions } from './workforce.policy.ts';
export { createTimeclockService, type TimeclockService } from './workforce.timeclock.ts';
export { timeclockRoutesV2 } from './workforce.timeclock.routes.ts';
export { timeclockRoutesV1 } from './workforce.timeclock.routes.v1.ts';
export { createTimeoffService, type TimeoffService } from './workforce.timeoff.ts';
export { timeoffRoutesV1, timeoffRoutesV2 } from './workforce.timeoff.routes.ts';
export { workforceEvents } from './workforce.outbox.ts';
export { workforceEventVisibility } from './workforce.visibility.ts';
