import { Type } from '@sinclair/typebox';
import type { Executor } from '../../platform/db/client.ts';
import { defineEvent, recordEvent } from '../../platform/events/index.ts';
import { concerns, visibleBy, type EventVisibilityRules } from '../../platform/realtime/index.ts';
import { presentNotificationV2 } from './notifications.presenters.ts';
import { NotificationV2 } from './notifications.schemas.ts';
import type { Notification } from './notifications.tables.ts';

export const notificationCreated = defineEvent({
  type: 'notification.created',
  subject: 'notification',
  description: "A notification arrived in a person's inbox (the live push of the inbox).",
  // The inbox row as GET /notifications shows it (its properties: the titled schema is the route's component).
  payload: Type.Object({ notification: Type.Object(NotificationV2.properties) }),
  audience: 'all',
  visibility:
    "its recipient only (admins included: nobody reads another person's inbox); never sent to webhooks",
  personal: true,
});

/** The notifications module's event types, for the catalogue. */
export const notificationsEvents = [notificationCreated];

/** One event per new inbox row, in the transaction that wrote them. */
export async function recordNotifications(tx: Executor, rows: readonly Notification[]): Promise<void> {
  for (const row of rows) {
    await recordEvent(tx, undefined, notificationCreated, {
      subjectId: row.id,
      scope: { userIds: [row.userId] },
      payload: { notification: presentNotificationV2(row) },
    });
  }
}

/** Only the recipient sees a notification, as only they read their inbox. */
export const notificationsEventVisibility = (): EventVisibilityRules =>
  visibleBy(notificationsEvents, (actor, event) => concerns(actor, event));
