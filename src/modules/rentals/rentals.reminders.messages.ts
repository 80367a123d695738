import { DateTime } from 'luxon';
import type { ReminderKind } from './rentals.tables.ts';

/** What a reminder is about: the order as the texts need it, read in the shop's zone. */
export interface ReminderSubject {
  orderId: number;
  customerId: number;
  rentalStart: Date;
  rentalEnd: Date;
  currency: string;
  timeZone: string;
  /** Minor units still owed (unpaid-balance reminders). */
  outstanding?: number;
}

export interface ReminderText {
  title: string;
  body: string;
}

const when = (at: Date, zone: string) =>
  `${DateTime.fromJSDate(at, { zone }).toFormat('ccc d LLL yyyy, HH:mm')} (${zone})`;

/** Minor units as a decimal amount of the currency (2 digits unless the currency says otherwise). */
function money(minor: number, currency: string): string {
  try {
    const digits = new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions()
      .maximumFractionDigits;
    return `${(minor / 10 ** (digits ?? 2)).toFixed(digits ?? 2)} ${currency}`;
  } catch {
    return `${minor} (minor units) ${currency}`;
  }
}

/** The customer's e-mail for a reminder. */
export function customerText(kind: ReminderKind, s: ReminderSubject): ReminderText {
  const order = `rental order #${s.orderId}`;
  switch (kind) {
    case 'pickup_upcoming':
      return {
        title: `Pickup soon: ${order}`,
        body: `Your ${order} is ready for pickup from ${when(s.rentalStart, s.timeZone)}.`,
      };
    case 'return_due':
      return {
        title: `Return due today: ${order}`,
        body: `Your ${order} is due back by ${when(s.rentalEnd, s.timeZone)}.`,
      };
    case 'overdue':
      return {
        title: `Overdue: ${order}`,
        body: `Your ${order} was due back at ${when(s.rentalEnd, s.timeZone)}. Please return it as soon as you can; late fees may apply.`,
      };
    case 'unpaid_balance':
      return {
        title: `Payment due: ${order}`,
        body: `Your ${order} has ${money(s.outstanding ?? 0, s.currency)} outstanding (rental and deposit), due before pickup on ${when(s.rentalStart, s.timeZone)}.`,
      };
  }
}

/** The desk's in-app notification (and its e-mail copy) for the same reminder. */
export function staffText(kind: ReminderKind, s: ReminderSubject): ReminderText {
  const order = `Rental order #${s.orderId} (customer ${s.customerId})`;
  switch (kind) {
    case 'pickup_upcoming':
      return {
        title: `Pickup soon: order #${s.orderId}`,
        body: `${order} is picked up from ${when(s.rentalStart, s.timeZone)}.`,
      };
    case 'return_due':
      return {
        title: `Return due today: order #${s.orderId}`,
        body: `${order} is due back by ${when(s.rentalEnd, s.timeZone)}.`,
      };
    case 'overdue':
      return {
        title: `Overdue return: order #${s.orderId}`,
        body: `${order} was due back at ${when(s.rentalEnd, s.timeZone)} and is still out.`,
      };
    case 'unpaid_balance':
      return {
        title: `Unpaid balance: order #${s.orderId}`,
        body: `${order} has ${money(s.outstanding ?? 0, s.currency)} outstanding before pickup on ${when(s.rentalStart, s.timeZone)}.`,
      };
  }
}
