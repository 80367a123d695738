import { Type, type Static } from '@sinclair/typebox';
import { DateTime, Nullable, RelationInput, Version } from '../../platform/http/schemas.ts';
import { ProfileV1 } from '../identity/index.ts';
import { FacilityV1, LocationV1 } from '../sites/index.ts';
import { EVENT_STATUSES, EVENT_TYPES } from './workforce.tables.ts';

const Title = Type.String({ minLength: 1, maxLength: 300 });
const Description = Type.String({ maxLength: 20_000 });
const TimeZone = Type.String({ minLength: 1, maxLength: 100, examples: ['Europe/Berlin'] });
const RRule = Type.String({
  maxLength: 500,
  description:
    'RFC 5545 RRULE without DTSTART (the start is DTSTART), e.g. FREQ=WEEKLY;BYDAY=MO,WE;COUNT=10. FREQ is DAILY, WEEKLY, MONTHLY or YEARLY; a UTC UNTIL is an instant, a date-only UNTIL includes that whole local day.',
  examples: ['FREQ=WEEKLY;BYDAY=MO'],
});
const Override = Type.Boolean({
  description:
    'Schedule despite conflicts with the assignees’ other events or approved time off (managers and admins); audited with the conflicts.',
});
const UserId = Type.Integer({ minimum: 1, maximum: 2_147_483_647 });
const Label = Type.String({
  maxLength: 40,
  description: 'As displayed ("In Progress", "Shift") or as stored ("in_progress", "shift"), any case.',
});

// v1: the Broadcast Management System contract.

const scheduledEventV1Fields = {
  title: Type.String(),
  description: Type.String(),
  event_type: Type.String({
    description: 'Shift, Overtime, Meeting, Training, Maintenance, Broadcast or Other.',
  }),
  start_time: DateTime,
  end_time: DateTime,
  location: Nullable(LocationV1),
  facility: Nullable(FacilityV1),
  assigned_users: Type.Array(ProfileV1),
  created_by: Nullable(ProfileV1),
  status: Type.Union(
    ['Scheduled', 'In Progress', 'Completed', 'Cancelled'].map((value) => Type.Literal(value)),
  ),
  time_zone: Type.String(),
  rrule: Nullable(Type.String({ description: 'The recurrence (RFC 5545 RRULE); null for a one-off event.' })),
  version: Type.Integer(),
  created_at: DateTime,
  updated_at: DateTime,
};

/** A stored event: a recurring one is one item, with its rule and the times of its first occurrence. */
export const ScheduledEventV1 = Type.Object(
  {
    id: Type.Integer({
      description: "The event's own id; GET/PATCH/DELETE /scheduled-events/{id}/ act on it.",
    }),
    ...scheduledEventV1Fields,
  },
  { title: 'ScheduledEventV1' },
);

/** One occurrence in a window: an id of its own, and the id of the event it belongs to. */
export const ScheduledEventOccurrenceV1 = Type.Object(
  {
    id: Type.String({
      description: '"<event_id>:<occurrence_start>": unique per occurrence, stable while the rule is.',
      examples: ['12:2026-03-30T07:00:00.000Z'],
    }),
    event_id: Type.Integer({ description: 'The stored event (series) this occurrence belongs to.' }),
    occurrence_start: Type.String({
      format: 'date-time',
      description:
        'The start its rule gives this occurrence (its key for v2 /events/{id}/occurrences/{start}); start_time differs when it was moved.',
    }),
    ...scheduledEventV1Fields,
  },
  { title: 'ScheduledEventOccurrenceV1' },
);

const UserRelation = Type.Union([
  Type.Integer({ minimum: 1 }),
  Type.Object({ id: Type.Integer({ minimum: 1 }) }, { additionalProperties: true }),
]);

