import { and, count, eq, isNull, sql, type SQL } from 'drizzle-orm';
import type { Executor } from '../../platform/db/client.ts';
import { defineList } from '../../platform/http/query.ts';
import {
  notifications,
  type EmailState,
  type NewNotification,
  type Notification,
} from './notifications.tables.ts';

export const notificationList = defineList({
  id: notifications.id,
  filters: {
    unread: {
      column: notifications.readAt,
      type: 'boolean',
      op: 'isNull',
      description: 'true: only unread notifications; false: only read ones.',
    },
    kind: { column: notifications.kind, type: 'string', description: 'What happened, e.g. sla.breached.' },
    ticket: { column: notifications.ticketId, type: 'integer', description: 'Ticket id.' },
  },
  search: [notifications.title, notifications.body],
  sort: {
    id: { column: notifications.id },
    created_at: { column: notifications.createdAt },
  },
  // Newest first; ids grow with time and walk the (user_id, id) index.
  defaultSort: '-id',
});

/** The rows one person may see: their own. */
export const ownedBy = (userId: number): SQL => eq(notifications.userId, userId);

export function listNotifications(
  executor: Executor,
  where: SQL | undefined,
  orderBy: SQL[],
  limit: number,
  offset: number,
): Promise<Notification[]> {
  return executor
    .select()
    .from(notifications)
    .where(where)
    .orderBy(...orderBy)
    .limit(limit)
    .offset(offset);
}

export async function countNotifications(executor: Executor, where: SQL | undefined): Promise<number> {
  const [row] = await executor.select({ value: count() }).from(notifications).where(where);
  return row?.value ?? 0;
}

export function insertNotifications(executor: Executor, values: NewNotification[]): Promise<Notification[]> {
  return executor.insert(notifications).values(values).returning();
}

export async function notificationById(executor: Executor, id: number): Promise<Notification | undefined> {
  const [row] = await executor.select().from(notifications).where(eq(notifications.id, id));
  return row;
}

/** Marks one of the person's notifications read (keeping the first read time); undefined when not theirs. */
export async function markRead(
  executor: Executor,
  userId: number,
  id: number,
  at: Date,
): Promise<Notification | undefined> {
  const [row] = await executor
    .update(notifications)
    .set({ readAt: sql`coalesce(${notifications.readAt}, ${at.toISOString()}::timestamptz)` })
    .where(and(eq(notifications.id, id), ownedBy(userId)))
    .returning();
  return row;
}

/** Marks every unread notification of the person read; how many changed. */
export async function markAllRead(executor: Executor, userId: number, at: Date): Promise<number> {
  const result = await executor
    .update(notifications)
    .set({ readAt: at })
    .where(and(ownedBy(userId), isNull(notifications.readAt)));
  return result.rowCount ?? 0;
}

/** Unread notifications of the person (an index-only count on the partial unread index). */
export async function unreadCount(executor: Executor, userId: number): Promise<number> {
  const [row] = await executor
    .select({ value: count() })
    .from(notifications)
    .where(and(ownedBy(userId), isNull(notifications.readAt)));
  return row?.value ?? 0;
}

export async function setEmailState(
  executor: Executor,
  id: number,
  emailState: EmailState,
  emailAt?: Date,
): Promise<void> {
  await executor
    .update(notifications)
    .set(emailAt ? { emailState, emailAt } : { emailState })
    .where(eq(notifications.id, id));
}
