import { Type, type Static } from '@sinclair/typebox';
import { DateTime, Nullable, RelationInput, Version } from '../../platform/http/schemas.ts';

const Name = Type.String({ minLength: 1, maxLength: 200 });
const Text = (max: number) => Type.String({ maxLength: max });
const TimeZone = Type.String({ minLength: 1, maxLength: 64, description: 'IANA zone, e.g. Europe/Berlin.' });
const TimeOfDay = Type.String({
  pattern: '^([01]\\d|2[0-3]):[0-5]\\d(:[0-5]\\d)?$',
  description: 'HH:MM or HH:MM:SS; answered as HH:MM:SS.',
});
const ShiftTime = Nullable(Type.String({ description: 'HH:MM:SS' }));
const StatusV1 = Type.Union([Type.Literal('Active'), Type.Literal('Inactive')]);
const StatusV2 = Type.Union([Type.Literal('active'), Type.Literal('inactive')]);

// v1: the Broadcast Management System contract.

export const LocationV1 = Type.Object(
  {
    id: Type.Integer(),
    name: Type.String(),
    description: Type.String(),
    address: Type.String(),
    time_zone: Type.String(),
    version: Type.Integer(),
    created_at: DateTime,
  },
  { title: 'LocationV1' },
);

export const FacilityV1 = Type.Object(
  {
    id: Type.Integer(),
    name: Type.String(),
    description: Type.String(),
    location: Nullable(LocationV1),
    status: StatusV1,
    version: Type.Integer(),
    created_at: DateTime,
    updated_at: DateTime,
  },
  { title: 'FacilityV1' },
);

export const ShiftV1 = Type.Object(
  {
    id: Type.Integer(),
    name: Type.String(),
    description: Type.String(),
    start_time: ShiftTime,
    end_time: ShiftTime,
    version: Type.Integer(),
    created_at: DateTime,
    updated_at: DateTime,
  },
  { title: 'ShiftV1' },
);

/** v1 writes are lenient like DRF: unknown and read-only fields are ignored, null text means empty. */
export const LocationV1Body = Type.Object(
  {
    name: Type.Optional(Name),
    description: Type.Optional(Nullable(Text(2000))),
    address: Type.Optional(Nullable(Text(500))),
    time_zone: Type.Optional(TimeZone),
    version: Type.Optional(Version),
  },
  { additionalProperties: true },
);
export type LocationV1Body = Static<typeof LocationV1Body>;

export const FacilityV1Body = Type.Object(
  {
    name: Type.Optional(Name),
    description: Type.Optional(Nullable(Text(2000))),
    location: Type.Optional(RelationInput),
    location_id: Type.Optional(Nullable(Type.Integer({ minimum: 1 }))),
    status: Type.Optional(StatusV1),
    version: Type.Optional(Version),
  },
  { additionalProperties: true },
);
export type FacilityV1Body = Static<typeof FacilityV1Body>;

/** Forms send "" for an empty time field; it means no time. */
const TimeOfDayV1 = Nullable(
  Type.String({
    pattern: '^(([01]\\d|2[0-3]):[0-5]\\d(:[0-5]\\d)?)?$',
    description: 'HH:MM or HH:MM:SS; "" or null for none.',
  }),
);

export const ShiftV1Body = Type.Object(
  {
    name: Type.Optional(Name),
    description: Type.Optional(Nullable(Text(2000))),
    start_time: Type.Optional(TimeOfDayV1),
    end_time: Type.Optional(TimeOfDayV1),
    version: Type.Optional(Version),
  },
  { additionalProperties: true },
);
export type ShiftV1Body = Static<typeof ShiftV1Body>;

// v2

export const LocationV2 = Type.Object(
  {
    id: Type.Integer(),
    name: Type.String(),
    description: Type.String(),
    address: Type.String(),
    time_zone: Type.String(),
    version: Type.Integer(),
    created_at: DateTime,
    updated_at: DateTime,
  },
  { title: 'LocationV2' },
);

export const FacilityV2 = Type.Object(
  {
    id: Type.Integer(),
    name: Type.String(),
    description: Type.String(),
    status: StatusV2,
    location_id: Nullable(Type.Integer()),
    location: Nullable(Type.Object({ id: Type.Integer(), name: Type.String() })),
    version: Type.Integer(),
    created_at: DateTime,
    updated_at: DateTime,
  },
  { title: 'FacilityV2' },
);

export const ShiftV2 = Type.Object(
  {
    id: Type.Integer(),
    name: Type.String(),
    description: Type.String(),
    start_time: ShiftTime,
    end_time: ShiftTime,
    version: Type.Integer(),
    created_at: DateTime,
    updated_at: DateTime,
  },
  { title: 'ShiftV2' },
);

const locationFields = { description: Text(2000), address: Text(500), time_zone: TimeZone };

export const LocationCreateBody = Type.Object(
  { name: Name, ...Type.Partial(Type.Object(locationFields)).properties },
  { additionalProperties: false },
);
export const LocationUpdateBody = Type.Partial(Type.Object({ name: Name, ...locationFields }), {
  additionalProperties: false,
});
export type LocationUpdateBody = Static<typeof LocationUpdateBody>;

const facilityFields = {
  description: Text(2000),
  location_id: Nullable(Type.Integer({ minimum: 1 })),
  status: StatusV2,
};

export const FacilityCreateBody = Type.Object(
  { name: Name, ...Type.Partial(Type.Object(facilityFields)).properties },
  { additionalProperties: false },
);
export const FacilityUpdateBody = Type.Partial(Type.Object({ name: Name, ...facilityFields }), {
  additionalProperties: false,
});
export type FacilityUpdateBody = Static<typeof FacilityUpdateBody>;

const shiftFields = {
  description: Text(2000),
  start_time: Nullable(TimeOfDay),
  end_time: Nullable(TimeOfDay),
};

export const ShiftCreateBody = Type.Object(
  { name: Name, ...Type.Partial(Type.Object(shiftFields)).properties },
  { additionalProperties: false },
);
export const ShiftUpdateBody = Type.Partial(Type.Object({ name: Name, ...shiftFields }), {
  additionalProperties: false,
});
export type ShiftUpdateBody = Static<typeof ShiftUpdateBody>;
