import type { Static } from '@sinclair/typebox';
import { presentProfileV1, type Person } from '../identity/index.ts';
import { presentFacilityV1, presentLocationV1 } from '../sites/index.ts';
import type { EventStatus, EventType } from './workforce.events.repository.ts';
import type { EventView, OccurrenceView } from './workforce.events.ts';
import { occurrenceId } from './workforce.events.recurrence.ts';
import type {
  EventV2,
  OccurrenceV2,
  ScheduledEventOccurrenceV1,
  ScheduledEventV1,
} from './workforce.events.schemas.ts';

/** v1 shows statuses and event types as labels ("In Progress", "Shift"); they are stored as codes. */
export const EVENT_STATUS_LABELS: Record<
  EventStatus,
  'Scheduled' | 'In Progress' | 'Completed' | 'Cancelled'
> = {
  scheduled: 'Scheduled',
  in_progress: 'In Progress',
  completed: 'Completed',
  cancelled: 'Cancelled',
};
export const EVENT_TYPE_LABELS: Record<EventType, string> = {
  shift: 'Shift',
  overtime: 'Overtime',
  meeting: 'Meeting',
  training: 'Training',
  maintenance: 'Maintenance',
  broadcast: 'Broadcast',
  other: 'Other',
};

const personRef = (person: Person) => ({
  id: person.user.id,
  username: person.user.username,
  full_name: [person.user.firstName, person.user.lastName].filter(Boolean).join(' ') || person.user.username,
});
const namedRef = (value: { id: number; name: string } | null) =>
  value ? { id: value.id, name: value.name } : null;

function seriesV1(view: EventView) {
  return {
    id: view.id,
    title: view.title,
    description: view.description,
    event_type: EVENT_TYPE_LABELS[view.eventType],
    start_time: view.startsAt.toISOString(),
    end_time: view.endsAt.toISOString(),
    location: view.location ? presentLocationV1(view.location) : null,
    facility: view.facility ? presentFacilityV1(view.facility) : null,
    assigned_users: view.assignees.map(presentProfileV1),
    created_by: view.creator ? presentProfileV1(view.creator) : null,
    status: EVENT_STATUS_LABELS[view.status],
    time_zone: view.timeZone,
    rrule: view.rrule,
    version: view.version,
    created_at: view.createdAt.toISOString(),
    updated_at: view.updatedAt.toISOString(),
  };
}

/** The series, as the BMS contract's ScheduledEvent (start and end of its first occurrence). */
export const presentEventV1 = (view: EventView): Static<typeof ScheduledEventV1> => seriesV1(view);

/** One occurrence: an id of its own, its event's id, and the occurrence's times and title. */
export const presentOccurrenceV1 = (
  occurrence: OccurrenceView,
): Static<typeof ScheduledEventOccurrenceV1> => ({
  ...seriesV1(occurrence.event),
  id: occurrenceId(occurrence.event.id, occurrence.occurrenceStart),
  event_id: occurrence.event.id,
  occurrence_start: occurrence.occurrenceStart.toISOString(),
  title: occurrence.title ?? occurrence.event.title,
  start_time: occurrence.startsAt.toISOString(),
  end_time: occurrence.endsAt.toISOString(),
});

export const presentEventV2 = (view: EventView): Static<typeof EventV2> => ({
  id: view.id,
  title: view.title,
  description: view.description,
  event_type: view.eventType,
  status: view.status,
  starts_at: view.startsAt.toISOString(),
  ends_at: view.endsAt.toISOString(),
  time_zone: view.timeZone,
  rrule: view.rrule,
  location: namedRef(view.location),
  facility: namedRef(view.facility),
  assignees: view.assignees.map(personRef),
  created_by: view.creator ? personRef(view.creator) : null,
  exceptions: view.exceptions.map((exception) => ({
    occurrence_start: exception.occurrenceStart.toISOString(),
    cancelled: exception.cancelled,
    starts_at: exception.startsAt?.toISOString() ?? null,
    ends_at: exception.endsAt?.toISOString() ?? null,
    title: exception.title,
  })),
  version: view.version,
  created_at: view.createdAt.toISOString(),
  updated_at: view.updatedAt.toISOString(),
});

export const presentOccurrenceV2 = (occurrence: OccurrenceView): Static<typeof OccurrenceV2> => {
  const { event } = occurrence;
  return {
    id: occurrenceId(event.id, occurrence.occurrenceStart),
    event_id: event.id,
    occurrence_start: occurrence.occurrenceStart.toISOString(),
    title: occurrence.title ?? event.title,
    description: event.description,
    event_type: event.eventType,
    status: event.status,
    starts_at: occurrence.startsAt.toISOString(),
    ends_at: occurrence.endsAt.toISOString(),
    time_zone: event.timeZone,
    recurring: occurrence.recurring,
    modified: occurrence.modified,
    location: namedRef(event.location),
    facility: namedRef(event.facility),
    assignees: event.assignees.map(personRef),
    version: event.version,
  };
};
