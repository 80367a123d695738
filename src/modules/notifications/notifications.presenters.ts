import type { Static } from '@sinclair/typebox';
import type { NotificationV2 } from './notifications.schemas.ts';
import type { Notification } from './notifications.tables.ts';

export const presentNotificationV2 = (notification: Notification): Static<typeof NotificationV2> => ({
  id: notification.id,
  kind: notification.kind,
  title: notification.title,
  body: notification.body,
  ticket_id: notification.ticketId,
  data: notification.data as Record<string, unknown>,
  read: notification.readAt !== null,
  read_at: notification.readAt?.toISOString() ?? null,
  email_state: notification.emailState,
  email_at: notification.emailAt?.toISOString() ?? null,
  created_at: notification.createdAt.toISOString(),
});
