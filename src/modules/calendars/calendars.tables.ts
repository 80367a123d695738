import { sql } from 'drizzle-orm';
import {
  check,
  date,
  index,
  integer,
  jsonb,
  pgTable,
  serial,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core';
import type { WeeklyHours } from './calendars.weekly.ts';

export const CLOSURE_KINDS = ['holiday', 'closure'] as const;
export type ClosureKind = (typeof CLOSURE_KINDS)[number];
export const CLOSURE_SOURCES = ['manual', 'ical'] as const;
export type ClosureSource = (typeof CLOSURE_SOURCES)[number];

export const businessCalendars = pgTable(
  'business_calendars',
  {
    id: serial().primaryKey(),
    name: text().notNull(),
    description: text().notNull().default(''),
    /** IANA zone the weekly hours and holidays are read in (canonical spelling). */
    timeZone: text().notNull().default('UTC'),
    /** ISO weekday ('1'-'7') -> [{start, end}] 'HH:MM'; checked by the service, every weekday present. */
    weekly: jsonb().$type<WeeklyHours>().notNull(),
    /** Bumped by every change that can move a computed time, holidays and closures included. */
    version: integer().notNull().default(1),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [
    uniqueIndex('business_calendars_name_key').on(sql`lower(${table.name})`),
    check('business_calendars_weekly_check', sql`jsonb_typeof(${table.weekly}) = 'object'`),
  ],
);

/**
 * Holidays (a local date whose intervals do not open) and closures (an absolute
 * [starts_at, ends_at) range) of a calendar. Rows are immutable: delete and add.
 */
export const calendarClosures = pgTable(
  'calendar_closures',
  {
    id: serial().primaryKey(),
    calendarId: integer()
      .notNull()
      .references(() => businessCalendars.id, { onDelete: 'cascade' }),
    kind: text({ enum: CLOSURE_KINDS }).notNull(),
    name: text().notNull().default(''),
    /** Holidays: the local date in the calendar's zone. */
    date: date({ mode: 'string' }),
    /** Closures: the closed range. */
    startsAt: timestamp({ withTimezone: true }),
    endsAt: timestamp({ withTimezone: true }),
    source: text({ enum: CLOSURE_SOURCES }).notNull().default('manual'),
    /** The iCalendar UID the row came from, so a re-import replaces instead of duplicating. */
    uid: text(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [
    index().on(table.calendarId, table.date),
    index().on(table.calendarId, table.uid),
    // One manual holiday per date; imported ones are keyed by their UID instead.
    uniqueIndex('calendar_closures_manual_holiday_key')
      .on(table.calendarId, table.date)
      .where(sql`${table.kind} = 'holiday' and ${table.source} = 'manual'`),
    check('calendar_closures_kind_check', sql`${table.kind} in ('holiday', 'closure')`),
    check('calendar_closures_source_check', sql`${table.source} in ('manual', 'ical')`),
    check(
      'calendar_closures_shape_check',
      sql`(${table.kind} = 'holiday' and ${table.date} is not null and ${table.startsAt} is null and ${table.endsAt} is null)
        or (${table.kind} = 'closure' and ${table.date} is null and ${table.startsAt} is not null and ${table.endsAt} > ${table.startsAt})`,
    ),
    check('calendar_closures_uid_check', sql`(${table.source} = 'ical') = (${table.uid} is not null)`),
  ],
);

export type BusinessCalendarRow = typeof businessCalendars.$inferSelect;
export type NewBusinessCalendar = typeof businessCalendars.$inferInsert;
export type CalendarClosure = typeof calendarClosures.$inferSelect;
export type NewCalendarClosure = typeof calendarClosures.$inferInsert;
