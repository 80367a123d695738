import { Type } from '@sinclair/typebox';
import { eq } from 'drizzle-orm';
import type { Database } from '../../platform/db/client.ts';
import { defineJob } from '../../platform/jobs/define-job.ts';
import type { Mailer } from '../../platform/mail/index.ts';
import type { BusinessCalendar } from '../calendars/index.ts';
import { customerText } from './rentals.reminders.messages.ts';
import { SEND_REMINDER_EMAIL, type Reminders } from './rentals.reminders.ts';
import { outstandingBalance } from './rentals.balance.ts';
import { rentalOrderLines, rentalOrders, rentalProducts, rentalReminders } from './rentals.tables.ts';
import type { ReminderEmailState } from './rentals.tables.ts';

export interface ReminderJobsDeps {
  db: Database;
  reminders: Pick<Reminders, 'sendDue'>;
  mailer: Pick<Mailer, 'send'>;
  /** The customer's e-mail address (customers module), null when they have none. */
  customerEmail: (customerId: number) => Promise<string | null>;
  calendarFor: (id: number) => Promise<BusinessCalendar>;
}

/**
 * `rentals.send-reminders` (every five minutes) sends the reminders due, each once
 * however many workers run it; `rentals.send-reminder-email` mails the customer's copy
 * of one and records the outcome on the reminder (`sent`, `none` without an address,
 * `failed` after the last attempt). Customers are not users: they get e-mail only.
 */
export function createRentalsJobs({ db, reminders, mailer, customerEmail, calendarFor }: ReminderJobsDeps) {
  const setState = (id: number, state: ReminderEmailState) =>
    db.update(rentalReminders).set({ customerEmailState: state }).where(eq(rentalReminders.id, id));

  async function zoneOf(orderId: number): Promise<string> {
    const [line] = await db
      .select({ calendarId: rentalProducts.calendarId })
      .from(rentalOrderLines)
      .innerJoin(rentalProducts, eq(rentalProducts.id, rentalOrderLines.productId))
      .where(eq(rentalOrderLines.orderId, orderId))
      .orderBy(rentalOrderLines.id)
      .limit(1);
    return line?.calendarId == null ? 'UTC' : (await calendarFor(line.calendarId)).timeZone;
  }

  return [
    defineJob({
      name: 'rentals.send-reminders',
      payload: Type.Object({}),
      cron: '*/5 * * * *',
      async handler(_payload, { log }) {
        const { sent, held } = await reminders.sendDue();
        if (sent > 0 || held > 0) log('rental reminders', { sent, held_for_quiet_hours: held });
      },
    }),
    defineJob({
      ...SEND_REMINDER_EMAIL,
      async handler({ reminder_id: id }, { attempt, log }) {
        const [found] = await db
          .select({ reminder: rentalReminders, order: rentalOrders })
          .from(rentalReminders)
          .innerJoin(rentalOrders, eq(rentalOrders.id, rentalReminders.orderId))
          .where(eq(rentalReminders.id, id));
        if (found?.reminder.customerEmailState !== 'scheduled') return;
        const { reminder, order } = found;
        const address = (await customerEmail(order.customerId))?.trim();
        if (!address) {
          await setState(id, 'none');
          log('customer has no e-mail address; reminder not mailed', { reminder_id: id });
          return;
        }
        const outstanding =
          reminder.kind === 'unpaid_balance'
            ? (await outstandingBalance(db, [order.id])).get(order.id)
            : undefined;
        const text = customerText(reminder.kind, {
          orderId: order.id,
          customerId: order.customerId,
          rentalStart: order.rentalStart,
          rentalEnd: order.rentalEnd,
          currency: order.currency,
          timeZone: await zoneOf(order.id),
          ...(outstanding !== undefined && { outstanding }),
        });
        try {
          await mailer.send({ to: address, subject: text.title, text: `${text.body}\n` });
        } catch (error) {
          if (attempt >= SEND_REMINDER_EMAIL.maxAttempts) await setState(id, 'failed');
          throw error;
        }
        // A message the server accepted is never marked failed; should this update fail, the retry mails again.
        await setState(id, 'sent');
      },
    }),
  ];
}
