import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { DateTime, Nullable } from '../../platform/http/schemas.ts';
import { ISO_WEEKDAYS, MAX_INTERVALS_PER_DAY } from './calendars.weekly.ts';

const Name = Type.String({ minLength: 1, maxLength: 200 });
const Description = Type.String({ maxLength: 2000 });
const TimeZone = Type.String({ minLength: 1, maxLength: 64, description: 'IANA zone, e.g. Europe/Berlin.' });
// Times are checked by the service, whose messages say what is wrong (bad format, overlap).
const WorkInterval = Type.Object(
  {
    start: Type.String({ maxLength: 16, description: 'HH:MM, local wall-clock time.' }),
    end: Type.String({
      maxLength: 16,
      description: 'HH:MM; at or before start means the interval runs into the next day.',
    }),
  },
  { additionalProperties: false },
);
const Day = Type.Array(WorkInterval, { maxItems: MAX_INTERVALS_PER_DAY });
const weekdayMap = <T extends TSchema>(schema: T) =>
  Object.fromEntries(ISO_WEEKDAYS.map((day) => [day, schema]));

const weeklyDescription =
  'Opening hours per ISO weekday, "1" (Monday) to "7" (Sunday): half-open [start, end) intervals in the ' +
  "calendar's zone. An interval ending at or before its start runs overnight and belongs to the day it starts on.";

export const WeeklyV2 = Type.Object(weekdayMap(Day), { description: weeklyDescription });
const WeeklyInput = Type.Object(weekdayMap(Type.Optional(Day)), {
  additionalProperties: false,
  description: `${weeklyDescription} Replaces the whole week; weekdays left out are closed.`,
});

export const CalendarV2 = Type.Object(
  {
    id: Type.Integer(),
    name: Type.String(),
    description: Type.String(),
    time_zone: Type.String(),
    weekly: WeeklyV2,
    version: Type.Integer({ description: 'Bumped by every change, holidays and closures included.' }),
    created_at: DateTime,
    updated_at: DateTime,
  },
  { title: 'BusinessCalendarV2' },
);

export const CalendarCreateBody = Type.Object(
  {
    name: Name,
    description: Type.Optional(Description),
    time_zone: Type.Optional(TimeZone),
    weekly: WeeklyInput,
  },
  { additionalProperties: false },
);
export const CalendarUpdateBody = Type.Partial(
  Type.Object({ name: Name, description: Description, time_zone: TimeZone, weekly: WeeklyInput }),
  { additionalProperties: false },
);
export type CalendarUpdateBody = Static<typeof CalendarUpdateBody>;

const Kind = Type.Union([Type.Literal('holiday'), Type.Literal('closure')]);
const Instant = (description: string) =>
  Type.String({
    maxLength: 64,
    description: `${description} ISO 8601; without an offset it is read in the calendar's zone.`,
  });
/** An instant as the API shows it: with the offset of the calendar's zone, and in UTC. */
const Zoned = Nullable(Type.String({ description: "ISO 8601 with the offset of the calendar's zone." }));
const Utc = Nullable(Type.String({ description: 'The same instant in UTC.' }));

export const ClosureV2 = Type.Object(
  {
    id: Type.Integer(),
    calendar_id: Type.Integer(),
    kind: Kind,
    name: Type.String(),
    date: Nullable(Type.String({ description: 'Holidays: the local date, YYYY-MM-DD.' })),
    starts_at: Zoned,
    starts_at_utc: Utc,
    ends_at: Zoned,
    ends_at_utc: Utc,
    source: Type.Union([Type.Literal('manual'), Type.Literal('ical')]),
    uid: Nullable(Type.String({ description: 'The iCalendar UID of an imported row.' })),
    created_at: DateTime,
  },
  { title: 'CalendarClosureV2' },
);

export const ClosureCreateBody = Type.Object(
  {
    kind: Kind,
    name: Type.Optional(Type.String({ maxLength: 200 })),
    date: Type.Optional(Type.String({ maxLength: 10, description: 'Holidays only: YYYY-MM-DD.' })),
    starts_at: Type.Optional(Instant('Closures only: the first closed instant.')),
    ends_at: Type.Optional(Instant('Closures only: the end of the closure (exclusive).')),
  },
  { additionalProperties: false },
);

export const ClosureParams = Type.Object({
  id: Type.Integer({ minimum: 1, maximum: 2_147_483_647 }),
  closureId: Type.Integer({ minimum: 1, maximum: 2_147_483_647 }),
});

export const ImportResultV2 = Type.Object(
  {
    calendar_id: Type.Integer(),
    calendar_version: Type.Integer(),
    created: Type.Integer({ description: 'Events (UIDs) imported for the first time.' }),
    updated: Type.Integer({ description: 'Events imported before whose rows changed and were replaced.' }),
    unchanged: Type.Integer({ description: 'Events imported before as they are now; nothing written.' }),
    holidays: Type.Integer({ description: 'Holiday rows written.' }),
    closures: Type.Integer({ description: 'Closure rows written.' }),
    skipped: Type.Array(Type.Object({ uid: Type.String(), summary: Type.String(), reason: Type.String() })),
  },
  { title: 'CalendarImportResultV2' },
);

// Computations

const At = Type.Optional(Instant('The instant; default now.'));
export const AtQuery = Type.Object({ at: At }, { additionalProperties: false });
export const AddQuery = Type.Object(
  {
    from: Type.Optional(Instant('Start; default now.')),
    duration: Type.String({
      maxLength: 64,
      description:
        'ISO 8601 duration in hours, minutes and seconds (PT4H, PT1H30M); negative (-PT2H) subtracts.',
    }),
  },
  { additionalProperties: false },
);
export const BetweenQuery = Type.Object(
  { from: Instant('Start.'), to: Instant('End (exclusive).') },
  { additionalProperties: false },
);

const zoned = { time_zone: Type.String() };
export const IsOpenV2 = Type.Object({
  ...zoned,
  at: Type.String(),
  at_utc: Type.String(),
  open: Type.Boolean(),
});
export const NextOpeningV2 = Type.Object({
  ...zoned,
  from: Type.String(),
  from_utc: Type.String(),
  at: Zoned,
  at_utc: Utc,
});
const DurationFields = {
  duration: Type.String({ description: 'ISO 8601, hours, minutes and seconds.' }),
  duration_ms: Type.Integer(),
};
export const AddV2 = Type.Object({
  ...zoned,
  from: Type.String(),
  from_utc: Type.String(),
  ...DurationFields,
  at: Type.String(),
  at_utc: Type.String(),
});
export const BetweenV2 = Type.Object({
  ...zoned,
  from: Type.String(),
  from_utc: Type.String(),
  to: Type.String(),
  to_utc: Type.String(),
  ...DurationFields,
});
