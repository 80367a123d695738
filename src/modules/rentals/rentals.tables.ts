import { sql } from 'drizzle-orm';
import {
  boolean,
  char,
  check,
  customType,
  index,
  integer,
  jsonb,
  pgTable,
  serial,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core';
import { timestamps } from '../../platform/db/columns.ts';

export const STOCK_STATUSES = ['available', 'maintenance', 'retired'] as const;
export type StockStatus = (typeof STOCK_STATUSES)[number];

export const ORDER_STATUSES = ['draft', 'reserved', 'picked_up', 'returned', 'closed', 'cancelled'] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

export const LATE_FEE_UNITS = ['hour', 'day'] as const;
export type LateFeeUnit = (typeof LATE_FEE_UNITS)[number];

export const DISCOUNT_KINDS = ['percent', 'amount'] as const;
export type DiscountKind = (typeof DISCOUNT_KINDS)[number];

const tstzrange = customType<{ data: string }>({ dataType: () => 'tstzrange' });
const when = () => timestamp({ withTimezone: true });

export const rentalCategories = pgTable(
  'rental_categories',
  {
    id: serial().primaryKey(),
    name: text().notNull(),
    description: text().notNull().default(''),
    version: integer().notNull().default(1),
    ...timestamps,
  },
  (table) => [uniqueIndex('rental_categories_name_key').on(sql`lower(${table.name})`)],
);

/**
 * A rentable product. Money is integer minor units of `currency` (ISO 4217); a null
 * rate means the product is not rented by that unit. `calendarId` names a business
 * calendar (calendars module) whose open hours pickups and returns must fall in.
 */
export const rentalProducts = pgTable(
  'rental_products',
  {
    id: serial().primaryKey(),
    categoryId: integer().references(() => rentalCategories.id, { onDelete: 'restrict' }),
    name: text().notNull(),
    sku: text().notNull(),
    description: text().notNull().default(''),
    currency: char({ length: 3 }).notNull(),
    hourlyRate: integer(),
    dailyRate: integer(),
    weeklyRate: integer(),
    deposit: integer().notNull().default(0),
    bufferBeforeMinutes: integer().notNull().default(0),
    bufferAfterMinutes: integer().notNull().default(0),
    minDurationMinutes: integer().notNull().default(60),
    leadTimeMinutes: integer().notNull().default(0),
    calendarId: integer(),
    /** Late fees are charged by the returns flow: `lateFeeAmount` per started `lateFeeUnit` after the due return. */
    lateFeeUnit: text({ enum: LATE_FEE_UNITS }),
    lateFeeAmount: integer().notNull().default(0),
    /** Minutes after the due return before a return counts as late (then every started unit counts from the due time). */
    lateFeeGraceMinutes: integer().notNull().default(0),
    active: boolean().notNull().default(true),
    version: integer().notNull().default(1),
    ...timestamps,
  },
  (table) => [
    uniqueIndex('rental_products_sku_key').on(sql`lower(${table.sku})`),
    index().on(table.categoryId),
    check(
      'rental_products_money_check',
      sql`coalesce(${table.hourlyRate}, 0) >= 0 and coalesce(${table.dailyRate}, 0) >= 0 and coalesce(${table.weeklyRate}, 0) >= 0 and ${table.deposit} >= 0 and ${table.lateFeeAmount} >= 0`,
    ),
    check(
      'rental_products_some_rate_check',
      sql`${table.hourlyRate} is not null or ${table.dailyRate} is not null or ${table.weeklyRate} is not null`,
    ),
    check(
      'rental_products_minutes_check',
      sql`${table.bufferBeforeMinutes} >= 0 and ${table.bufferAfterMinutes} >= 0 and ${table.minDurationMinutes} >= 1 and ${table.leadTimeMinutes} >= 0 and ${table.lateFeeGraceMinutes} >= 0`,
    ),
  ],
);

export const rentalStockItems = pgTable(
  'rental_stock_items',
  {
    id: serial().primaryKey(),
    productId: integer()
      .notNull()
      .references(() => rentalProducts.id, { onDelete: 'restrict' }),
    serialNumber: text().notNull(),
    condition: text().notNull().default('good'),
    status: text({ enum: STOCK_STATUSES }).notNull().default('available'),
    version: integer().notNull().default(1),
    ...timestamps,
  },
  (table) => [
    uniqueIndex('rental_stock_items_serial_key').on(sql`lower(${table.serialNumber})`),
    index().on(table.productId),
    check('rental_stock_items_status_check', sql`${table.status} in ('available', 'maintenance', 'retired')`),
  ],
);

/**
 * An order's money is fixed when it is priced: lines, discount, tax and deposit are
 * stored, so later rate changes never move an existing order's totals.
 */
export const rentalOrders = pgTable(
  'rental_orders',
  {
    id: serial().primaryKey(),
    /** A customers-module id, checked through its index.ts on create. */
    customerId: integer().notNull(),
    status: text({ enum: ORDER_STATUSES }).notNull().default('draft'),
    rentalStart: when().notNull(),
    rentalEnd: when().notNull(),
    currency: char({ length: 3 }).notNull(),
    discountKind: text({ enum: DISCOUNT_KINDS }),
    /** Basis points for a percent discount, minor units for an amount. */
    discountValue: integer().notNull().default(0),
    taxRateBp: integer().notNull().default(0),
    subtotal: integer().notNull(),
    discountTotal: integer().notNull(),
    taxTotal: integer().notNull(),
    total: integer().notNull(),
    depositTotal: integer().notNull(),
    notes: text().notNull().default(''),
    /** The staff member who took the order (identity user id; null for the system): the desk its reminders go to. */
    createdBy: integer(),
    statusChangedAt: when().notNull().defaultNow(),
    /** When the order was reserved (stock booked): the date its total counts as booked revenue. */
    reservedAt: when(),
    version: integer().notNull().default(1),
    ...timestamps,
  },
  (table) => [
    index().on(table.customerId),
    index().on(table.status, table.rentalStart),
    check('rental_orders_period_check', sql`${table.rentalEnd} > ${table.rentalStart}`),
    check(
      'rental_orders_totals_check',
      sql`${table.subtotal} >= 0 and ${table.discountTotal} >= 0 and ${table.taxTotal} >= 0 and ${table.total} = ${table.subtotal} - ${table.discountTotal} + ${table.taxTotal} and ${table.total} >= 0`,
    ),
  ],
);

export const rentalOrderLines = pgTable(
  'rental_order_lines',
  {
    id: serial().primaryKey(),
    orderId: integer()
      .notNull()
      .references(() => rentalOrders.id, { onDelete: 'cascade' }),
    productId: integer()
      .notNull()
      .references(() => rentalProducts.id, { onDelete: 'restrict' }),
    quantity: integer().notNull(),
    /** The price of one unit for the whole period, and how it was made up. */
    unitPrice: integer().notNull(),
    breakdown: jsonb().$type<{ weeks: number; days: number; hours: number }>().notNull(),
    lineTotal: integer().notNull(),
    unitDeposit: integer().notNull(),
  },
  (table) => [
    index().on(table.orderId),
    check('rental_order_lines_quantity_check', sql`${table.quantity} >= 1`),
  ],
);

/**
 * One stock item held for one order line over `period` = [starts_at, ends_at), the
 * rental period widened by the product's buffers. The exclusion constraint
 * `rental_bookings_no_overlap` (in the migration; drizzle-kit cannot declare one)
 * refuses two active bookings of the same item whose periods overlap; a released
 * booking (cancelled order) no longer counts.
 */
export const rentalBookings = pgTable(
  'rental_bookings',
  {
    id: serial().primaryKey(),
    orderId: integer()
      .notNull()
      .references(() => rentalOrders.id, { onDelete: 'cascade' }),
    orderLineId: integer()
      .notNull()
      .references(() => rentalOrderLines.id, { onDelete: 'cascade' }),
    stockItemId: integer()
      .notNull()
      .references(() => rentalStockItems.id, { onDelete: 'restrict' }),
    startsAt: when().notNull(),
    endsAt: when().notNull(),
    period: tstzrange()
      .notNull()
      .generatedAlwaysAs(sql`tstzrange(starts_at, ends_at, '[)')`),
    releasedAt: when(),
    createdAt: when().notNull().defaultNow(),
  },
  (table) => [
    index().on(table.orderId),
    check('rental_bookings_period_check', sql`${table.endsAt} > ${table.startsAt}`),
  ],
);

export const REMINDER_KINDS = ['pickup_upcoming', 'return_due', 'overdue', 'unpaid_balance'] as const;
export type ReminderKind = (typeof REMINDER_KINDS)[number];

export const REMINDER_EMAIL_STATES = ['scheduled', 'sent', 'none', 'failed'] as const;
export type ReminderEmailState = (typeof REMINDER_EMAIL_STATES)[number];

/**
 * One reminder that went out: (order, kind, due moment) is unique, and a worker inserts
 * the row (claims it) in the transaction that notifies the staff and queues the
 * customer's e-mail, so however many workers race, each reminder is sent once. The due
 * moment is what the reminder is about (the rental start for a pickup, the due return
 * for a return or an overdue one): a rescheduled order is reminded again.
 */
export const rentalReminders = pgTable(
  'rental_reminders',
  {
    id: serial().primaryKey(),
    orderId: integer()
      .notNull()
      .references(() => rentalOrders.id, { onDelete: 'cascade' }),
    kind: text({ enum: REMINDER_KINDS }).notNull(),
    dueAt: when().notNull(),
    sentAt: when().notNull().defaultNow(),
    /** The customer's copy: queued, sent, none (no address) or failed after the last attempt. */
    customerEmailState: text({ enum: REMINDER_EMAIL_STATES }).notNull().default('scheduled'),
    staffNotified: integer().notNull().default(0),
  },
  (table) => [
    uniqueIndex('rental_reminders_once_key').on(table.orderId, table.kind, table.dueAt),
    check(
      'rental_reminders_kind_check',
      sql`${table.kind} in ('pickup_upcoming', 'return_due', 'overdue', 'unpaid_balance')`,
    ),
  ],
);

export type RentalReminder = typeof rentalReminders.$inferSelect;
export type RentalCategory = typeof rentalCategories.$inferSelect;
export type NewRentalCategory = typeof rentalCategories.$inferInsert;
export type RentalProduct = typeof rentalProducts.$inferSelect;
export type NewRentalProduct = typeof rentalProducts.$inferInsert;
export type StockItem = typeof rentalStockItems.$inferSelect;
export type NewStockItem = typeof rentalStockItems.$inferInsert;
export type RentalOrderRow = typeof rentalOrders.$inferSelect;
export type NewRentalOrder = typeof rentalOrders.$inferInsert;
export type RentalOrderLine = typeof rentalOrderLines.$inferSelect;
export type NewRentalOrderLine = typeof rentalOrderLines.$inferInsert;
export type Booking = typeof rentalBookings.$inferSelect;