/** v1 writes, lenient like DRF: relations by id or `{id}`, labels as displayed or stored. */
export const ScheduledEventV1Body = Type.Object(
  {
    title: Type.Optional(Title),
    description: Type.Optional(Nullable(Description)),
    event_type: Type.Optional(Nullable(Label)),
    start_time: Type.Optional(DateTime),
    end_time: Type.Optional(DateTime),
    time_zone: Type.Optional(TimeZone),
    rrule: Type.Optional(Nullable(RRule)),
    location: Type.Optional(RelationInput),
    location_id: Type.Optional(Nullable(Type.Integer({ minimum: 1 }))),
    facility: Type.Optional(RelationInput),
    facility_id: Type.Optional(Nullable(Type.Integer({ minimum: 1 }))),
    assigned_users: Type.Optional(
      Type.Array(UserRelation, {
        maxItems: 200,
        description: 'User ids, or objects with `id` (a Profile with `user.id` is read by its user id).',
      }),
    ),
    assigned_user_ids: Type.Optional(Type.Array(Type.Integer({ minimum: 1 }), { maxItems: 200 })),
    status: Type.Optional(Label),
    override: Type.Optional(Override),
    version: Type.Optional(Version),
  },
  { additionalProperties: true },
);
export type ScheduledEventV1Body = Static<typeof ScheduledEventV1Body>;

const filterDescriptions = {
  user: 'Assigned user id(s), comma-separated.',
  location: 'Location id(s), comma-separated.',
  facility: 'Facility id(s), comma-separated.',
  event_type: 'Event type(s), comma-separated.',
  status: 'Status(es), comma-separated.',
};
const filterQuery = Object.fromEntries(
  Object.entries(filterDescriptions).map(([name, description]) => [
    name,
    Type.Optional(Type.String({ maxLength: 500, description })),
  ]),
);
const format = Type.Optional(
  Type.Union([Type.Literal('json'), Type.Literal('csv'), Type.Literal('xml'), Type.Literal('ndjson')]),
);
const WindowEdge = (description: string) =>
  Type.String({ maxLength: 40, description: `${description} ISO 8601 date-time, or YYYY-MM-DD (UTC day).` });

/** v1 `/scheduled-events/occurrences/`: a window, the event filters, DRF pages. */
export const ScheduledEventOccurrencesV1Query = Type.Object(
  {
    from: Type.Optional(WindowEdge('Window start (default: 90 days ago).')),
    to: Type.Optional(
      WindowEdge('Window end, exclusive; a date includes that day (default: a year from now).'),
    ),
    ...filterQuery,
    search: Type.Optional(
      Type.String({ maxLength: 200, description: 'Case-insensitive match on the title.' }),
    ),
    ordering: Type.Optional(
      Type.String({
        maxLength: 100,
        description:
          'start_time (default), end_time, title, event_id or id (the event, then the original start); - for descending.',
      }),
    ),
    page: Type.Optional(Type.String({ description: '1-based page number.' })),
    page_size: Type.Optional(Type.String({ description: 'Rows per page (default 20, max 100).' })),
    format,
  },
  { additionalProperties: true },
);
export type ScheduledEventOccurrencesV1Query = Static<typeof ScheduledEventOccurrencesV1Query>;

/** v1 `/scheduled-events/` takes the list's own filters plus who is assigned; a window belongs to occurrences. */
export const seriesQueryExtras = {
  user: Type.Optional(Type.String({ maxLength: 500, description: filterDescriptions.user })),
  from: Type.Optional(
    Type.String({
      maxLength: 40,
      description: 'Not here: a window applies to /scheduled-events/occurrences/.',
    }),
  ),
  to: Type.Optional(
    Type.String({
      maxLength: 40,
      description: 'Not here: a window applies to /scheduled-events/occurrences/.',
    }),
  ),
};

// v2

const EventType = Type.Union(EVENT_TYPES.map((value) => Type.Literal(value)));
const EventStatus = Type.Union(EVENT_STATUSES.map((value) => Type.Literal(value)));
const PersonRef = Type.Object({ id: Type.Integer(), username: Type.String(), full_name: Type.String() });
const NamedRef = Type.Object({ id: Type.Integer(), name: Type.String() });

export const EventExceptionV2 = Type.Object({
  occurrence_start: DateTime,
  cancelled: Type.Boolean(),
  starts_at: Nullable(DateTime),
  ends_at: Nullable(DateTime),
  title: Nullable(Type.String()),
});

