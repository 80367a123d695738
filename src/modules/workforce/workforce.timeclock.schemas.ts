import { Type, type Static } from '@sinclair/typebox';
import { DateOnly, DateTime, Nullable, RelationInput, Version } from '../../platform/http/schemas.ts';
import { ProfileV1 } from '../identity/index.ts';
import { LocationV1, ShiftV1 } from '../sites/index.ts';

const Id = Type.Integer({ minimum: 1, maximum: 2_147_483_647 });
const Text = (max: number) => Type.String({ maxLength: max });
const TimeText = Type.String({
  minLength: 1,
  maxLength: 40,
  description:
    "ISO 8601 with an offset (that instant), without one (wall-clock time in the person's zone), or HH:MM on `date`.",
});
const Label = Type.String({
  maxLength: 40,
  description: 'As displayed ("Approved") or stored ("approved").',
});

export const PersonRef = Type.Object({
  id: Type.Integer(),
  username: Type.String(),
  full_name: Type.String(),
});
export const NamedRef = Type.Object({ id: Type.Integer(), name: Type.String() });

// v1: the Broadcast Management System contract.

export const TimeEntryV1 = Type.Object(
  {
    id: Type.Integer(),
    user: Nullable(ProfileV1),
    date: DateOnly,
    clock_in: Nullable(DateTime),
    clock_out: Nullable(DateTime),
    break_start: Nullable(DateTime),
    break_end: Nullable(DateTime),
    total_hours: Nullable(
      Type.Number({ description: 'Worked hours, breaks deducted; computed by the server.' }),
    ),
    location: Nullable(LocationV1),
    shift: Nullable(ShiftV1),
    notes: Type.String(),
    status: Type.Union(['Pending', 'Approved', 'Rejected'].map((value) => Type.Literal(value))),
    approved_by: Nullable(ProfileV1),
    approved_at: Nullable(DateTime),
    version: Type.Integer(),
    created_at: DateTime,
    updated_at: DateTime,
  },
  { title: 'TimeEntryV1' },
);

/**
 * v1 writes, lenient like DRF. Without `clock_in` a POST clocks the caller in now;
 * with it, it is a manual entry. `total_hours`, `approved_by` and `approved_at` are
 * ignored: the server computes and records them.
 */
export const TimeEntryV1Body = Type.Object(
  {
    user: Type.Optional(RelationInput),
    user_id: Type.Optional(Nullable(Id)),
    date: Type.Optional(Nullable(DateOnly)),
    clock_in: Type.Optional(Nullable(TimeText)),
    clock_out: Type.Optional(Nullable(TimeText)),
    break_start: Type.Optional(Nullable(TimeText)),
    break_end: Type.Optional(Nullable(TimeText)),
    location: Type.Optional(RelationInput),
    location_id: Type.Optional(Nullable(Id)),
    shift: Type.Optional(RelationInput),
    shift_id: Type.Optional(Nullable(Id)),
    notes: Type.Optional(Nullable(Text(5000))),
    status: Type.Optional(Label),
    version: Type.Optional(Version),
  },
  { additionalProperties: true },
);
export type TimeEntryV1Body = Static<typeof TimeEntryV1Body>;

// v2

const BreakV2 = Type.Object({ id: Type.Integer(), start: DateTime, end: Nullable(DateTime) });

export const TimeEntryV2 = Type.Object(
  {
    id: Type.Integer(),
    user: Nullable(PersonRef),
    date: DateOnly,
    time_zone: Type.String(),
    clock_in: DateTime,
    clock_out: Nullable(DateTime),
    breaks: Type.Array(BreakV2),
    break_minutes: Type.Integer(),
    worked_minutes: Nullable(Type.Integer()),
    total_hours: Nullable(Type.Number()),
    location: Nullable(NamedRef),
    shift: Nullable(NamedRef),
    notes: Type.String(),
    status: Type.Union(['pending', 'approved', 'rejected'].map((value) => Type.Literal(value))),
    approved_by: Nullable(PersonRef),
    approved_at: Nullable(DateTime),
    locked: Type.Boolean({ description: 'Its week is approved: it cannot change.' }),
    version: Type.Integer(),
    created_at: DateTime,
    updated_at: DateTime,
  },
  { title: 'TimeEntryV2' },
);

const Subject = Type.Optional(Id);
const At = Type.Optional(TimeText);

export const ClockInBody = Type.Object(
  {
    user_id: Subject,
    at: At,
    location_id: Type.Optional(Nullable(Id)),
    shift_id: Type.Optional(Nullable(Id)),
    notes: Type.Optional(Text(5000)),
  },
  { additionalProperties: false },
);
export const BreakBody = Type.Object({ user_id: Subject, at: At }, { additionalProperties: false });
export const ClockOutBody = Type.Object(
  { user_id: Subject, at: At, notes: Type.Optional(Text(5000)) },
  { additionalProperties: false },
);

const entryFields = {
  date: DateOnly,
  clock_in: TimeText,
  clock_out: Nullable(TimeText),
  breaks: Type.Array(
    Type.Object({ start: TimeText, end: Nullable(TimeText) }, { additionalProperties: false }),
    {
      maxItems: 20,
    },
  ),
  location_id: Nullable(Id),
  shift_id: Nullable(Id),
  notes: Text(5000),
};

export const TimeEntryCreateBody = Type.Object(
  { ...Type.Partial(Type.Object(entryFields)).properties, user_id: Subject, clock_in: TimeText },
  { additionalProperties: false },
);
export type TimeEntryCreateBody = Static<typeof TimeEntryCreateBody>;

export const TimeEntryUpdateBody = Type.Partial(Type.Object(entryFields), { additionalProperties: false });
export type TimeEntryUpdateBody = Static<typeof TimeEntryUpdateBody>;

export const TimesheetParams = Type.Object({ userId: Id, weekStart: DateOnly });

export const TimesheetQuery = Type.Object(
  {
    format: Type.Optional(
      Type.Union([Type.Literal('json'), Type.Literal('csv')], { description: 'csv: one row per entry.' }),
    ),
  },
  { additionalProperties: false },
);

export const TimesheetV2 = Type.Object(
  {
    user: PersonRef,
    week_start: DateOnly,
    week_end: DateOnly,
    days: Type.Array(Type.Object({ date: DateOnly, minutes: Type.Integer(), hours: Type.Number() })),
    total_minutes: Type.Integer(),
    total_hours: Type.Number(),
    threshold_minutes: Type.Integer(),
    overtime_minutes: Type.Integer(),
    overtime_hours: Type.Number(),
    approved: Type.Boolean(),
    approved_by: Nullable(PersonRef),
    approved_at: Nullable(DateTime),
    entries: Type.Array(TimeEntryV2),
  },
  { title: 'TimesheetV2' },
);
