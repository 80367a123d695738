import {
  and,
  asc,
  count,
  eq,
  exists,
  ilike,
  inArray,
  isNotNull,
  isNull,
  ne,
  notExists,
  or,
  sql,
  type SQL,
} from 'drizzle-orm';
import type { Executor } from '../../platform/db/client.ts';
import { defineList } from '../../platform/http/query.ts';
import {
  scheduledEventAssignees,
  scheduledEventExceptions,
  scheduledEvents,
  timeOffRequests,
  type EVENT_STATUSES,
  type EVENT_TYPES,
  type ScheduledEvent,
} from './workforce.tables.ts';

export type EventType = (typeof EVENT_TYPES)[number];
export type EventStatus = (typeof EVENT_STATUSES)[number];
export type NewScheduledEvent = typeof scheduledEvents.$inferInsert;
export type EventException = typeof scheduledEventExceptions.$inferSelect;

/** What lists of events can be narrowed by (all optional, values OR-ed within a filter). */
export interface EventFilters {
  userIds?: number[];
  locationIds?: number[];
  facilityIds?: number[];
  eventTypes?: EventType[];
  statuses?: EventStatus[];
  /** Case-insensitive substring of the title. */
  search?: string;
}

const assignedTo = (userIds: number[]) =>
  exists(
    sql`(select 1 from ${scheduledEventAssignees} where ${scheduledEventAssignees.eventId} = ${scheduledEvents.id} and ${scheduledEventAssignees.userId} = any(${sql.param(userIds)}))`,
  );

/**
 * The events an actor may see, given the users whose schedules they see (themselves,
 * or a manager's department): events assigned to any of those users, events the actor
 * created, and open events (nobody assigned yet).
 */
export function visibilityScope(actorUserId: number, visibleUserIds: number[]): SQL | undefined {
  return or(
    eq(scheduledEvents.createdBy, actorUserId),
    assignedTo(visibleUserIds),
    notExists(
      sql`(select 1 from ${scheduledEventAssignees} where ${scheduledEventAssignees.eventId} = ${scheduledEvents.id})`,
    ),
  );
}

export function filtersOf(filters: EventFilters): SQL | undefined {
  const escape = (term: string) => term.replace(/[\\%_]/g, (c) => `\\${c}`);
  return and(
    filters.userIds?.length ? assignedTo(filters.userIds) : undefined,
    filters.locationIds?.length ? inArray(scheduledEvents.locationId, filters.locationIds) : undefined,
    filters.facilityIds?.length ? inArray(scheduledEvents.facilityId, filters.facilityIds) : undefined,
    filters.eventTypes?.length ? inArray(scheduledEvents.eventType, filters.eventTypes) : undefined,
    filters.statuses?.length ? inArray(scheduledEvents.status, filters.statuses) : undefined,
    filters.search ? ilike(scheduledEvents.title, `%${escape(filters.search)}%`) : undefined,
  );
}

/**
 * Series that may have an occurrence overlapping [from, to): one-off events that
 * overlap it, recurring ones that start before its end (their rule decides the rest),
 * and recurring ones with an occurrence moved into it.
 */
export function mayOccurIn(from: Date, to: Date): SQL | undefined {
  return or(
    and(
      isNull(scheduledEvents.rrule),
      sql`${scheduledEvents.startsAt} < ${to}`,
      sql`${scheduledEvents.endsAt} > ${from}`,
    ),
    and(isNotNull(scheduledEvents.rrule), sql`${scheduledEvents.startsAt} < ${to}`),
    and(
      isNotNull(scheduledEvents.rrule),
      exists(
        sql`(select 1 from ${scheduledEventExceptions} where ${scheduledEventExceptions.eventId} = ${scheduledEvents.id} and ${scheduledEventExceptions.startsAt} < ${to} and ${scheduledEventExceptions.endsAt} > ${from})`,
      ),
    ),
  );
}

/**
 * The stored events as a list (v1 `/scheduled-events/`): one row per event, recurring
 * ones once with their rule. Who is assigned is a scope (`assignedTo`), not a column.
 */
