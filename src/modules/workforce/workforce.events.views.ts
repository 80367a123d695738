import { type SQL } from 'drizzle-orm';
import type { Actor } from '../../platform/auth/actor.ts';
import type { Database, Executor } from '../../platform/db/client.ts';
import type { AuditService } from '../audit/index.ts';
import type { IdentityService, Person } from '../identity/index.ts';
import type { Facility, Location, SitesService } from '../sites/index.ts';
import { workforceErrors } from './workforce.errors.ts';
import * as repository from './workforce.events.repository.ts';
import type { EventException } from './workforce.events.repository.ts';
import { occurrenceAt, type Occurrence, type Series } from './workforce.events.recurrence.ts';
import { visibleUserIds } from './workforce.policy.ts';
import type { ScheduledEvent } from './workforce.tables.ts';

/** A series with everything a page shows: people, location and facility from their modules. */
export interface EventView extends ScheduledEvent {
  assigneeIds: number[];
  exceptions: EventException[];
  assignees: Person[];
  creator: Person | null;
  location: Location | null;
  facility: Facility | null;
}

/** One occurrence of a series, exceptions applied. */
export interface OccurrenceView extends Occurrence {
  event: EventView;
  recurring: boolean;
}

export interface EventsDeps {
  db: Database;
  audit: Pick<AuditService, 'record'>;
  identity: Pick<IdentityService, 'peopleByUserIds' | 'userIdsInDepartment'>;
  sites: Pick<SitesService, 'locationsByIds' | 'facilitiesByIds'>;
}

export interface LoadedSeries extends ScheduledEvent {
  assigneeIds: number[];
  exceptions: EventException[];
}

export const seriesOf = (
  row: Pick<ScheduledEvent, 'startsAt' | 'endsAt' | 'timeZone' | 'rrule'>,
): Series => ({
  startsAt: row.startsAt,
  endsAt: row.endsAt,
  timeZone: row.timeZone,
  rrule: row.rrule,
});
/** Items grouped by a key, in their order: one pass, for joining a batch in memory. */
export function groupBy<T>(items: readonly T[], key: (item: T) => number): Map<number, T[]> {
  const groups = new Map<number, T[]>();
  for (const item of items) {
    const group = groups.get(key(item));
    if (group) group.push(item);
    else groups.set(key(item), [item]);
  }
  return groups;
}

export const byOccurrenceOrder = (a: OccurrenceView, b: OccurrenceView) =>
  a.startsAt.getTime() - b.startsAt.getTime() ||
  a.event.id - b.event.id ||
  a.occurrenceStart.getTime() - b.occurrenceStart.getTime();

/**
 * How events are read for the actor: whose schedules they see, and a batch of rows
 * loaded (assignees, exceptions) and embedded (people, location, facility).
 */
export function createEventViews({ db, identity, sites }: Pick<EventsDeps, 'db' | 'identity' | 'sites'>) {
  /** The users whose schedules the actor sees; undefined for admins (everyone). */
  const visibleUsers = (actor: Actor) => visibleUserIds(actor, (id) => identity.userIdsInDepartment(id));

  async function scopeFor(actor: Actor): Promise<SQL | undefined> {
    const users = await visibleUsers(actor);
    return users === undefined ? undefined : repository.visibilityScope(actor.userId, users);
  }

  async function load(executor: Executor, rows: ScheduledEvent[]): Promise<LoadedSeries[]> {
    const ids = rows.map((row) => row.id);
    const [assignees, exceptions] = await Promise.all([
      repository.assigneesOf(executor, ids),
      repository.exceptionsOf(executor, ids),
    ]);
    const assigneesByEvent = groupBy(assignees, (a) => a.eventId);
    const exceptionsByEvent = groupBy(exceptions, (e) => e.eventId);
    return rows.map((row) => ({
      ...row,
      assigneeIds: (assigneesByEvent.get(row.id) ?? []).map((a) => a.userId),
      exceptions: exceptionsByEvent.get(row.id) ?? [],
    }));
  }

  /** Embeds people, locations and facilities for a batch of series: one query per relation. */
  async function hydrate(rows: LoadedSeries[]): Promise<EventView[]> {
    const userIds = rows.flatMap((row) => [
      ...row.assigneeIds,
      ...(row.createdBy === null ? [] : [row.createdBy]),
    ]);
    const locationIds = rows.flatMap((row) => (row.locationId === null ? [] : [row.locationId]));
    const facilityIds = rows.flatMap((row) => (row.facilityId === null ? [] : [row.facilityId]));
    const [people, locations, facilities] = await Promise.all([
      userIds.length ? identity.peopleByUserIds(userIds) : [],
      locationIds.length ? sites.locationsByIds(locationIds) : [],
      facilityIds.length ? sites.facilitiesByIds(facilityIds) : [],
    ]);
    const person = new Map(people.map((p) => [p.user.id, p]));
    const location = new Map(locations.map((l) => [l.id, l]));
    const facility = new Map(facilities.map((f) => [f.id, f]));
    return rows.map((row) => ({
      ...row,
      assignees: row.assigneeIds.flatMap((id) => person.get(id) ?? []),
      creator: row.createdBy === null ? null : (person.get(row.createdBy) ?? null),
      location: row.locationId === null ? null : (location.get(row.locationId) ?? null),
      facility: row.facilityId === null ? null : (facility.get(row.facilityId) ?? null),
    }));
  }

  async function viewOf(executor: Executor, row: ScheduledEvent): Promise<EventView> {
    const [view] = await hydrate(await load(executor, [row]));
    if (!view) throw workforceErrors.WORKFORCE_NOT_FOUND();
    return view;
  }

  async function occurrenceView(executor: Executor, row: LoadedSeries, key: Date): Promise<OccurrenceView> {
    const occurrence = occurrenceAt(seriesOf(row), row.exceptions, key);
    if (!occurrence) throw workforceErrors.WORKFORCE_NOT_FOUND();
    const [event] = await hydrate(await load(executor, [row]));
    if (!event) throw workforceErrors.WORKFORCE_NOT_FOUND();
    return { ...occurrence, event, recurring: row.rrule !== null };
  }

  return { db, visibleUsers, scopeFor, load, hydrate, viewOf, occurrenceView };
}

export type EventViews = ReturnType<typeof createEventViews>;
