import { Type, type Static } from '@sinclair/typebox';
import { DateTime, Nullable } from '../../platform/http/schemas.ts';

const Url = Type.String({ minLength: 1, maxLength: 2000, description: 'http(s) URL that receives POSTs.' });
const EventTypes = Type.Array(Type.String({ maxLength: 100 }), {
  maxItems: 100,
  description: 'Event types to receive (docs/events.md); empty: every type.',
});

export const EndpointV2 = Type.Object(
  {
    id: Type.Integer(),
    url: Type.String(),
    description: Type.String(),
    event_types: Type.Array(Type.String()),
    enabled: Type.Boolean(),
    disabled_reason: Nullable(Type.String()),
    failing_since: Nullable(DateTime),
    previous_secret_expires_at: Nullable(DateTime),
    version: Type.Integer(),
    created_at: DateTime,
    updated_at: DateTime,
  },
  { title: 'WebhookEndpointV2' },
);

export const EndpointWithSecretV2 = Type.Composite(
  [
    EndpointV2,
    Type.Object({ secret: Type.String({ description: 'whsec_…; shown only in this response.' }) }),
  ],
  { title: 'WebhookEndpointWithSecretV2' },
);

export const EndpointCreateBody = Type.Object(
  {
    url: Url,
    description: Type.Optional(Type.String({ maxLength: 500 })),
    event_types: Type.Optional(EventTypes),
    enabled: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export type EndpointCreateBody = Static<typeof EndpointCreateBody>;

export const EndpointUpdateBody = Type.Partial(EndpointCreateBody, { additionalProperties: false });
export type EndpointUpdateBody = Static<typeof EndpointUpdateBody>;

const Status = Type.Union([
  Type.Literal('pending'),
  Type.Literal('retrying'),
  Type.Literal('succeeded'),
  Type.Literal('dead'),
]);

export const DeliveryV2 = Type.Object(
  {
    id: Type.Integer(),
    endpoint_id: Type.Integer(),
    event_id: Type.Integer(),
    event_type: Type.String(),
    message_id: Type.String({ description: 'The webhook-id header it is sent with.' }),
    subject: Type.String(),
    status: Status,
    attempts: Type.Integer(),
    next_attempt_at: Nullable(DateTime),
    last_status_code: Nullable(Type.Integer()),
    last_error: Nullable(Type.String()),
    delivered_at: Nullable(DateTime),
    created_at: DateTime,
  },
  { title: 'WebhookDeliveryV2' },
);

export const AttemptV2 = Type.Object(
  {
    id: Type.Integer(),
    started_at: DateTime,
    duration_ms: Type.Integer(),
    status_code: Nullable(Type.Integer()),
    succeeded: Type.Boolean(),
    response_excerpt: Type.String(),
    error: Nullable(Type.String()),
  },
  { title: 'WebhookAttemptV2' },
);

export const DeliveryDetailV2 = Type.Composite(
  [DeliveryV2, Type.Object({ attempt_log: Type.Array(AttemptV2) })],
  {
    title: 'WebhookDeliveryDetailV2',
  },
);

export const DeliveryParams = Type.Object({
  id: Type.Integer({ minimum: 1, maximum: 2_147_483_647 }),
  deliveryId: Type.Integer({ minimum: 1 }),
});

export const BulkReplayBody = Type.Object(
  {
    statuses: Type.Optional(Type.Array(Status, { minItems: 1, description: 'Default: retrying and dead.' })),
    from: Type.Optional(DateTime),
    to: Type.Optional(DateTime),
  },
  { additionalProperties: false },
);
export type BulkReplayBody = Static<typeof BulkReplayBody>;

export const ReplayedV2 = Type.Object({ replayed: Type.Integer() }, { title: 'WebhookReplayedV2' });

export const PingV2 = Type.Object(
  {
    succeeded: Type.Boolean(),
    status_code: Nullable(Type.Integer()),
    duration_ms: Type.Integer(),
    response_excerpt: Type.String(),
    error: Nullable(Type.String()),
  },
  { title: 'WebhookPingV2' },
);
