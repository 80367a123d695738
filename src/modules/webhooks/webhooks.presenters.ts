import type { Static } from '@sinclair/typebox';
import { messageIdOf } from './webhooks.delivery.ts';
import type { AttemptV2, DeliveryV2, EndpointV2 } from './webhooks.schemas.ts';
import type { WebhookAttempt, WebhookDelivery, WebhookEndpoint } from './webhooks.tables.ts';

const iso = (date: Date | null) => (date ? date.toISOString() : null);

export const presentEndpointV2 = (endpoint: WebhookEndpoint): Static<typeof EndpointV2> => ({
  id: endpoint.id,
  url: endpoint.url,
  description: endpoint.description,
  event_types: endpoint.eventTypes,
  enabled: endpoint.enabled,
  disabled_reason: endpoint.disabledReason,
  failing_since: iso(endpoint.failingSince),
  previous_secret_expires_at: iso(endpoint.previousSecretExpiresAt),
  version: endpoint.version,
  created_at: endpoint.createdAt.toISOString(),
  updated_at: endpoint.updatedAt.toISOString(),
});

export const presentDeliveryV2 = (delivery: WebhookDelivery): Static<typeof DeliveryV2> => ({
  id: delivery.id,
  endpoint_id: delivery.endpointId,
  event_id: delivery.eventId,
  event_type: delivery.eventType,
  message_id: messageIdOf(delivery.eventId),
  subject: delivery.lane,
  status: delivery.status,
  attempts: delivery.attempts,
  next_attempt_at:
    delivery.status === 'pending' || delivery.status === 'retrying'
      ? delivery.nextAttemptAt.toISOString()
      : null,
  last_status_code: delivery.lastStatusCode,
  last_error: delivery.lastError,
  delivered_at: iso(delivery.deliveredAt),
  created_at: delivery.createdAt.toISOString(),
});

export const presentAttemptV2 = (attempt: WebhookAttempt): Static<typeof AttemptV2> => ({
  id: attempt.id,
  started_at: attempt.startedAt.toISOString(),
  duration_ms: attempt.durationMs,
  status_code: attempt.statusCode,
  succeeded: attempt.succeeded,
  response_excerpt: attempt.responseExcerpt,
  error: attempt.error,
});
