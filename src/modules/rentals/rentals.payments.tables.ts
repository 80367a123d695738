import { sql } from 'drizzle-orm';
import {
  bigserial,
  char,
  check,
  index,
  integer,
  pgTable,
  serial,
  text,
  timestamp,
  uniqueIndex,
  type AnyPgColumn,
} from 'drizzle-orm/pg-core';
import { rentalOrders, rentalStockItems } from './rentals.tables.ts';

const when = () => timestamp({ withTimezone: true });

export const PAYMENT_KINDS = ['payment', 'refund', 'deposit_hold', 'deposit_release'] as const;
export type PaymentKind = (typeof PAYMENT_KINDS)[number];
export const PAYMENT_METHODS = ['cash', 'bank_transfer', 'card'] as const;
export type PaymentMethod = (typeof PAYMENT_METHODS)[number];
export const PAYMENT_STATUSES = ['pending', 'succeeded', 'failed'] as const;
export type PaymentStatus = (typeof PAYMENT_STATUSES)[number];
export const RENTAL_LEDGER_KINDS = [
  'charge',
  'payment',
  'refund',
  'deposit_hold',
  'deposit_release',
  'late_fee',
  'damage',
] as const;
export type RentalLedgerKind = (typeof RENTAL_LEDGER_KINDS)[number];

/**
 * One call to a payment provider for an order: a payment, a refund of a payment, a
 * deposit held or a hold released. `(order_id, kind, idempotency_key)` is unique, so a
 * retried call finds the first attempt instead of paying twice, whatever process it
 * lands on. Money moves in the ledger only once a row has succeeded.
 */
export const rentalPayments = pgTable(
  'rental_payments',
  {
    id: serial().primaryKey(),
    orderId: integer()
      .notNull()
      .references(() => rentalOrders.id, { onDelete: 'restrict' }),
    kind: text({ enum: PAYMENT_KINDS }).notNull(),
    provider: text({ enum: ['manual', 'card'] }).notNull(),
    method: text({ enum: PAYMENT_METHODS }).notNull(),
    status: text({ enum: PAYMENT_STATUSES }).notNull().default('pending'),
    amount: integer().notNull(),
    currency: char({ length: 3 }).notNull(),
    /** A refund's payment, a release's hold. */
    parentId: integer().references((): AnyPgColumn => rentalPayments.id, { onDelete: 'restrict' }),
    /** Of a deposit release: the part kept to settle what the order owed (damage, late fees). */
    appliedAmount: integer().notNull().default(0),
    /** The provider's id for the charge or refund (card processor), null for manual ones. */
    providerRef: text(),
    /** What staff wrote down: a receipt number, a bank transfer reference, a reason. */
    reference: text().notNull().default(''),
    idempotencyKey: text().notNull(),
    failureReason: text(),
    createdBy: integer(),
    createdAt: when().notNull().defaultNow(),
    settledAt: when(),
  },
  (table) => [
    uniqueIndex('rental_payments_idempotency_key').on(table.orderId, table.kind, table.idempotencyKey),
    uniqueIndex('rental_payments_provider_ref_key')
      .on(table.provider, table.providerRef)
      .where(sql`${table.providerRef} is not null`),
    index().on(table.parentId),
    check(
      'rental_payments_amount_check',
      sql`${table.amount} > 0 and ${table.appliedAmount} >= 0 and ${table.appliedAmount} <= ${table.amount}`,
    ),
  ],
);

/**
 * The payment ledger of an order, append-only (a trigger refuses UPDATE and DELETE).
 * Each entry moves two accounts: `balance_delta` what the customer owes (charges and
 * fees raise it, payments lower it, refunds raise it again) and `deposit_delta` the
 * deposit the shop holds. The order's balance is the sum of the entries, never a
 * stored number.
 */
export const rentalLedgerEntries = pgTable(
  'rental_ledger_entries',
  {
    id: bigserial({ mode: 'number' }).primaryKey(),
    orderId: integer()
      .notNull()
      .references(() => rentalOrders.id, { onDelete: 'restrict' }),
    kind: text({ enum: RENTAL_LEDGER_KINDS }).notNull(),
    /** The magnitude, in minor units, as a person reads the line. */
    amount: integer().notNull(),
    balanceDelta: integer().notNull(),
    depositDelta: integer().notNull().default(0),
    currency: char({ length: 3 }).notNull(),
    paymentId: integer().references(() => rentalPayments.id, { onDelete: 'restrict' }),
    stockItemId: integer().references(() => rentalStockItems.id, { onDelete: 'restrict' }),
    description: text().notNull().default(''),
    actorId: integer(),
    createdAt: when().notNull().defaultNow(),
  },
  (table) => [
    index().on(table.orderId, table.id),
    check('rental_ledger_entries_amount_check', sql`${table.amount} >= 0`),
  ],
);

/**
 * Card processor webhook deliveries already handled, by the processor's event id: a
 * redelivered event hits the unique key and changes nothing.
 */
export const rentalCardEvents = pgTable(
  'rental_card_events',
  {
    id: serial().primaryKey(),
    eventId: text().notNull(),
    type: text().notNull(),
    paymentId: integer().references(() => rentalPayments.id, { onDelete: 'restrict' }),
    receivedAt: when().notNull().defaultNow(),
  },
  (table) => [uniqueIndex('rental_card_events_event_id_key').on(table.eventId)],
);

export type RentalPayment = typeof rentalPayments.$inferSelect;
export type NewRentalPayment = typeof rentalPayments.$inferInsert;
export type RentalLedgerEntry = typeof rentalLedgerEntries.$inferSelect;
export type NewRentalLedgerEntry = typeof rentalLedgerEntries.$inferInsert;