export const eventList = defineList({
  id: scheduledEvents.id,
  filters: {
    location: {
      column: scheduledEvents.locationId,
      type: 'integer',
      description: 'Location id(s), comma-separated.',
    },
    facility: {
      column: scheduledEvents.facilityId,
      type: 'integer',
      description: 'Facility id(s), comma-separated.',
    },
    event_type: {
      column: scheduledEvents.eventType,
      type: 'string',
      description: 'Event type(s), comma-separated.',
    },
    status: { column: scheduledEvents.status, type: 'string', description: 'Status(es), comma-separated.' },
  },
  search: [scheduledEvents.title],
  sort: {
    id: { column: scheduledEvents.id },
    start_time: { column: scheduledEvents.startsAt, value: (row: ScheduledEvent) => row.startsAt },
    end_time: { column: scheduledEvents.endsAt, value: (row: ScheduledEvent) => row.endsAt },
    title: { column: scheduledEvents.title },
    created_at: { column: scheduledEvents.createdAt },
    updated_at: { column: scheduledEvents.updatedAt },
  },
  defaultSort: 'start_time',
});

/** Events assigned to any of `userIds`. */
export const assignedToAny = (userIds: number[]): SQL => assignedTo(userIds);

export function listEvents(
  executor: Executor,
  where: SQL | undefined,
  orderBy: SQL[],
  limit: number,
  offset: number,
): Promise<ScheduledEvent[]> {
  return executor
    .select()
    .from(scheduledEvents)
    .where(where)
    .orderBy(...orderBy)
    .limit(limit)
    .offset(offset);
}

export async function countEvents(executor: Executor, where: SQL | undefined): Promise<number> {
  const [row] = await executor.select({ value: count() }).from(scheduledEvents).where(where);
  return row?.value ?? 0;
}

/** Series matching `where`, in id order, at most `limit`. */
export function eventsWhere(
  executor: Executor,
  where: SQL | undefined,
  limit: number,
): Promise<ScheduledEvent[]> {
  return executor.select().from(scheduledEvents).where(where).orderBy(asc(scheduledEvents.id)).limit(limit);
}

/** One series within `scope`; `lock` takes a row lock for the rest of the transaction. */
export async function eventById(
  executor: Executor,
  id: number,
  scope?: SQL,
  options: { lock?: boolean } = {},
): Promise<ScheduledEvent | undefined> {
  const query = executor
    .select()
    .from(scheduledEvents)
    .where(and(eq(scheduledEvents.id, id), scope));
  const [row] = options.lock ? await query.for('update') : await query;
  return row;
}

export async function assigneesOf(
  executor: Executor,
  eventIds: number[],
): Promise<{ eventId: number; userId: number }[]> {
  if (eventIds.length === 0) return [];
  return executor
    .select()
    .from(scheduledEventAssignees)
    .where(inArray(scheduledEventAssignees.eventId, eventIds))
    .orderBy(asc(scheduledEventAssignees.eventId), asc(scheduledEventAssignees.userId));
}

export async function exceptionsOf(executor: Executor, eventIds: number[]): Promise<EventException[]> {
  if (eventIds.length === 0) return [];
  return executor
    .select()
    .from(scheduledEventExceptions)
    .where(inArray(scheduledEventExceptions.eventId, eventIds))
    .orderBy(asc(scheduledEventExceptions.eventId), asc(scheduledEventExceptions.occurrenceStart));
}

export async function insertEvent(executor: Executor, values: NewScheduledEvent): Promise<ScheduledEvent> {
  const [row] = await executor.insert(scheduledEvents).values(values).returning();
  if (!row) throw new Error('insert returned no row');
  return row;
}

/** Updates (and bumps the version) when the version still matches; undefined when it does not. */
export async function updateEvent(
  executor: Executor,
  id: number,
  values: Partial<NewScheduledEvent>,
  expectedVersion?: number,
): Promise<ScheduledEvent | undefined> {
  const [row] = await executor
    .update(scheduledEvents)
    .set({ ...values, version: sql`${scheduledEvents.version} + 1`, updatedAt: new Date() })
    .where(
      and(
        eq(scheduledEvents.id, id),
        expectedVersion === undefined ? undefined : eq(scheduledEvents.version, expectedVersion),
      ),
    )
    .returning();
  return row;
}

export async function deleteEvent(
  executor: Executor,
  id: number,
  expectedVersion?: number,
): Promise<boolean> {
  const rows = await executor
    .delete(scheduledEvents)
    .where(
      and(
        eq(scheduledEvents.id, id),
        expectedVersion === undefined ? undefined : eq(scheduledEvents.version, expectedVersion),
      ),
    )
    .returning({ id: scheduledEvents.id });
  return rows.length > 0;
}

