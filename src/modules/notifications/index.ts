/**
 * Notifications: a person's inbox of things that happened to them (assigned a ticket,
 * an SLA at risk), each with an e-mail copy held until the person's working hours
 * unless urgent. Other modules call `notify(tx, ...)` inside their own transaction:
 * rows and e-mail jobs then exist exactly when that transaction commits. People read
 * and clear their own through `/api/v2/notifications`. Staff also compose e-mail
 * (`POST /api/send-email/`, `/api/v2/emails`), queued and sent by the worker.
 */
export {
  createNotificationsService,
  type NotificationsDeps,
  type NotificationsService,
  type NotifyInput,
} from './notifications.service.ts';
export {
  createNotificationsJobs,
  SEND_COMPOSED_EMAIL,
  SEND_EMAIL,
  type NotificationsJobsDeps,
} from './notifications.jobs.ts';
export { mailPermissions, notificationsPermissions } from './notifications.policy.ts';
export {
  createComposedMailService,
  type ComposedEmail,
  type ComposedMailService,
} from './notifications.mail.ts';
export {
  mailRateLimit,
  mailRoutesV1,
  mailRoutesV2,
  type MailRateLimit,
  type MailRouteOptions,
} from './notifications.mail.routes.ts';
export { notificationsRoutesV2, type NotificationsRouteOptions } from './notifications.routes.ts';
export { presentNotificationV2 } from './notifications.presenters.ts';
export { notificationsEvents, notificationsEventVisibility } from './notifications.events.ts';
export { NotificationV2 } from './notifications.schemas.ts';
export type { EmailState, Notification } from './notifications.tables.ts';
