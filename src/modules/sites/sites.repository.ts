import { and, count, eq, getTableColumns, sql, type SQL } from 'drizzle-orm';
import type { AnyPgColumn } from 'drizzle-orm/pg-core';
import type { Executor } from '../../platform/db/client.ts';
import { compileSelect, selectBuilder } from '../../platform/db/compiled-select.ts';
import { defineList, type FilterDef } from '../../platform/http/query.ts';
import {
  facilities,
  locations,
  shifts,
  type FacilityRow,
  type Location,
  type NewFacility,
  type NewLocation,
  type NewShift,
  type Shift,
} from './sites.tables.ts';

/** A facility with the location every presenter shows (flat, so list cursors read its own columns). */
export type Facility = FacilityRow & { location: Location | null };

/** The optimistic-locking condition: none when the caller expects no particular version (last write wins). */
const versioned = (column: AnyPgColumn, expectedVersion: number | undefined) =>
  expectedVersion === undefined ? undefined : eq(column, expectedVersion);

// Locations

export const locationList = defineList({
  id: locations.id,
  filters: {},
  search: [locations.name, locations.description],
  sort: {
    id: { column: locations.id },
    name: { column: locations.name },
    created_at: { column: locations.createdAt },
  },
  defaultSort: 'id',
});

export function listLocations(
  executor: Executor,
  where: SQL | undefined,
  orderBy: SQL[],
  limit: number,
  offset: number,
): Promise<Location[]> {
  return executor
    .select()
    .from(locations)
    .where(where)
    .orderBy(...orderBy)
    .limit(limit)
    .offset(offset);
}

export async function countLocations(executor: Executor, where: SQL | undefined): Promise<number> {
  const [row] = await executor.select({ value: count() }).from(locations).where(where);
  return row?.value ?? 0;
}

/** One location; `lock` takes a row lock for the rest of the transaction (read-before-write). */
export async function locationById(
  executor: Executor,
  id: number,
  options: { lock?: boolean } = {},
): Promise<Location | undefined> {
  const query = executor.select().from(locations).where(eq(locations.id, id));
  const [row] = options.lock ? await query.for('update') : await query;
  return row;
}

export function locationsByIds(executor: Executor, ids: number[]): Promise<Location[]> {
  if (ids.length === 0) return Promise.resolve([]);
  return executor
    .select()
    .from(locations)
    .where(sql`${locations.id} = any(${sql.param(ids)})`);
}

export async function locationNameTaken(
  executor: Executor,
  name: string,
  exceptId?: number,
): Promise<boolean> {
  const [row] = await executor
    .select({ id: locations.id })
    .from(locations)
    .where(
      and(
        sql`lower(${locations.name}) = lower(${name})`,
        exceptId ? sql`${locations.id} <> ${exceptId}` : undefined,
      ),
    );
  return row !== undefined;
}

export async function insertLocation(executor: Executor, values: NewLocation): Promise<Location> {
  const [row] = await executor.insert(locations).values(values).returning();
  if (!row) throw new Error('insert returned no row');
  return row;
}

/** Updates a location if its version still matches; undefined when it does not (or the location is gone). */
export async function updateLocation(
  executor: Executor,
  id: number,
  values: Partial<NewLocation>,
  expectedVersion?: number,
): Promise<Location | undefined> {
  const [row] = await executor
    .update(locations)
    .set({ ...values, version: sql`${locations.version} + 1`, updatedAt: new Date() })
    .where(and(eq(locations.id, id), versioned(locations.version, expectedVersion)))
    .returning();
  return row;
}

export async function deleteLocation(
  executor: Executor,
  id: number,
  expectedVersion?: number,
): Promise<Location | undefined> {
  const [row] = await executor
    .delete(locations)
    .where(and(eq(locations.id, id), versioned(locations.version, expectedVersion)))
    .returning();
  return row;
}

export async function countFacilitiesAt(executor: Executor, locationId: number): Promise<number> {
  const [row] = await executor
    .select({ value: count() })
    .from(facilities)
    .where(eq(facilities.locationId, locationId));
  return row?.value ?? 0;
}

// Facilities

const facilityFilters = {
  location: { column: facilities.locationId, type: 'integer', description: 'Location id.' },
  status: { column: facilities.status, type: 'string', values: ['active', 'inactive'] },
} satisfies Record<string, FilterDef>;

/** The facility list (v2 spelling of status). The service runs both versions with this spec: the columns are the same. */
export const facilityList = defineList({
  id: facilities.id,
  filters: facilityFilters,
  search: [facilities.name, facilities.description],
  sort: {
    id: { column: facilities.id },
    name: { column: facilities.name },
    created_at: { column: facilities.createdAt },
  },
  defaultSort: 'id',
});

/** v1 filters status as the frontend spells it ("Active"), stored lowercase. */
export const facilityListV1 = defineList({
  ...facilityList,
  filters: {
    ...facilityFilters,
    status: {
      ...facilityFilters.status,
      values: ['Active', 'Inactive'],
      toColumn: (value) => value.toLowerCase(),
    },
  },
});

const facilityColumns = { ...getTableColumns(facilities), location: locations };

/** Facilities with their location: one query for any number of rows. */
function facilityQuery(executor: Executor) {
  return executor
    .select(facilityColumns)
    .from(facilities)
    .leftJoin(locations, eq(locations.id, facilities.locationId));
}

export function listFacilities(
  executor: Executor,
  where: SQL | undefined,
  orderBy: SQL[],
  limit: number,
  offset: number,
): Promise<Facility[]> {
  return facilityQuery(executor)
    .where(where)
    .orderBy(...orderBy)
    .limit(limit)
    .offset(offset);
}

