import { Type } from '@sinclair/typebox';
import type { RequestContext } from '../../platform/auth/actor.ts';
import type { Executor } from '../../platform/db/client.ts';
import { defineEvent, recordEvent, type EventDefinition } from '../../platform/events/index.ts';
import type { ScheduledEvent, TimeEntry, TimeOffRequest } from './workforce.tables.ts';

/*
 * The workforce module's domain events (`timeentry.*`, `event.*`, `timeoff.*`); the file is
 * not `workforce.events.ts` because that name holds the scheduled-events service.
 */

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) =>
  Type.Union([schema, Type.Null()]);
const DateTime = Type.String({ format: 'date-time' });

const TimeEntrySnapshot = Type.Object({
  id: Type.Integer(),
  user_id: Type.Integer(),
  date: Type.String({ format: 'date' }),
  clock_in: DateTime,
  clock_out: Nullable(DateTime),
  worked_minutes: Nullable(Type.Integer()),
  location_id: Nullable(Type.Integer()),
  shift_id: Nullable(Type.Integer()),
  status: Type.String(),
  version: Type.Integer(),
});

const ScheduledEventSnapshot = Type.Object({
  id: Type.Integer(),
  title: Type.String(),
  event_type: Type.String(),
  starts_at: DateTime,
  ends_at: DateTime,
  time_zone: Type.String(),
  rrule: Nullable(Type.String()),
  location_id: Nullable(Type.Integer()),
  facility_id: Nullable(Type.Integer()),
  status: Type.String(),
  assignee_ids: Type.Array(Type.Integer()),
  version: Type.Integer(),
});

const TimeOffSnapshot = Type.Object({
  id: Type.Integer(),
  user_id: Type.Integer(),
  request_type: Type.String(),
  start_date: Type.String({ format: 'date' }),
  end_date: Type.String({ format: 'date' }),
  status: Type.String(),
  approved_by: Nullable(Type.Integer()),
  version: Type.Integer(),
});

const OWN_RECORD = "the person, their department's managers, and admins";
const SCHEDULE = "admins, the event's creator and assignees, and the assignees' department managers";

const entryEvent = (verb: string, description: string) =>
  defineEvent({
    type: `timeentry.${verb}`,
    subject: 'time_entry',
    description,
    payload: Type.Object({ entry: TimeEntrySnapshot }),
    audience: 'all',
    visibility: OWN_RECORD,
  });

const TIME_ENTRY_EVENTS = {
  clocked_in: entryEvent('clocked_in', 'A person clocked in (an open entry began).'),
  break_started: entryEvent('break_started', 'A break began on the open entry.'),
  break_ended: entryEvent('break_ended', 'A break ended on the open entry.'),
  clocked_out: entryEvent('clocked_out', 'A person clocked out (worked minutes computed).'),
  created: entryEvent('created', 'A finished entry was entered by hand.'),
  updated: entryEvent('updated', 'An entry was corrected.'),
  deleted: entryEvent('deleted', 'An entry was deleted; the snapshot is its last state.'),
  approved: entryEvent('approved', 'A manager approved an entry (also each entry of an approved week).'),
  rejected: entryEvent('rejected', 'A manager rejected an entry.'),
} as const;

/** `occurrence_start` is set on the events about one occurrence of a series. */
const ScheduledEventPayload = Type.Object({
  event: ScheduledEventSnapshot,
  occurrence_start: Type.Optional(DateTime),
});

const scheduleEvent = (verb: string, description: string) =>
  defineEvent({
    type: `event.${verb}`,
    subject: 'scheduled_event',
    description,
    payload: ScheduledEventPayload,
    audience: 'all',
    visibility: SCHEDULE,
  });

const SCHEDULED_EVENTS = {
  created: scheduleEvent('created', 'A scheduled event (or series) was created.'),
  updated: scheduleEvent('updated', 'A scheduled event (or series) changed.'),
  deleted: scheduleEvent('deleted', 'A scheduled event was deleted; the snapshot is its last state.'),
  occurrence_changed: scheduleEvent(
    'occurrence_changed',
    'One occurrence of a series was moved or retitled.',
  ),
  occurrence_cancelled: scheduleEvent('occurrence_cancelled', 'One occurrence of a series was cancelled.'),
} as const;

