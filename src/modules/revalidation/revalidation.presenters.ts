import type { Static } from '@sinclair/typebox';
import { messageIdOf } from './revalidation.delivery.ts';
import type { RevalidationDeliveryV2, TargetV2 } from './revalidation.schemas.ts';
import type { RevalidationDelivery, RevalidationTarget } from './revalidation.tables.ts';

export const presentTargetV2 = (target: RevalidationTarget): Static<typeof TargetV2> => ({
  id: target.id,
  url: target.url,
  description: target.description,
  enabled: target.enabled,
  version: target.version,
  created_at: target.createdAt.toISOString(),
  updated_at: target.updatedAt.toISOString(),
});

export const presentDeliveryV2 = (delivery: RevalidationDelivery): Static<typeof RevalidationDeliveryV2> => ({
  id: delivery.id,
  target_id: delivery.targetId,
  message_id: messageIdOf(delivery),
  first_event_id: delivery.firstEventId,
  last_event_id: delivery.lastEventId,
  tags: delivery.tags,
  status: delivery.status,
  attempts: delivery.attempts,
  last_status_code: delivery.lastStatusCode,
  last_error: delivery.lastError,
  delivered_at: delivery.deliveredAt ? delivery.deliveredAt.toISOString() : null,
  created_at: delivery.createdAt.toISOString(),
  updated_at: delivery.updatedAt.toISOString(),
});
