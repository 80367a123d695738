import type { Actor, RequestContext } from '../../platform/auth/actor.ts';
import type { Database, Executor } from '../../platform/db/client.ts';
import { listing, listQueries, type Page } from '../../platform/db/list.ts';
import type { ListParams } from '../../platform/http/query.ts';
import { enqueue } from '../../platform/jobs/define-job.ts';
import type { BusinessCalendar } from '../calendars/index.ts';
import { notificationsErrors } from './notifications.errors.ts';
import { recordNotifications } from './notifications.events.ts';
import { SEND_EMAIL } from './notifications.jobs.ts';
import * as repository from './notifications.repository.ts';
import type { NewNotification, Notification } from './notifications.tables.ts';

export interface NotificationsDeps {
  db: Database;
  /**
   * The working hours of a person, read through `executor` (the caller's transaction
   * inside `notify`); null when they have none, and then e-mail goes at any time.
   */
  workingCalendarOf: (userId: number, executor: Executor) => Promise<BusinessCalendar | null>;
  /** The clock; tests pass a fixed one. */
  now?: () => Date;
}

/** What happened and to whom; see `notify`. */
export interface NotifyInput {
  userIds: number[];
  /** Dotted, `<module>.<what>`: `ticket.assigned`, `sla.breached`. */
  kind: string;
  title: string;
  body: string;
  ticketId?: number | null;
  data?: Record<string, unknown>;
  /** Mail at once even outside the recipient's working hours. */
  urgent?: boolean;
  /** Also send an e-mail copy (default true). */
  email?: boolean;
}

/**
 * In-app notifications with an e-mail copy that respects working hours. Other modules
 * call `notify` inside their own transaction; a person reads and clears their own.
 */
export function createNotificationsService({
  db,
  workingCalendarOf,
  now = () => new Date(),
}: NotificationsDeps) {
  const notificationListing = listing(
    repository.notificationList,
    listQueries(db, repository.listNotifications, repository.countNotifications),
  );

  /** When the e-mail to the person may go: now when urgent, else when their working hours next open. */
  async function mailableAt(tx: Executor, userId: number, at: Date, urgent: boolean): Promise<Date> {
    if (urgent) return at;
    const calendar = await workingCalendarOf(userId, tx);
    // A calendar that never opens (within the engine's horizon) must not swallow the mail.
    return calendar?.nextOpening(at) ?? at;
  }

  /** The rows (and e-mail jobs) of `inputs`, each input's distinct people in order, in one insert. */
  async function notifyEach(tx: Executor, inputs: readonly NotifyInput[]): Promise<Notification[]> {
    const at = now();
    const values: NewNotification[] = [];
    // One after the other: every read shares the caller's single connection anyway.
    for (const input of inputs) {
      const email = input.email ?? true;
      for (const userId of new Set(input.userIds)) {
        values.push({
          userId,
          kind: input.kind,
          title: input.title,
          body: input.body,
          ticketId: input.ticketId ?? null,
          data: input.data ?? {},
          emailState: email ? 'scheduled' : 'none',
          emailAt: email ? await mailableAt(tx, userId, at, input.urgent ?? false) : null,
        });
      }
    }
    if (values.length === 0) return [];
    // Ids are drawn in VALUES order; sorting by them restores it whatever RETURNING does.
    const rows = (await repository.insertNotifications(tx, values)).sort((a, b) => a.id - b.id);
    await recordNotifications(tx, rows);
    for (const row of rows) {
      if (row.emailState !== 'scheduled') continue;
      const held = row.emailAt !== null && row.emailAt.getTime() > at.getTime();
      // Not held: the database's now, so a skewed or fixed service clock cannot delay it.
      await enqueue(tx, SEND_EMAIL, { notification_id: row.id }, held ? { runAt: row.emailAt ?? at } : {});
    }
    return rows;
  }

  return {
    /**
     * Notifies each distinct person in `userIds`: one row each, and with `email` (the
     * default) one `notifications.send-email` job each, all written through `tx`, so
     * they exist exactly when the caller commits. Unless `urgent`, a person whose
     * working calendar is closed now gets the e-mail when it next opens: the row says
     * `email_state` 'scheduled' with `email_at` that instant (`email_at` is now when
     * nothing holds it). Reads go through `tx` as well; it never takes a second
     * connection. Returns the rows in the order of first appearance in `userIds`.
     */
    async notify(tx: Executor, input: NotifyInput): Promise<Notification[]> {
      return notifyEach(tx, [input]);
    },

    /**
     * `notify` for many inputs at once (an import's assignments): the same rows and jobs
     * as one call each, in order, with one insert for all the rows.
     */
    async notifyMany(tx: Executor, inputs: readonly NotifyInput[]): Promise<void> {
      await notifyEach(tx, inputs);
    },

    /** The actor's own notifications (v2 cursor pages), newest first unless sorted otherwise. */
    list(actor: Actor, params: ListParams): Promise<Page<Notification>> {
      return notificationListing.page(params, repository.ownedBy(actor.userId));
    },

    /** Every notification of the actor matching `params`, for CSV/XML exports. */
    all(actor: Actor, params: ListParams): AsyncIterable<Notification> {
      return notificationListing.all(params, repository.ownedBy(actor.userId));
    },

    // Read marks are a person's own inbox state, not a change to shared data: no audit row.
    /** Marks one of the actor's notifications read (idempotent); NOTIFICATIONS_NOT_FOUND for anyone else's. */
    async markRead(ctx: RequestContext, id: number): Promise<Notification> {
      const row = await repository.markRead(db, ctx.actor.userId, id, now());
      if (!row) throw notificationsErrors.NOTIFICATIONS_NOT_FOUND();
      return row;
    },

    /** Marks every unread notification of the actor read; how many that were. */
    markAllRead(ctx: RequestContext): Promise<number> {
      return repository.markAllRead(db, ctx.actor.userId, now());
    },

    unreadCount(actor: Actor): Promise<number> {
      return repository.unreadCount(db, actor.userId);
    },
  };
}

export type NotificationsService = ReturnType<typeof createNotificationsService>;
