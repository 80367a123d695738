import { sql } from 'drizzle-orm';
import {
  boolean,
  check,
  date,
  index,
  integer,
  numeric,
  pgTable,
  primaryKey,
  serial,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core';
import { timestamps } from '../../platform/db/columns.ts';

/**
 * Workforce scheduling: scheduled events (with RFC 5545 recurrence), the time clock
 * and time off. People, locations, facilities, shifts and calendars belong to other
 * modules: their ids are stored here and checked through those modules' services.
 */

export const EVENT_TYPES = [
  'shift',
  'overtime',
  'meeting',
  'training',
  'maintenance',
  'broadcast',
  'other',
] as const;
export const EVENT_STATUSES = ['scheduled', 'in_progress', 'completed', 'cancelled'] as const;
export const APPROVAL_STATUSES = ['pending', 'approved', 'rejected'] as const;
export const TIME_OFF_STATUSES = ['pending', 'approved', 'rejected', 'cancelled'] as const;
export const LEDGER_KINDS = ['accrual', 'adjustment'] as const;

export const scheduledEvents = pgTable(
  'scheduled_events',
  {
    id: serial().primaryKey(),
    title: text().notNull(),
    description: text().notNull().default(''),
    eventType: text({ enum: EVENT_TYPES }).notNull().default('other'),
    /** The first (or only) occurrence. */
    startsAt: timestamp({ withTimezone: true }).notNull(),
    endsAt: timestamp({ withTimezone: true }).notNull(),
    /** Recurrences repeat at this zone's wall-clock time (09:00 stays 09:00 across DST). */
    timeZone: text().notNull().default('UTC'),
    /** RFC 5545 RRULE (without DTSTART), e.g. FREQ=WEEKLY;BYDAY=MO,WE;COUNT=10. */
    rrule: text(),
    locationId: integer(),
    facilityId: integer(),
    status: text({ enum: EVENT_STATUSES }).notNull().default('scheduled'),
    createdBy: integer(),
    version: integer().notNull().default(1),
    ...timestamps,
  },
  (table) => [
    index('scheduled_events_starts_idx').on(table.startsAt),
    check('scheduled_events_period_check', sql`${table.endsAt} > ${table.startsAt}`),
    check(
      'scheduled_events_type_check',
      sql`${table.eventType} in ('shift', 'overtime', 'meeting', 'training', 'maintenance', 'broadcast', 'other')`,
    ),
    check(
      'scheduled_events_status_check',
      sql`${table.status} in ('scheduled', 'in_progress', 'completed', 'cancelled')`,
    ),
  ],
);

export const scheduledEventAssignees = pgTable(
  'scheduled_event_assignees',
  {
    eventId: integer()
      .notNull()
      .references(() => scheduledEvents.id, { onDelete: 'cascade' }),
    userId: integer().notNull(),
  },
  (table) => [
    primaryKey({ columns: [table.eventId, table.userId] }),
    index('scheduled_event_assignees_user_idx').on(table.userId),
  ],
);

/** One occurrence of a recurring event cancelled or moved ("this one only" edits). */
export const scheduledEventExceptions = pgTable(
  'scheduled_event_exceptions',
  {
    eventId: integer()
      .notNull()
      .references(() => scheduledEvents.id, { onDelete: 'cascade' }),
    /** The occurrence's original start, as the recurrence produces it. */
    occurrenceStart: timestamp({ withTimezone: true }).notNull(),
    cancelled: boolean().notNull().default(false),
    startsAt: timestamp({ withTimezone: true }),
    endsAt: timestamp({ withTimezone: true }),
    title: text(),
  },
  (table) => [primaryKey({ columns: [table.eventId, table.occurrenceStart] })],
);

export const timeEntries = pgTable(
  'time_entries',
  {
    id: serial().primaryKey(),
    userId: integer().notNull(),
    /** The local date of the clock-in, in `timeZone`. */
    date: date({ mode: 'string' }).notNull(),
    clockIn: timestamp({ withTimezone: true }).notNull(),
    clockOut: timestamp({ withTimezone: true }),
    /** The user's zone when they clocked in; local dates and weeks are read in it. */
    timeZone: text().notNull().default('UTC'),
    /** Worked minutes, breaks deducted, computed by the server at clock-out. */
    workedMinutes: integer(),
    locationId: integer(),
    shiftId: integer(),
    notes: text().notNull().default(''),
    status: text({ enum: APPROVAL_STATUSES }).notNull().default('pending'),
    approvedBy: integer(),
    approvedAt: timestamp({ withTimezone: true }),
    version: integer().notNull().default(1),
    ...timestamps,
  },
  (table) => [
    // At most one open entry per user, enforced by the database: two concurrent clock-ins cannot both win.
    uniqueIndex('time_entries_one_open_per_user')
      .on(table.userId)
      .where(sql`${table.clockOut} is null`),
    index('time_entries_user_date_idx').on(table.userId, table.date),
    check(
      'time_entries_period_check',
      sql`${table.clockOut} is null or ${table.clockOut} > ${table.clockIn}`,
    ),
    check('time_entries_status_check', sql`${table.status} in ('pending', 'approved', 'rejected')`),
  ],
);

export const timeEntryBreaks = pgTable(
  'time_entry_breaks',
  {
    id: serial().primaryKey(),
    entryId: integer()
      .notNull()
      .references(() => timeEntries.id, { onDelete: 'cascade' }),
    startsAt: timestamp({ withTimezone: true }).notNull(),
    endsAt: timestamp({ withTimezone: true }),
  },
  (table) => [
    index('time_entry_breaks_entry_idx').on(table.entryId),
    uniqueIndex('time_entry_breaks_one_open')
      .on(table.entryId)
      .where(sql`${table.endsAt} is null`),
    check(
      'time_entry_breaks_period_check',
      sql`${table.endsAt} is null or ${table.endsAt} > ${table.startsAt}`,
    ),
  ],
);

/** A user's approved week: its entries are locked. */
export const timesheetWeeks = pgTable(
  'timesheet_weeks',
  {
    userId: integer().notNull(),
    /** Monday of the ISO week, in the user's zone. */
    weekStart: date({ mode: 'string' }).notNull(),
    approvedBy: integer().notNull(),
    approvedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [primaryKey({ columns: [table.userId, table.weekStart] })],
);

/** The rules of one kind of leave: yearly allowance, carry-forward cap, the calendar its working days come from, whether it may go negative. */
export const timeOffPolicies = pgTable('time_off_policies', {
  id: serial().primaryKey(),
  requestType: text().notNull().unique(),
  annualDays: numeric({ precision: 6, scale: 2, mode: 'number' }).notNull().default(0),
  carryForwardMaxDays: numeric({ precision: 6, scale: 2, mode: 'number' }).notNull().default(0),
  calendarId: integer(),
  /** Whether a request may take more days than the balance holds (unpaid leave, say). */
  allowNegativeBalance: boolean().notNull().default(false),
  version: integer().notNull().default(1),
  ...timestamps,
});

export const timeOffRequests = pgTable(
  'time_off_requests',
  {
    id: serial().primaryKey(),
    userId: integer().notNull(),
    requestType: text().notNull(),
    startDate: date({ mode: 'string' }).notNull(),
    endDate: date({ mode: 'string' }).notNull(),
    reason: text().notNull().default(''),
    status: text({ enum: TIME_OFF_STATUSES }).notNull().default('pending'),
    approvedBy: integer(),
    approvedAt: timestamp({ withTimezone: true }),
    decisionNote: text().notNull().default(''),
    version: integer().notNull().default(1),
    ...timestamps,
  },
  (table) => [
    index('time_off_requests_user_idx').on(table.userId, table.startDate),
    check('time_off_requests_period_check', sql`${table.endDate} >= ${table.startDate}`),
    check(
      'time_off_requests_status_check',
      sql`${table.status} in ('pending', 'approved', 'rejected', 'cancelled')`,
    ),
  ],
);

/**
 * Days granted (accruals, manual adjustments). Days taken and carried forward are not
 * stored: they are derived from approved requests and the calendar when read, so a
 * new holiday or a changed rule is reflected in every balance at once.
 */
export const timeOffLedger = pgTable(
  'time_off_ledger',
  {
    id: serial().primaryKey(),
    userId: integer().notNull(),
    requestType: text().notNull(),
    year: integer().notNull(),
    kind: text({ enum: LEDGER_KINDS }).notNull(),
    days: numeric({ precision: 6, scale: 2, mode: 'number' }).notNull(),
    note: text().notNull().default(''),
    createdBy: integer(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [index('time_off_ledger_user_idx').on(table.userId, table.requestType, table.year)],
);

export type ScheduledEvent = typeof scheduledEvents.$inferSelect;
export type TimeEntry = typeof timeEntries.$inferSelect;
export type TimeEntryBreak = typeof timeEntryBreaks.$inferSelect;
export type TimeOffRequest = typeof timeOffRequests.$inferSelect;
export type TimeOffPolicy = typeof timeOffPolicies.$inferSelect;
export type TimeOffLedgerEntry = typeof timeOffLedger.$inferSelect;
