/**
 * Notifications: a person's inbox of things that happened to them (assigned a ticket,
 * an SLA at risk), each with an e-mail copy held until the person's working hours
 * unless urgent. Other modules call `notify(tx, ...)` inside their own transaction:
 * rows and e-mail jobs then exist exactly when that transaction commits. People read
 * and clear their own through `/api/v2/notifications`.
 */
export {
  createNotificationsService,
  type NotificationsDeps,
  type NotificationsService,
  type NotifyInput,
} from './notifications.service.ts';
export { createNotificationsJobs, SEND_EMAIL, type NotificationsJobsDeps } from './notifications.jobs.ts';
export { notificationsPermissions } from './notifications.policy.ts';
export { notificationsRoutesV2, type NotificationsRouteOptions } from './notifications.routes.ts';
export { presentNotificationV2 } from './notifications.presenters.ts';
export { NotificationV2 } from './notifications.schemas.ts';
export type { EmailState, Notification } from './notifications.tables.ts';