export async function replaceAssignees(
  executor: Executor,
  eventId: number,
  userIds: number[],
): Promise<void> {
  await executor.delete(scheduledEventAssignees).where(eq(scheduledEventAssignees.eventId, eventId));
  if (userIds.length > 0)
    await executor.insert(scheduledEventAssignees).values(userIds.map((userId) => ({ eventId, userId })));
}

export async function upsertException(executor: Executor, values: EventException): Promise<EventException> {
  const [row] = await executor
    .insert(scheduledEventExceptions)
    .values(values)
    .onConflictDoUpdate({
      target: [scheduledEventExceptions.eventId, scheduledEventExceptions.occurrenceStart],
      set: {
        cancelled: values.cancelled,
        startsAt: values.startsAt,
        endsAt: values.endsAt,
        title: values.title,
      },
    })
    .returning();
  if (!row) throw new Error('upsert returned no row');
  return row;
}

export async function deleteExceptions(executor: Executor, eventId: number, keys: Date[]): Promise<void> {
  if (keys.length === 0) return;
  await executor
    .delete(scheduledEventExceptions)
    .where(
      and(
        eq(scheduledEventExceptions.eventId, eventId),
        sql`${scheduledEventExceptions.occurrenceStart} = any(${sql.param(keys.map((key) => key.toISOString()))}::timestamptz[])`,
      ),
    );
}

/**
 * Serialises schedule changes per person for the rest of the transaction: a
 * transaction-level advisory lock per user on a hash of `events:user:<id>`, taken in
 * ascending id order so two transactions locking overlapping sets never deadlock.
 * Whoever checks a person's schedule for conflicts and then writes to it holds this.
 */
export async function lockUserSchedules(executor: Executor, userIds: number[]): Promise<void> {
  for (const userId of [...new Set(userIds)].sort((a, b) => a - b)) {
    await executor.execute(
      sql`select pg_advisory_xact_lock(hashtextextended(${`events:user:${userId}`}, 0))`,
    );
  }
}

/**
 * Live (not cancelled) series assigned to any of `userIds` that may occur in
 * [from, to), other than `exceptEventId`, with which of those users each has.
 */
export async function eventsOfUsers(
  executor: Executor,
  userIds: number[],
  from: Date,
  to: Date,
  exceptEventId?: number,
): Promise<{ event: ScheduledEvent; userIds: number[] }[]> {
  if (userIds.length === 0) return [];
  const rows = await executor
    .select({ event: scheduledEvents, userId: scheduledEventAssignees.userId })
    .from(scheduledEventAssignees)
    .innerJoin(scheduledEvents, eq(scheduledEvents.id, scheduledEventAssignees.eventId))
    .where(
      and(
        inArray(scheduledEventAssignees.userId, userIds),
        ne(scheduledEvents.status, 'cancelled'),
        exceptEventId === undefined ? undefined : ne(scheduledEvents.id, exceptEventId),
        mayOccurIn(from, to),
      ),
    )
    .orderBy(asc(scheduledEvents.id), asc(scheduledEventAssignees.userId));
  const byEvent = new Map<number, { event: ScheduledEvent; userIds: number[] }>();
  for (const { event, userId } of rows) {
    const entry = byEvent.get(event.id) ?? { event, userIds: [] };
    entry.userIds.push(userId);
    byEvent.set(event.id, entry);
  }
  return [...byEvent.values()];
}

/** Approved time off of `userIds` touching the days [fromDate, toDate] (YYYY-MM-DD, inclusive). */
export function approvedTimeOff(
  executor: Executor,
  userIds: number[],
  fromDate: string,
  toDate: string,
): Promise<{ id: number; userId: number; requestType: string; startDate: string; endDate: string }[]> {
  if (userIds.length === 0) return Promise.resolve([]);
  return executor
    .select({
      id: timeOffRequests.id,
      userId: timeOffRequests.userId,
      requestType: timeOffRequests.requestType,
      startDate: timeOffRequests.startDate,
      endDate: timeOffRequests.endDate,
    })
    .from(timeOffRequests)
    .where(
      and(
        inArray(timeOffRequests.userId, userIds),
        eq(timeOffRequests.status, 'approved'),
        sql`${timeOffRequests.startDate} <= ${toDate}::date`,
        sql`${timeOffRequests.endDate} >= ${fromDate}::date`,
      ),
    )
    .orderBy(asc(timeOffRequests.userId), asc(timeOffRequests.startDate));
}
