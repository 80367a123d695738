import { Type, type Static } from '@sinclair/typebox';
import { DateOnly, DateTime, Nullable, RelationInput, Version } from '../../platform/http/schemas.ts';
import { SecondFactorFields } from './identity.schemas.mfa.ts';

const Role = Type.Union([
  Type.Literal('admin'),
  Type.Literal('manager'),
  Type.Literal('agent'),
  Type.Literal('viewer'),
]);
const Username = Type.String({ minLength: 1, maxLength: 150, pattern: '^[\\w.@+-]+$' });
const Email = Type.String({ maxLength: 254, format: 'email' });
const Password = Type.String({ minLength: 8, maxLength: 200 });
const Text = (max: number) => Type.String({ maxLength: max });

// v1: the Broadcast Management System contract.

export const UserV1 = Type.Object(
  {
    id: Type.Integer(),
    username: Type.String(),
    email: Type.String(),
    first_name: Type.String(),
    last_name: Type.String(),
    is_staff: Type.Boolean(),
    is_active: Type.Boolean(),
    date_joined: DateTime,
    last_login: Nullable(DateTime),
  },
  { title: 'UserV1' },
);

export const ProfileV1 = Type.Object(
  {
    id: Type.Integer(),
    user: UserV1,
    full_name: Type.String(),
    email: Type.String(),
    phone: Nullable(Type.String()),
    position: Nullable(Type.String()),
    department: Nullable(Type.String()),
    start_date: Nullable(DateOnly),
    status: Type.Union([Type.Literal('Active'), Type.Literal('Inactive')]),
    version: Type.Integer(),
    created_at: DateTime,
    updated_at: DateTime,
  },
  { title: 'ProfileV1' },
);

export const LoginBody = Type.Object(
  {
    username: Type.Optional(Type.String({ maxLength: 200 })),
    password: Type.Optional(Type.String({ maxLength: 200 })),
    ...SecondFactorFields,
  },
  { additionalProperties: true },
);

/** v1 profile writes: lenient like DRF (unknown and read-only fields are ignored). */
export const ProfileV1Body = Type.Object(
  {
    user: Type.Optional(RelationInput),
    username: Type.Optional(Username),
    password: Type.Optional(Password),
    full_name: Type.Optional(Text(300)),
    first_name: Type.Optional(Text(150)),
    last_name: Type.Optional(Text(150)),
    email: Type.Optional(Type.Union([Email, Type.Literal('')])),
    phone: Type.Optional(Nullable(Text(50))),
    position: Type.Optional(Nullable(Text(150))),
    department: Type.Optional(Nullable(Type.Union([Text(150), Type.Integer({ minimum: 1 })]))),
    department_id: Type.Optional(Nullable(Type.Integer({ minimum: 1 }))),
    start_date: Type.Optional(Nullable(DateOnly)),
    status: Type.Optional(Type.Union([Type.Literal('Active'), Type.Literal('Inactive')])),
    role: Type.Optional(Role),
    version: Type.Optional(Version),
  },
  { additionalProperties: true },
);
export type ProfileV1Body = Static<typeof ProfileV1Body>;

// v2

export const Department = Type.Object(
  {
    id: Type.Integer(),
    name: Type.String(),
    description: Type.String(),
    created_at: DateTime,
    version: Type.Integer(),
  },
  { title: 'Department' },
);

export const DepartmentBody = Type.Object(
  { name: Type.String({ minLength: 1, maxLength: 150 }), description: Type.Optional(Text(2000)) },
  { additionalProperties: false },
);

export const UserV2 = Type.Object(
  {
    id: Type.Integer(),
    username: Type.String(),
    email: Type.String(),
    first_name: Type.String(),
    last_name: Type.String(),
    full_name: Type.String(),
    role: Role,
    department: Nullable(Type.Object({ id: Type.Integer(), name: Type.String() })),
    time_zone: Type.String(),
    is_active: Type.Boolean(),
    is_staff: Type.Boolean(),
    phone: Nullable(Type.String()),
    position: Nullable(Type.String()),
    start_date: Nullable(DateOnly),
    date_joined: DateTime,
    last_login: Nullable(DateTime),
    version: Type.Integer(),
  },
  { title: 'UserV2' },
);

const userFields = {
  email: Email,
  password: Password,
  first_name: Text(150),
  last_name: Text(150),
  role: Role,
  department_id: Nullable(Type.Integer({ minimum: 1 })),
  time_zone: Type.String({ minLength: 1, maxLength: 64, description: 'IANA zone, e.g. Europe/Berlin.' }),
  is_active: Type.Boolean(),
  is_staff: Type.Boolean(),
  phone: Nullable(Text(50)),
  position: Nullable(Text(150)),
  start_date: Nullable(DateOnly),
};

export const UserCreateBody = Type.Object(
  { username: Type.Optional(Username), ...Type.Partial(Type.Object(userFields)).properties, email: Email },
  { additionalProperties: false },
);
export type UserCreateBody = Static<typeof UserCreateBody>;

export const UserUpdateBody = Type.Partial(Type.Object({ username: Username, ...userFields }), {
  additionalProperties: false,
});
export type UserUpdateBody = Static<typeof UserUpdateBody>;

export const TokenV2 = Type.Object(
  {
    id: Type.Integer(),
    name: Type.String(),
    prefix: Type.String({ description: 'The first characters of the token, to tell tokens apart.' }),
    created_at: DateTime,
    last_used_at: Nullable(DateTime),
    expires_at: Nullable(DateTime),
  },
  { title: 'Token' },
);

export const TokenCreated = Type.Object({
  ...TokenV2.properties,
  token: Type.String({ description: 'The secret. Shown once; send it as "Authorization: Bearer <token>".' }),
});

export const TokenCreateBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 100 }),
    expires_at: Type.Optional(DateTime),
  },
  { additionalProperties: false },
);

export const CsrfResponse = Type.Object({ csrfToken: Type.String() });
