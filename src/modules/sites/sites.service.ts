import type { Actor, RequestContext } from '../../platform/auth/actor.ts';
import type { Database, Executor } from '../../platform/db/client.ts';
import { listing, listQueries, type ListQueries, type Page } from '../../platform/db/list.ts';
import { commonErrors, fieldError, type AppError, type FieldErrors } from '../../platform/http/errors.ts';
import type { ListParams } from '../../platform/http/query.ts';
import type { AuditService } from '../audit/index.ts';
import { sitesErrors } from './sites.errors.ts';
import { facilityScope } from './sites.policy.ts';
import * as repository from './sites.repository.ts';
import type { Facility } from './sites.repository.ts';
import type { FacilityStatus, Location, Shift } from './sites.tables.ts';
import { pgErrorOf } from '../../platform/db/errors.ts';
import { recordFacility, recordSite } from './sites.events.ts';

export interface LocationInput {
  name?: string;
  description?: string;
  address?: string;
  /** IANA zone, e.g. Europe/Berlin; stored in its canonical spelling. */
  timeZone?: string;
}

export interface FacilityInput {
  name?: string;
  description?: string;
  locationId?: number | null;
  status?: FacilityStatus;
}

export interface ShiftInput {
  name?: string;
  description?: string;
  /** 'HH:MM' or 'HH:MM:SS'; an end before the start means the shift ends the next day. */
  startTime?: string | null;
  endTime?: string | null;
}

export interface SitesDeps {
  db: Database;
  audit: Pick<AuditService, 'record'>;
}

const NAME_MAX = 200;
const TIME_OF_DAY = /^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d)?$/;

const locationNameTaken = () => fieldError('name', 'A location with this name already exists.');
const facilityNameTaken = () =>
  fieldError('name', 'A facility with this name already exists at this location.');
const shiftNameTaken = () => fieldError('name', 'A shift with this name already exists.');
const unknownLocation = (id: number) =>
  fieldError('location_id', `Invalid pk "${id}" - object does not exist.`);

/** The canonical name of an IANA zone ("europe/berlin" -> "Europe/Berlin"), undefined when unknown. */
function canonicalTimeZone(zone: string): string | undefined {
  try {
    return new Intl.DateTimeFormat('en', { timeZone: zone }).resolvedOptions().timeZone;
  } catch {
    return undefined;
  }
}

/**
 * Field checks shared by create and update; collects every problem at once. Returns
 * the input with its name trimmed (DRF trims text fields).
 */
function validated<T extends { name?: string }>(
  input: T,
  creating: boolean,
  more?: (add: (field: string, message: string) => void) => void,
): T {
  const fields: FieldErrors = {};
  const add = (field: string, message: string) => (fields[field] ??= []).push(message);
  const name = input.name?.trim();
  if (name === undefined) {
    if (creating) add('name', 'This field is required.');
  } else if (name === '') add('name', 'This field may not be blank.');
  else if (name.length > NAME_MAX) add('name', `Ensure this field has no more than ${NAME_MAX} characters.`);
  more?.(add);
  if (Object.keys(fields).length > 0) throw commonErrors.VALIDATION_FAILED({ fields });
  return name === undefined ? input : { ...input, name };
}

function validatedLocation(input: LocationInput, creating: boolean): LocationInput {
  let timeZone: string | undefined;
  const checked = validated(input, creating, (add) => {
    if (input.timeZone === undefined) return;
    timeZone = canonicalTimeZone(input.timeZone);
    if (!timeZone) add('time_zone', `"${input.timeZone}" is not a known time zone.`);
  });
  return timeZone === undefined ? checked : { ...checked, timeZone };
}

function validatedShift(input: ShiftInput, creating: boolean): ShiftInput {
  return validated(input, creating, (add) => {
    for (const [field, value] of [
      ['start_time', input.startTime],
      ['end_time', input.endTime],
    ] as const) {
      if (typeof value === 'string' && !TIME_OF_DAY.test(value))
        add(field, 'Time has wrong format. Use hh:mm[:ss].');
    }
  });
}

/**
 * Runs a statement, turning the integrity errors the checks before it could not rule
 * out (a concurrent insert, a reference from another module) into precise errors.
 */
