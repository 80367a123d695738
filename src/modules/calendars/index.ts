/**
 * Calendars: named business calendars (a time zone, weekly working hours, holidays and
 * closures, also from iCalendar files) and the exact business-time engine on them.
 * Other modules (SLA) call `engineFor(calendarId)` and compute with the pure engine;
 * they react to changes through the `calendar.changed` hook (`onChanged` in the
 * service's deps, see calendars.events.ts). README.md gives the rules.
 */
export {
  createCalendarsService,
  type CalendarsDeps,
  type CalendarsService,
  type CalendarSnapshot,
} from './calendars.service.ts';
export { calendarsPermissions } from './calendars.policy.ts';
export { calendarsErrors } from './calendars.errors.ts';
export { calendarsRoutesV2, type CalendarsRouteOptions } from './calendars.routes.ts';
export {
  CalendarNeverOpensError,
  CalendarSpecError,
  checkCalendarSpec,
  createBusinessCalendar,
  SEARCH_HORIZON_DAYS,
  type BusinessCalendar,
  type BusinessCalendarSpec,
  type OpenInterval,
} from './calendars.engine.ts';
export { CALENDAR_CHANGED, type CalendarChangedEvent, type CalendarChangedHook } from './calendars.events.ts';
export type { ImportSummary } from './calendars.import.ts';
export { parseBusinessDuration } from './calendars.compute.ts';
export { canonicalTimeZone } from './calendars.zone.ts';
export type { CalendarInput, ClosureInput } from './calendars.validation.ts';
export type { WeeklyHours, WeeklySchedule, WorkInterval } from './calendars.weekly.ts';
export type { Closure } from './calendars.repository.ts';
export type { BusinessCalendarRow, ClosureKind, ClosureSource } from './calendars.tables.ts';