export const EventV2 = Type.Object(
  {
    id: Type.Integer(),
    title: Type.String(),
    description: Type.String(),
    event_type: EventType,
    status: EventStatus,
    starts_at: Type.String({ format: 'date-time', description: 'The first occurrence.' }),
    ends_at: DateTime,
    time_zone: Type.String(),
    rrule: Nullable(Type.String()),
    location: Nullable(NamedRef),
    facility: Nullable(NamedRef),
    assignees: Type.Array(PersonRef),
    created_by: Nullable(PersonRef),
    exceptions: Type.Array(EventExceptionV2, { description: 'Occurrences cancelled, moved or retitled.' }),
    version: Type.Integer(),
    created_at: DateTime,
    updated_at: DateTime,
  },
  { title: 'EventV2' },
);

export const OccurrenceV2 = Type.Object(
  {
    id: Type.String({
      description: '"<event id>:<occurrence_start>"',
      examples: ['12:2026-03-30T07:00:00.000Z'],
    }),
    event_id: Type.Integer(),
    occurrence_start: Type.String({
      format: 'date-time',
      description: 'The start the rule gives this occurrence (its key).',
    }),
    title: Type.String(),
    description: Type.String(),
    event_type: EventType,
    status: EventStatus,
    starts_at: DateTime,
    ends_at: DateTime,
    time_zone: Type.String(),
    recurring: Type.Boolean(),
    modified: Type.Boolean({ description: 'Moved or retitled ("this occurrence only").' }),
    location: Nullable(NamedRef),
    facility: Nullable(NamedRef),
    assignees: Type.Array(PersonRef),
    version: Type.Integer({
      description: "The series' version (send it in If-Match to change this occurrence).",
    }),
  },
  { title: 'OccurrenceV2' },
);

const eventFields = {
  title: Title,
  description: Description,
  event_type: EventType,
  starts_at: DateTime,
  ends_at: DateTime,
  time_zone: TimeZone,
  rrule: Nullable(RRule),
  location_id: Nullable(Type.Integer({ minimum: 1 })),
  facility_id: Nullable(Type.Integer({ minimum: 1 })),
  assignee_ids: Type.Array(UserId, { maxItems: 200 }),
  status: EventStatus,
  override: Override,
};

export const EventCreateBody = Type.Object(
  {
    ...Type.Partial(Type.Object(eventFields)).properties,
    title: Title,
    starts_at: DateTime,
    ends_at: DateTime,
  },
  { additionalProperties: false },
);
export type EventCreateBody = Static<typeof EventCreateBody>;

export const EventUpdateBody = Type.Partial(Type.Object(eventFields), { additionalProperties: false });
export type EventUpdateBody = Static<typeof EventUpdateBody>;

export const OccurrenceUpdateBody = Type.Object(
  {
    starts_at: Type.Optional(DateTime),
    ends_at: Type.Optional(DateTime),
    title: Type.Optional(
      Nullable(
        Type.String({ minLength: 1, maxLength: 300, description: "null restores the series' title." }),
      ),
    ),
    override: Type.Optional(Override),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type OccurrenceUpdateBody = Static<typeof OccurrenceUpdateBody>;

export const EventsV2Query = Type.Object(
  {
    from: WindowEdge('Window start (required).'),
    to: WindowEdge(
      'Window end, exclusive; a date includes that day (required; at most 400 days after from).',
    ),
    ...filterQuery,
    search: Type.Optional(
      Type.String({ maxLength: 200, description: 'Case-insensitive match on the title.' }),
    ),
    cursor: Type.Optional(Type.String({ maxLength: 500, description: 'Opaque cursor from next_cursor.' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100 })),
    format,
  },
  { additionalProperties: false },
);
export type EventsV2Query = Static<typeof EventsV2Query>;

export const EventParams = Type.Object({ id: UserId });
export const OccurrenceParams = Type.Object({
  id: UserId,
  start: Type.String({
    maxLength: 40,
    description: "The occurrence's original start (occurrence_start), ISO 8601, URL-encoded.",
  }),
});
