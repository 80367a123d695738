import { Type } from '@sinclair/typebox';
import type { Database } from '../../platform/db/client.ts';
import { defineJob, type JobShape } from '../../platform/jobs/define-job.ts';
import type { Mailer } from '../../platform/mail/index.ts';
import type { IdentityService } from '../identity/index.ts';
import * as repository from './notifications.repository.ts';
import type { Notification } from './notifications.tables.ts';

/** The e-mail copy of one notification; what `notify` enqueues (the handler lives in the worker). */
export const SEND_EMAIL = {
  name: 'notifications.send-email',
  payload: Type.Object({ notification_id: Type.Integer() }),
  // graphile-worker backs off exponentially: ten attempts span about nine hours.
  maxAttempts: 10,
} satisfies JobShape;

/** A message a person composed (`POST /api/send-email/`): one message, every recipient in To. */
export const SEND_COMPOSED_EMAIL = {
  name: 'notifications.send-composed-email',
  payload: Type.Object({
    to: Type.Array(Type.String(), { minItems: 1 }),
    subject: Type.String(),
    message: Type.String(),
    html: Type.Optional(Type.String()),
    sent_by: Type.Integer(),
  }),
  maxAttempts: 10,
} satisfies JobShape;

export interface NotificationsJobsDeps {
  db: Database;
  identity: Pick<IdentityService, 'peopleByUserIds'>;
  mailer: Pick<Mailer, 'send'>;
}

const textOf = (notification: Notification): string =>
  notification.ticketId === null
    ? notification.body
    : `${notification.body}\n\nTicket: /api/v2/tickets/${notification.ticketId}\n`;

/**
 * The notifications module's jobs. `notifications.send-email` mails a notification to
 * its recipient and records the outcome in `email_state`: `sent`; `none` when the
 * person is gone, inactive or has no address (nothing to retry); `failed` once the
 * last attempt failed. Earlier failures rethrow so graphile-worker retries.
 * `notifications.send-composed-email` sends what a person composed, as queued; a
 * failure rethrows for the retries, and the mail goes at least once.
 */
export function createNotificationsJobs({ db, identity, mailer }: NotificationsJobsDeps) {
  return [
    defineJob({
      ...SEND_EMAIL,
      async handler({ notification_id: id }, { attempt, log }) {
        const notification = await repository.notificationById(db, id);
        if (notification?.emailState !== 'scheduled') {
          log('no e-mail to send', { notification_id: id, email_state: notification?.emailState ?? null });
          return;
        }
        const [person] = await identity.peopleByUserIds([notification.userId]);
        const address = person?.user.isActive ? person.user.email.trim() : '';
        if (!address) {
          await repository.setEmailState(db, id, 'none');
          log('recipient is inactive or has no e-mail address; not sent', {
            notification_id: id,
            user_id: notification.userId,
          });
          return;
        }
        let messageId: string;
        try {
          ({ messageId } = await mailer.send({
            to: address,
            subject: notification.title,
            text: textOf(notification),
          }));
        } catch (error) {
          if (attempt >= SEND_EMAIL.maxAttempts) await repository.setEmailState(db, id, 'failed');
          throw error;
        }
        // Outside the try: a message the server accepted is never marked failed. Should this
        // update fail, the retry sends it again: e-mail is at least once.
        await repository.setEmailState(db, id, 'sent', new Date());
        log('e-mail sent', { notification_id: id, message_id: messageId });
      },
    }),
    defineJob({
      ...SEND_COMPOSED_EMAIL,
      async handler({ to, subject, message, html, sent_by: sentBy }, { log }) {
        const { messageId } = await mailer.send({
          to,
          subject,
          text: message,
          ...(html !== undefined && { html }),
        });
        log('composed e-mail sent', { sent_by: sentBy, recipients: to.length, message_id: messageId });
      },
    }),
  ];
}
