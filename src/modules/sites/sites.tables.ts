import { sql } from 'drizzle-orm';
import { check, index, integer, pgTable, serial, text, time, uniqueIndex } from 'drizzle-orm/pg-core';
import { timestamps } from '../../platform/db/columns.ts';

export const FACILITY_STATUSES = ['active', 'inactive'] as const;
export type FacilityStatus = (typeof FACILITY_STATUSES)[number];

export const locations = pgTable(
  'locations',
  {
    id: serial().primaryKey(),
    name: text().notNull(),
    description: text().notNull().default(''),
    address: text().notNull().default(''),
    /** IANA zone the location's local times (shifts, events) are read in. */
    timeZone: text().notNull().default('UTC'),
    version: integer().notNull().default(1),
    ...timestamps,
  },
  (table) => [uniqueIndex('locations_name_key').on(sql`lower(${table.name})`)],
);

export const facilities = pgTable(
  'facilities',
  {
    id: serial().primaryKey(),
    name: text().notNull(),
    description: text().notNull().default(''),
    locationId: integer().references(() => locations.id, { onDelete: 'restrict' }),
    status: text({ enum: FACILITY_STATUSES }).notNull().default('active'),
    version: integer().notNull().default(1),
    ...timestamps,
  },
  (table) => [
    // coalesce: facilities without a location must have distinct names too (NULLs never collide in a plain unique index).
    uniqueIndex('facilities_location_name_key').on(
      sql`coalesce(${table.locationId}, 0)`,
      sql`lower(${table.name})`,
    ),
    index().on(table.locationId),
    check('facilities_status_check', sql`${table.status} in ('active', 'inactive')`),
  ],
);

export const shifts = pgTable(
  'shifts',
  {
    id: serial().primaryKey(),
    name: text().notNull(),
    description: text().notNull().default(''),
    /** Local wall-clock times ('HH:MM:SS'); an end before the start means the shift ends the next day. */
    startTime: time(),
    endTime: time(),
    version: integer().notNull().default(1),
    ...timestamps,
  },
  (table) => [uniqueIndex('shifts_name_key').on(sql`lower(${table.name})`)],
);

export type Location = typeof locations.$inferSelect;
export type NewLocation = typeof locations.$inferInsert;
/** A facility row as stored; the `Facility` the service hands out embeds its location. */
export type FacilityRow = typeof facilities.$inferSelect;
export type NewFacility = typeof facilities.$inferInsert;
export type Shift = typeof shifts.$inferSelect;
export type NewShift = typeof shifts.$inferInsert;
