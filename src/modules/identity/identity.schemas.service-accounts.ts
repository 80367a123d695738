import { Type } from '@sinclair/typebox';
import { ROLES } from '../../platform/auth/actor.ts';
import { DateTime, Nullable, Version } from '../../platform/http/schemas.ts';

const Role = Type.Union(
  ROLES.map((role) => Type.Literal(role)),
  { description: 'The permissions of the account; each key is limited further by its scopes.' },
);

export const ServiceAccountV2 = Type.Object(
  {
    id: Type.Integer({ description: 'The user id of the account (its actor id in audit entries).' }),
    name: Type.String(),
    description: Type.String(),
    role: Role,
    department: Nullable(Type.Object({ id: Type.Integer(), name: Type.String() })),
    is_active: Type.Boolean(),
    created_at: DateTime,
    version: Version,
  },
  { title: 'ServiceAccount' },
);

export const ServiceAccountCreateBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 150, pattern: '^[\\w.@+-]+$' }),
    description: Type.Optional(Type.String({ maxLength: 500 })),
    role: Type.Optional(Role),
    department_id: Type.Optional(Nullable(Type.Integer({ minimum: 1 }))),
  },
  { additionalProperties: false },
);

export const ServiceAccountKeyParams = Type.Object({
  id: Type.Integer({ minimum: 1, maximum: 2_147_483_647 }),
  keyId: Type.Integer({ minimum: 1, maximum: 2_147_483_647 }),
});

export const ApiKeyV2 = Type.Object(
  {
    id: Type.Integer(),
    name: Type.String(),
    prefix: Type.String({ description: 'The first characters of the key, to tell keys apart.' }),
    scopes: Type.Array(Type.String()),
    rate_limit_per_minute: Nullable(Type.Integer({ description: 'Null: the configured default.' })),
    created_at: DateTime,
    last_used_at: Nullable(DateTime),
    last_used_ip: Nullable(Type.String()),
    expires_at: Nullable(DateTime),
  },
  { title: 'ApiKey' },
);

export const ApiKeyCreated = Type.Object({
  ...ApiKeyV2.properties,
  key: Type.String({ description: 'The secret. Shown once; send it as "X-API-Key: <key>".' }),
});

export const ApiKeyCreateBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 100 }),
    scopes: Type.Array(Type.String({ minLength: 1, maxLength: 100 }), {
      minItems: 1,
      maxItems: 200,
      uniqueItems: true,
      description: 'Permission names, e.g. "tickets:read"; an unknown one is refused with the valid list.',
    }),
    expires_at: Type.Optional(DateTime),
    rate_limit_per_minute: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000 })),
  },
  { additionalProperties: false },
);
