import { enqueue } from '../platform/jobs/define-job.ts';
import { calendarsErrors, createCalendarsService } from './calendars/index.ts';
import type { IdentityService } from './identity/index.ts';
import type { Platform } from './services.platform.ts';
import type { ServiceSettings } from './services.ts';
import { createSitesService, withSitesCache } from './sites/index.ts';
import { recomputeJob, type SlaClocks } from './sla/index.ts';
import { requestQueueDrain, type WorkflowsService } from './workflows/index.ts';
import { createEventsService, createTimeclockService, createTimeoffService } from './workforce/index.ts';

/** What deleting a calendar asks of the SLA policies and the workflows, which are wired after calendars. */
export interface CalendarUsers {
  policiesOnCalendar: SlaClocks['policiesOnCalendar'];
  peopleOnCalendar: WorkflowsService['peopleOnCalendar'];
}

/** Sites, business calendars, and the workforce's events, time clock and time off on them. */
export function wireWorkforce(
  { db, audit, caching }: Platform,
  identity: IdentityService,
  settings: ServiceSettings,
  calendarUsers: CalendarUsers,
) {
  const sites = withSitesCache(createSitesService({ db, audit }), caching);
  // A calendar change moves the due times of open tickets on it: recomputed by a job keyed per
  // calendar. A calendar that policies or people's working hours use cannot be deleted.
  const calendars = createCalendarsService({
    db,
    audit,
    onChanged: async (tx, event) => {
      if (event.version === null) {
        const policies = await calendarUsers.policiesOnCalendar(tx, event.calendarId);
        const people = await calendarUsers.peopleOnCalendar(tx, event.calendarId);
        if (policies.length > 0 || people > 0)
          throw calendarsErrors.CALENDARS_CALENDAR_IN_USE({
            message: `This calendar is in use (${[
              ...policies.map((name) => `SLA policy "${name}"`),
              ...(people > 0 ? [`the working hours of ${people} people`] : []),
            ].join(', ')}) and cannot be deleted.`,
          });
      }
      await enqueue(
        tx,
        recomputeJob,
        { calendar_id: event.calendarId },
        { jobKey: `sla.recompute:calendar:${event.calendarId}` },
      );
    },
  });
  const events = createEventsService({ db, audit, identity, sites });
  const timeclock = createTimeclockService({
    db,
    audit,
    identity,
    sites,
    overtimeThresholdMinutes: settings.overtimeThresholdHours * 60,
    onClockedIn: requestQueueDrain,
  });
  const timeoff = createTimeoffService({
    db,
    audit,
    identity,
    workingCalendar: (calendarId) => calendars.engineFor(calendarId),
    eventsFor: (userIds, from, to, executor) => events.occurrencesForUsers(userIds, from, to, executor),
  });
  return { sites, calendars, events, timeclock, timeoff };
}
