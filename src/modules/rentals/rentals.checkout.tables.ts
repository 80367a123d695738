import { sql } from 'drizzle-orm';
import { check, index, integer, pgTable, serial, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
import { rentalBookings, rentalOrders, rentalStockItems } from './rentals.tables.ts';

const when = () => timestamp({ withTimezone: true });

export const HANDOVER_KINDS = ['pickup', 'return'] as const;
export type HandoverKind = (typeof HANDOVER_KINDS)[number];

/**
 * A stock item handed to the customer (pickup) or taken back (return), once per
 * booking and kind (unique key): the item's condition as seen at the desk, and on a
 * return how late it came back and what was charged for it.
 */
export const rentalHandovers = pgTable(
  'rental_handovers',
  {
    id: serial().primaryKey(),
    orderId: integer()
      .notNull()
      .references(() => rentalOrders.id, { onDelete: 'restrict' }),
    bookingId: integer()
      .notNull()
      .references(() => rentalBookings.id, { onDelete: 'restrict' }),
    stockItemId: integer()
      .notNull()
      .references(() => rentalStockItems.id, { onDelete: 'restrict' }),
    kind: text({ enum: HANDOVER_KINDS }).notNull(),
    at: when().notNull(),
    condition: text().notNull().default(''),
    notes: text().notNull().default(''),
    lateMinutes: integer().notNull().default(0),
    lateFee: integer().notNull().default(0),
    damageAmount: integer().notNull().default(0),
    actorId: integer(),
  },
  (table) => [
    uniqueIndex('rental_handovers_booking_kind_key').on(table.bookingId, table.kind),
    index().on(table.orderId),
    check(
      'rental_handovers_money_check',
      sql`${table.lateMinutes} >= 0 and ${table.lateFee} >= 0 and ${table.damageAmount} >= 0`,
    ),
  ],
);

/** A photo taken at the desk, stored through platform/files; attached to a handover once used. */
export const rentalPhotos = pgTable(
  'rental_photos',
  {
    id: serial().primaryKey(),
    orderId: integer()
      .notNull()
      .references(() => rentalOrders.id, { onDelete: 'restrict' }),
    handoverId: integer().references(() => rentalHandovers.id, { onDelete: 'restrict' }),
    filename: text().notNull(),
    contentType: text().notNull(),
    size: integer().notNull(),
    sha256: text().notNull(),
    storageKey: text().notNull(),
    uploaderId: integer(),
    createdAt: when().notNull().defaultNow(),
  },
  (table) => [
    uniqueIndex('rental_photos_storage_key').on(table.storageKey),
    index().on(table.orderId),
    index().on(table.handoverId),
  ],
);

export type Handover = typeof rentalHandovers.$inferSelect;
export type NewHandover = typeof rentalHandovers.$inferInsert;
export type RentalPhoto = typeof rentalPhotos.$inferSelect;
