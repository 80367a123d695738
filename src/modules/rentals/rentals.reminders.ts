import { and, asc, eq, gt, inArray, lte, or } from 'drizzle-orm';
import type { Database } from '../../platform/db/client.ts';
import { enqueue, type JobShape } from '../../platform/jobs/define-job.ts';
import type { BusinessCalendar } from '../calendars/index.ts';
import type { NotificationsService } from '../notifications/index.ts';
import { outstandingBalance } from './rentals.balance.ts';
import { staffText, type ReminderSubject } from './rentals.reminders.messages.ts';
import { quietUntil, type QuietHours } from './rentals.quiet-hours.ts';
import {
  rentalOrderLines,
  rentalOrders,
  rentalProducts,
  rentalReminders,
  type ReminderKind,
  type RentalOrderRow,
} from './rentals.tables.ts';
import { Type } from '@sinclair/typebox';

const HOUR = 3_600_000;
/** How long before the rental start the pickup reminder goes out. */
export const PICKUP_LEAD_MS = 24 * HOUR;
/** How long before the rental start a reserved order that still owes money is reminded. */
export const UNPAID_LEAD_MS = 48 * HOUR;

/** The customer's copy of one reminder, queued in the claiming transaction. */
export const SEND_REMINDER_EMAIL = {
  name: 'rentals.send-reminder-email',
  payload: Type.Object({ reminder_id: Type.Integer() }),
  maxAttempts: 10,
} satisfies JobShape;

export interface RemindersDeps {
  db: Database;
  notifications: Pick<NotificationsService, 'notify'>;
  calendarFor: (id: number) => Promise<BusinessCalendar>;
  quietHours: QuietHours | null;
  now?: () => Date;
}

interface Due {
  order: RentalOrderRow;
  kind: ReminderKind;
  dueAt: Date;
  timeZone: string;
  outstanding?: number;
}

const keyOf = (orderId: number, kind: string, dueAt: Date) => `${orderId}|${kind}|${dueAt.getTime()}`;

/**
 * Rental reminders: upcoming pickups (a day ahead), returns due (on the due day, in the
 * shop's zone), overdue returns and unpaid balances (two days before pickup). `sendDue`
 * is what the cron job runs; any number of workers may run it at once, since each
 * reminder is claimed by inserting its (order, kind, due moment) row, unique, in the
 * transaction that notifies the staff and queues the customer's e-mail.
 */