const timeOffEvent = (verb: string, description: string) =>
  defineEvent({
    type: `timeoff.${verb}`,
    subject: 'time_off_request',
    description,
    payload: Type.Object({ request: TimeOffSnapshot }),
    audience: 'all',
    visibility: OWN_RECORD,
  });

const TIME_OFF_EVENTS = {
  requested: timeOffEvent('requested', 'A person asked for time off.'),
  updated: timeOffEvent('updated', 'A pending request was changed.'),
  cancelled: timeOffEvent('cancelled', 'A request was withdrawn.'),
  approved: timeOffEvent('approved', 'A manager approved a request.'),
  rejected: timeOffEvent('rejected', 'A manager rejected a request.'),
} as const;

/** The workforce module's event types, for the catalogue. */
export const workforceEvents: EventDefinition[] = [
  ...Object.values(TIME_ENTRY_EVENTS),
  ...Object.values(SCHEDULED_EVENTS),
  ...Object.values(TIME_OFF_EVENTS),
];

const iso = (date: Date | null) => (date ? date.toISOString() : null);

/** Records a change of a time entry; `verb` is its audit action's verb (`time_entry.<verb>`). */
export function recordTimeEntry(
  tx: Executor,
  ctx: RequestContext,
  verb: string,
  entry: TimeEntry,
): Promise<void> {
  const definition = TIME_ENTRY_EVENTS[verb.replace(/^time_entry\./, '') as keyof typeof TIME_ENTRY_EVENTS];
  return recordEvent(tx, ctx, definition, {
    subjectId: entry.id,
    scope: { locationId: entry.locationId, userIds: [entry.userId] },
    payload: {
      entry: {
        id: entry.id,
        user_id: entry.userId,
        date: entry.date,
        clock_in: entry.clockIn.toISOString(),
        clock_out: iso(entry.clockOut),
        worked_minutes: entry.workedMinutes,
        location_id: entry.locationId,
        shift_id: entry.shiftId,
        status: entry.status,
        version: entry.version,
      },
    },
  });
}

/** Records a change of a scheduled event, or of one occurrence of it (`occurrenceStart`). */
export function recordScheduledEvent(
  tx: Executor,
  ctx: RequestContext,
  verb: keyof typeof SCHEDULED_EVENTS,
  event: ScheduledEvent,
  assigneeIds: readonly number[],
  occurrenceStart?: Date,
): Promise<void> {
  const snapshot = {
    id: event.id,
    title: event.title,
    event_type: event.eventType,
    starts_at: event.startsAt.toISOString(),
    ends_at: event.endsAt.toISOString(),
    time_zone: event.timeZone,
    rrule: event.rrule,
    location_id: event.locationId,
    facility_id: event.facilityId,
    status: event.status,
    assignee_ids: [...assigneeIds],
    version: event.version,
  };
  return recordEvent(tx, ctx, SCHEDULED_EVENTS[verb], {
    subjectId: event.id,
    scope: { locationId: event.locationId, userIds: [event.createdBy, ...assigneeIds] },
    payload: occurrenceStart
      ? { event: snapshot, occurrence_start: occurrenceStart.toISOString() }
      : { event: snapshot },
  });
}

/** Records a change of a time-off request; `action` is its audit action's verb (`time_off.<action>`). */
export function recordTimeOff(
  tx: Executor,
  ctx: RequestContext,
  action: string,
  request: TimeOffRequest,
): Promise<void> {
  return recordEvent(tx, ctx, TIME_OFF_EVENTS[action as keyof typeof TIME_OFF_EVENTS], {
    subjectId: request.id,
    scope: { userIds: [request.userId] },
    payload: {
      request: {
        id: request.id,
        user_id: request.userId,
        request_type: request.requestType,
        start_date: request.startDate,
        end_date: request.endDate,
        status: request.status,
        approved_by: request.approvedBy,
        version: request.version,
      },
    },
  });
}