async function translating<T>(
  write: Promise<T>,
  translations: { unique?: () => AppError; reference?: () => AppError },
): Promise<T> {
  try {
    return await write;
  } catch (error) {
    const code = pgErrorOf(error)?.code;
    const replacement =
      code === '23505' ? translations.unique : code === '23503' ? translations.reference : undefined;
    throw replacement ? replacement() : error;
  }
}

export function createSitesService({ db, audit }: SitesDeps) {
  /** The location a facility points at, or null; a missing one is a field error. */
  async function checkLocation(executor: Executor, locationId: number | null): Promise<Location | null> {
    if (locationId === null) return null;
    const location = await repository.locationById(executor, locationId);
    if (!location) throw unknownLocation(locationId);
    return location;
  }

  const facilityQueries: ListQueries<Facility> = {
    rows: (where, orderBy, limit, offset) => repository.listFacilities(db, where, orderBy, limit, offset),
    count: (where) => repository.countFacilities(db, where),
  };

  const locationListing = listing(
    repository.locationList,
    listQueries(db, repository.listLocations, repository.countLocations),
  );
  const facilityListing = listing(repository.facilityList, facilityQueries);
  const shiftListing = listing(
    repository.shiftList,
    listQueries(db, repository.listShifts, repository.countShifts),
  );
  return {
    // Locations

    listLocations(params: ListParams): Promise<Page<Location>> {
      return locationListing.page(params);
    },

    allLocations(params: ListParams): AsyncIterable<Location> {
      return locationListing.all(params);
    },

    async getLocation(id: number): Promise<Location> {
      const location = await repository.locationById(db, id);
      if (!location) throw sitesErrors.SITES_LOCATION_NOT_FOUND();
      return location;
    },

    /** Locations by id, for other modules that embed one (a time entry's location): one query for any number. */
    locationsByIds(ids: number[]): Promise<Location[]> {
      return repository.locationsByIds(db, [...new Set(ids)]);
    },

    async createLocation(ctx: RequestContext, given: LocationInput): Promise<Location> {
      const input = validatedLocation(given, true);
      const name = input.name ?? '';
      return db.transaction(async (tx) => {
        if (await repository.locationNameTaken(tx, name)) throw locationNameTaken();
        const location = await translating(
          repository.insertLocation(tx, {
            name,
            description: input.description,
            address: input.address,
            timeZone: input.timeZone,
          }),
          { unique: locationNameTaken },
        );
        await audit.record(tx, ctx, {
          action: 'location.created',
          resourceType: 'location',
          resourceId: location.id,
          after: location,
        });
        await recordSite(tx, ctx, 'created', location);
        return location;
      });
    },

    /** Applies a partial update; a stale `expectedVersion` is a VERSION_CONFLICT carrying the current location. */
    async updateLocation(
      ctx: RequestContext,
      id: number,
      given: LocationInput,
      expectedVersion?: number,
    ): Promise<Location> {
      const input = validatedLocation(given, false);
      return db.transaction(async (tx) => {
        const before = await repository.locationById(tx, id, { lock: true });
        if (!before) throw sitesErrors.SITES_LOCATION_NOT_FOUND();
        if (input.name !== undefined && (await repository.locationNameTaken(tx, input.name, id)))
          throw locationNameTaken();
        const after = await translating(repository.updateLocation(tx, id, input, expectedVersion), {
          unique: locationNameTaken,
        });
        if (!after) throw commonErrors.VERSION_CONFLICT({ extra: { current: before } });
        await audit.record(tx, ctx, {
          action: 'location.updated',
          resourceType: 'location',
          resourceId: id,
          before,
          after,
        });
        await recordSite(tx, ctx, 'updated', after);
        return after;
      });
    },

    /** Deletes a location nothing refers to; one that still has facilities is SITES_LOCATION_IN_USE. */
    async deleteLocation(ctx: RequestContext, id: number, expectedVersion?: number): Promise<void> {
      await db.transaction(async (tx) => {
        const before = await repository.locationById(tx, id, { lock: true });
        if (!before) throw sitesErrors.SITES_LOCATION_NOT_FOUND();
        const facilities = await repository.countFacilitiesAt(tx, id);
        if (facilities > 0) {
          throw sitesErrors.SITES_LOCATION_IN_USE({
            message: `This location still has ${facilities} ${facilities === 1 ? 'facility' : 'facilities'}; move or delete them first.`,
            extra: { facilities },
          });
        }
        const deleted = await translating(repository.deleteLocation(tx, id, expectedVersion), {
          reference: () => sitesErrors.SITES_LOCATION_IN_USE(),
        });
        if (!deleted) throw commonErrors.VERSION_CONFLICT({ extra: { current: before } });
        await audit.record(tx, ctx, {
          action: 'location.deleted',
          resourceType: 'location',
          resourceId: id,
          before,
        });
        await recordSite(tx, ctx, 'deleted', before);
      });
    },

    // Facilities

    /** Facilities with their location (one query per page, plus the count in v1); inactive ones only for admins and managers. */
    listFacilities(actor: Actor, params: ListParams): Promise<Page<Facility>> {
      return facilityListing.page(params, facilityScope(actor));
    },

    allFacilities(actor: Actor, params: ListParams): AsyncIterable<Facility> {
      return facilityListing.all(params, facilityScope(actor));
    },

    async getFacility(actor: Actor, id: number): Promise<Facility> {
      const facility = await repository.facilityById(db, id, facilityScope(actor));
      if (!facility) throw sitesErrors.SITES_FACILITY_NOT_FOUND();
      return facility;
    },

    /**
     * Facilities by id with their location, for other modules that embed one (a ticket's
     * facility): one query for any number. Not scoped: the embedding module decides who sees the row.
     */
    facilitiesByIds(ids: number[]): Promise<Facility[]> {
      return repository.facilitiesByIds(db, [...new Set(ids)]);
    },

    async createFacility(ctx: RequestContext, given: FacilityInput): Promise<Facility> {
      const input = validated(given, true);
      const name = input.name ?? '';
      const locationId = input.locationId ?? null;
      return db.transaction(async (tx) => {
        const location = await checkLocation(tx, locationId);
        if (await repository.facilityNameTaken(tx, locationId, name)) throw facilityNameTaken();
        const row = await translating(
          repository.insertFacility(tx, {
            name,
            description: input.description,
            locationId,
            status: input.status,
          }),
          { unique: facilityNameTaken, reference: () => unknownLocation(locationId ?? 0) },
        );
        const facility: Facility = { ...row, location };
        await audit.record(tx, ctx, {
          action: 'facility.created',
          resourceType: 'facility',
          resourceId: row.id,
          after: facility,
        });
        await recordFacility(tx, ctx, 'created', row);
        return facility;
      });
    },

    /** Applies a partial update; a stale `expectedVersion` is a VERSION_CONFLICT carrying the current facility. */
    async updateFacility(
      ctx: RequestContext,
      id: number,
      given: FacilityInput,
      expectedVersion?: number,
    ): Promise<Facility> {
      const input = validated(given, false);
      return db.transaction(async (tx) => {
        const before = await repository.facilityById(tx, id, facilityScope(ctx.actor), { lock: true });
        if (!before) throw sitesErrors.SITES_FACILITY_NOT_FOUND();
        const locationId = input.locationId === undefined ? before.locationId : input.locationId;
        const location =
          input.locationId === undefined ? before.location : await checkLocation(tx, locationId);
        if (
          (input.name !== undefined || input.locationId !== undefined) &&
          (await repository.facilityNameTaken(tx, locationId, input.name ?? before.name, id))
        ) {
          throw facilityNameTaken();
        }
        const values = {
          name: input.name,
          description: input.description,
          locationId: input.locationId,
          status: input.status,
        };
        const row = await translating(repository.updateFacility(tx, id, values, expectedVersion), {
          unique: facilityNameTaken,
          reference: () => unknownLocation(locationId ?? 0),
        });
        if (!row) throw commonErrors.VERSION_CONFLICT({ extra: { current: before } });
        const after: Facility = { ...row, location };
        await audit.record(tx, ctx, {
          action: 'facility.updated',
          resourceType: 'facility',
          resourceId: id,
          before,
          after,
        });
        await recordFacility(tx, ctx, 'updated', row);
        return after;
      });
    },

    async deleteFacility(ctx: RequestContext, id: number, expectedVersion?: number): Promise<void> {
      await db.transaction(async (tx) => {
        const before = await repository.facilityById(tx, id, facilityScope(ctx.actor), { lock: true });
        if (!before) throw sitesErrors.SITES_FACILITY_NOT_FOUND();
        const deleted = await translating(repository.deleteFacility(tx, id, expectedVersion), {
          reference: () => sitesErrors.SITES_FACILITY_IN_USE(),
        });
        if (!deleted) throw commonErrors.VERSION_CONFLICT({ extra: { current: before } });
        await audit.record(tx, ctx, {
          action: 'facility.deleted',
          resourceType: 'facility',
          resourceId: id,
          before,
        });
        await recordFacility(tx, ctx, 'deleted', before);
      });
    },

    // Shifts

    listShifts(params: ListParams): Promise<Page<Shift>> {
      return shiftListing.page(params);
    },

    allShifts(params: ListParams): AsyncIterable<Shift> {
      return shiftListing.all(params);
    },

    async getShift(id: number): Promise<Shift> {
      const shift = await repository.shiftById(db, id);
      if (!shift) throw sitesErrors.SITES_SHIFT_NOT_FOUND();
      return shift;
    },

    /** Shifts by id, for other modules that embed one (a time entry's shift): one query for any number. */
    shiftsByIds(ids: number[]): Promise<Shift[]> {
      return repository.shiftsByIds(db, [...new Set(ids)]);
    },

    async createShift(ctx: RequestContext, given: ShiftInput): Promise<Shift> {
      const input = validatedShift(given, true);
      const name = input.name ?? '';
      return db.transaction(async (tx) => {
        if (await repository.shiftNameTaken(tx, name)) throw shiftNameTaken();
        const shift = await translating(
          repository.insertShift(tx, {
            name,
            description: input.description,
            startTime: input.startTime ?? null,
            endTime: input.endTime ?? null,
          }),
          { unique: shiftNameTaken },
        );
        await audit.record(tx, ctx, {
          action: 'shift.created',
          resourceType: 'shift',
          resourceId: shift.id,
          after: shift,
        });
        return shift;
      });
    },

    /** Applies a partial update; a stale `expectedVersion` is a VERSION_CONFLICT carrying the current shift. */
    async updateShift(
      ctx: RequestContext,
      id: number,
      given: ShiftInput,
      expectedVersion?: number,
    ): Promise<Shift> {
      const input = validatedShift(given, false);
      return db.transaction(async (tx) => {
        const before = await repository.shiftById(tx, id, { lock: true });
        if (!before) throw sitesErrors.SITES_SHIFT_NOT_FOUND();
        if (input.name !== undefined && (await repository.shiftNameTaken(tx, input.name, id)))
          throw shiftNameTaken();
        const after = await translating(repository.updateShift(tx, id, input, expectedVersion), {
          unique: shiftNameTaken,
        });
        if (!after) throw commonErrors.VERSION_CONFLICT({ extra: { current: before } });
        await audit.record(tx, ctx, {
          action: 'shift.updated',
          resourceType: 'shift',
          resourceId: id,
          before,
          after,
        });
        return after;
      });
    },

    async deleteShift(ctx: RequestContext, id: number, expectedVersion?: number): Promise<void> {
      await db.transaction(async (tx) => {
        const before = await repository.shiftById(tx, id, { lock: true });
        if (!before) throw sitesErrors.SITES_SHIFT_NOT_FOUND();
        const deleted = await translating(repository.deleteShift(tx, id, expectedVersion), {
          reference: () => sitesErrors.SITES_SHIFT_IN_USE(),
        });
        if (!deleted) throw commonErrors.VERSION_CONFLICT({ extra: { current: before } });
        await audit.record(tx, ctx, {
          action: 'shift.deleted',
          resourceType: 'shift',
          resourceId: id,
          before,
        });
      });
    },
  };
}

export type SitesService = ReturnType<typeof createSitesService>;