export function createReminders({
  db,
  notifications,
  calendarFor,
  quietHours,
  now = () => new Date(),
}: RemindersDeps) {
  /** The zone of each order's first product's calendar (UTC without one). */
  async function zonesOf(orderIds: number[]): Promise<Map<number, string>> {
    const lines = await db
      .select({ orderId: rentalOrderLines.orderId, calendarId: rentalProducts.calendarId })
      .from(rentalOrderLines)
      .innerJoin(rentalProducts, eq(rentalProducts.id, rentalOrderLines.productId))
      .where(inArray(rentalOrderLines.orderId, orderIds))
      .orderBy(asc(rentalOrderLines.id));
    const calendars = new Map<number, string>();
    const zones = new Map<number, string>();
    for (const line of lines) {
      if (zones.has(line.orderId)) continue;
      let zone = 'UTC';
      if (line.calendarId !== null) {
        zone = calendars.get(line.calendarId) ?? (await calendarFor(line.calendarId)).timeZone;
        calendars.set(line.calendarId, zone);
      }
      zones.set(line.orderId, zone);
    }
    return zones;
  }

  /** Every reminder due at `at` and not yet sent, whatever the quiet hours. */
  async function dueAt(at: Date): Promise<Due[]> {
    const orders = await db
      .select()
      .from(rentalOrders)
      .where(
        or(
          and(
            eq(rentalOrders.status, 'reserved'),
            gt(rentalOrders.rentalStart, at),
            lte(rentalOrders.rentalStart, new Date(at.getTime() + Math.max(PICKUP_LEAD_MS, UNPAID_LEAD_MS))),
          ),
          and(
            eq(rentalOrders.status, 'picked_up'),
            lte(rentalOrders.rentalEnd, new Date(at.getTime() + 24 * HOUR)),
          ),
        ),
      );
    if (orders.length === 0) return [];
    const ids = orders.map((order) => order.id);
    const [zones, owed, sent] = await Promise.all([
      zonesOf(ids),
      outstandingBalance(db, ids),
      db
        .select({
          orderId: rentalReminders.orderId,
          kind: rentalReminders.kind,
          dueAt: rentalReminders.dueAt,
        })
        .from(rentalReminders)
        .where(inArray(rentalReminders.orderId, ids)),
    ]);
    const already = new Set(sent.map((row) => keyOf(row.orderId, row.kind, row.dueAt)));
    const due: Due[] = [];
    for (const order of orders) {
      const timeZone = zones.get(order.id) ?? 'UTC';
      const add = (kind: ReminderKind, moment: Date, outstanding?: number) => {
        if (!already.has(keyOf(order.id, kind, moment)))
          due.push({
            order,
            kind,
            dueAt: moment,
            timeZone,
            ...(outstanding !== undefined && { outstanding }),
          });
      };
      const untilStart = order.rentalStart.getTime() - at.getTime();
      if (order.status === 'reserved') {
        if (untilStart <= PICKUP_LEAD_MS) add('pickup_upcoming', order.rentalStart);
        const outstanding = owed.get(order.id);
        if (outstanding !== undefined && untilStart <= UNPAID_LEAD_MS)
          add('unpaid_balance', order.rentalStart, outstanding);
      } else if (order.rentalEnd.getTime() <= at.getTime()) add('overdue', order.rentalEnd);
      else if (sameDay(order.rentalEnd, at, timeZone)) add('return_due', order.rentalEnd);
    }
    return due;
  }

  /** Claims one reminder and sends it, in one transaction; false when another worker had it. */
  async function claim(due: Due, at: Date): Promise<boolean> {
    const staff = due.order.createdBy === null ? [] : [due.order.createdBy];
    return db.transaction(async (tx) => {
      const [row] = await tx
        .insert(rentalReminders)
        .values({
          orderId: due.order.id,
          kind: due.kind,
          dueAt: due.dueAt,
          sentAt: at,
          staffNotified: staff.length,
        })
        .onConflictDoNothing()
        .returning({ id: rentalReminders.id });
      if (!row) return false;
      const subject: ReminderSubject = {
        orderId: due.order.id,
        customerId: due.order.customerId,
        rentalStart: due.order.rentalStart,
        rentalEnd: due.order.rentalEnd,
        currency: due.order.currency,
        timeZone: due.timeZone,
        ...(due.outstanding !== undefined && { outstanding: due.outstanding }),
      };
      if (staff.length > 0) {
        const text = staffText(due.kind, subject);
        await notifications.notify(tx, {
          userIds: staff,
          kind: `rental.${due.kind}`,
          ...text,
          data: { order_id: due.order.id, reminder_id: row.id, due_at: due.dueAt.toISOString() },
        });
      }
      await enqueue(tx, SEND_REMINDER_EMAIL, { reminder_id: row.id });
      return true;
    });
  }

  return {
    /**
     * Sends every reminder due now that has not gone out. One in the quiet hours (read
     * in the order's zone) waits: the first run after they end sends it. Answers how many
     * this call sent (another worker's are not counted).
     */
    async sendDue(): Promise<{ sent: number; held: number }> {
      const at = now();
      let sent = 0;
      let held = 0;
      for (const due of await dueAt(at)) {
        if (quietUntil(quietHours, at, due.timeZone)) {
          held += 1;
          continue;
        }
        if (await claim(due, at)) sent += 1;
      }
      return { sent, held };
    },
  };
}

function sameDay(a: Date, b: Date, timeZone: string): boolean {
  const day = (d: Date) => new Intl.DateTimeFormat('en-CA', { timeZone, dateStyle: 'short' }).format(d);
  return day(a) === day(b);
}

export type Reminders = ReturnType<typeof createReminders>;