export async function countFacilities(executor: Executor, where: SQL | undefined): Promise<number> {
  const [row] = await executor.select({ value: count() }).from(facilities).where(where);
  return row?.value ?? 0;
}

/** One facility within `scope` (the actor's visibility); `lock` row-locks the facility, not its location. */
export async function facilityById(
  executor: Executor,
  id: number,
  scope?: SQL,
  options: { lock?: boolean } = {},
): Promise<Facility | undefined> {
  const query = facilityQuery(executor).where(and(eq(facilities.id, id), scope));
  const [row] = options.lock ? await query.for('update', { of: facilities }) : await query;
  return row;
}

/** Every page of tickets or shifts hydrates its facilities here: compiled once (platform/db/compiled-select.ts). */
const facilitiesById = compileSelect(
  selectBuilder
    .select(facilityColumns)
    .from(facilities)
    .leftJoin(locations, eq(locations.id, facilities.locationId))
    .where(sql`${facilities.id} = any(${sql.placeholder('ids')})`),
);

export function facilitiesByIds(executor: Executor, ids: number[]): Promise<Facility[]> {
  if (ids.length === 0) return Promise.resolve([]);
  return facilitiesById.run(executor, { ids });
}

/** Facility names are unique per location (and among facilities without one). */
export async function facilityNameTaken(
  executor: Executor,
  locationId: number | null,
  name: string,
  exceptId?: number,
): Promise<boolean> {
  const [row] = await executor
    .select({ id: facilities.id })
    .from(facilities)
    .where(
      and(
        sql`coalesce(${facilities.locationId}, 0) = ${locationId ?? 0}`,
        sql`lower(${facilities.name}) = lower(${name})`,
        exceptId ? sql`${facilities.id} <> ${exceptId}` : undefined,
      ),
    );
  return row !== undefined;
}

export async function insertFacility(executor: Executor, values: NewFacility): Promise<FacilityRow> {
  const [row] = await executor.insert(facilities).values(values).returning();
  if (!row) throw new Error('insert returned no row');
  return row;
}

export async function updateFacility(
  executor: Executor,
  id: number,
  values: Partial<NewFacility>,
  expectedVersion?: number,
): Promise<FacilityRow | undefined> {
  const [row] = await executor
    .update(facilities)
    .set({ ...values, version: sql`${facilities.version} + 1`, updatedAt: new Date() })
    .where(and(eq(facilities.id, id), versioned(facilities.version, expectedVersion)))
    .returning();
  return row;
}

export async function deleteFacility(
  executor: Executor,
  id: number,
  expectedVersion?: number,
): Promise<FacilityRow | undefined> {
  const [row] = await executor
    .delete(facilities)
    .where(and(eq(facilities.id, id), versioned(facilities.version, expectedVersion)))
    .returning();
  return row;
}

// Shifts

export const shiftList = defineList({
  id: shifts.id,
  filters: {},
  search: [shifts.name, shifts.description],
  sort: {
    id: { column: shifts.id },
    name: { column: shifts.name },
    start_time: { column: shifts.startTime, nullable: true },
    created_at: { column: shifts.createdAt },
  },
  defaultSort: 'id',
});

export function listShifts(
  executor: Executor,
  where: SQL | undefined,
  orderBy: SQL[],
  limit: number,
  offset: number,
): Promise<Shift[]> {
  return executor
    .select()
    .from(shifts)
    .where(where)
    .orderBy(...orderBy)
    .limit(limit)
    .offset(offset);
}

export async function countShifts(executor: Executor, where: SQL | undefined): Promise<number> {
  const [row] = await executor.select({ value: count() }).from(shifts).where(where);
  return row?.value ?? 0;
}

export async function shiftById(
  executor: Executor,
  id: number,
  options: { lock?: boolean } = {},
): Promise<Shift | undefined> {
  const query = executor.select().from(shifts).where(eq(shifts.id, id));
  const [row] = options.lock ? await query.for('update') : await query;
  return row;
}

export function shiftsByIds(executor: Executor, ids: number[]): Promise<Shift[]> {
  if (ids.length === 0) return Promise.resolve([]);
  return executor
    .select()
    .from(shifts)
    .where(sql`${shifts.id} = any(${sql.param(ids)})`);
}

export async function shiftNameTaken(executor: Executor, name: string, exceptId?: number): Promise<boolean> {
  const [row] = await executor
    .select({ id: shifts.id })
    .from(shifts)
    .where(
      and(
        sql`lower(${shifts.name}) = lower(${name})`,
        exceptId ? sql`${shifts.id} <> ${exceptId}` : undefined,
      ),
    );
  return row !== undefined;
}

export async function insertShift(executor: Executor, values: NewShift): Promise<Shift> {
  const [row] = await executor.insert(shifts).values(values).returning();
  if (!row) throw new Error('insert returned no row');
  return row;
}

export async function updateShift(
  executor: Executor,
  id: number,
  values: Partial<NewShift>,
  expectedVersion?: number,
): Promise<Shift | undefined> {
  const [row] = await executor
    .update(shifts)
    .set({ ...values, version: sql`${shifts.version} + 1`, updatedAt: new Date() })
    .where(and(eq(shifts.id, id), versioned(shifts.version, expectedVersion)))
    .returning();
  return row;
}

export async function deleteShift(
  executor: Executor,
  id: number,
  expectedVersion?: number,
): Promise<Shift | undefined> {
  const [row] = await executor
    .delete(shifts)
    .where(and(eq(shifts.id, id), versioned(shifts.version, expectedVersion)))
    .returning();
  return row;
}
