import { Type, type Static } from '@sinclair/typebox';
import { DateTime, Nullable } from '../../platform/http/schemas.ts';

export const TargetV2 = Type.Object(
  {
    id: Type.Integer(),
    url: Type.String(),
    description: Type.String(),
    enabled: Type.Boolean(),
    version: Type.Integer(),
    created_at: DateTime,
    updated_at: DateTime,
  },
  { title: 'RevalidationTargetV2' },
);

export const TargetWithSecretV2 = Type.Composite(
  [
    TargetV2,
    Type.Object({
      secret: Type.String({
        description: 'What the frontend checks (its REVALIDATE_SECRET); shown only in this response.',
      }),
    }),
  ],
  { title: 'RevalidationTargetWithSecretV2' },
);

export const TargetCreateBody = Type.Object(
  {
    url: Type.String({
      minLength: 1,
      maxLength: 2000,
      description: "http(s) URL of the frontend's revalidation route (app/api/revalidate).",
    }),
    description: Type.Optional(Type.String({ maxLength: 500 })),
    enabled: Type.Optional(Type.Boolean()),
    secret: Type.Optional(
      Type.String({
        minLength: 16,
        maxLength: 200,
        description:
          'The secret the frontend checks (sent as `Authorization: Bearer` and as the Standard Webhooks signing key); none given: one is made.',
      }),
    ),
  },
  { additionalProperties: false, title: 'RevalidationTargetCreate' },
);
export type TargetCreateBody = Static<typeof TargetCreateBody>;

export const TargetUpdateBody = Type.Partial(TargetCreateBody, {
  additionalProperties: false,
  title: 'RevalidationTargetUpdate',
});
export type TargetUpdateBody = Static<typeof TargetUpdateBody>;

export const RevalidationDeliveryV2 = Type.Object(
  {
    id: Type.Integer(),
    target_id: Type.Integer(),
    message_id: Type.String({ description: 'The `webhook-id` header of every attempt.' }),
    first_event_id: Type.Integer(),
    last_event_id: Type.Integer(),
    tags: Type.Array(Type.String()),
    status: Type.Union([
      Type.Literal('pending'),
      Type.Literal('retrying'),
      Type.Literal('succeeded'),
      Type.Literal('dead'),
    ]),
    attempts: Type.Integer(),
    last_status_code: Nullable(Type.Integer()),
    last_error: Nullable(Type.String()),
    delivered_at: Nullable(DateTime),
    created_at: DateTime,
    updated_at: DateTime,
  },
  { title: 'RevalidationDeliveryV2' },
);

export const DeliveryParams = Type.Object({
  id: Type.Integer({ minimum: 1, maximum: 2_147_483_647 }),
  deliveryId: Type.Integer({ minimum: 1 }),
});
