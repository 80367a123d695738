import type { Actor, RequestContext } from '../../platform/auth/actor.ts';
import type { Executor } from '../../platform/db/client.ts';
import { listing, type ListQueries, type Page } from '../../platform/db/list.ts';
import { commonErrors } from '../../platform/http/errors.ts';
import type { ListParams } from '../../platform/http/query.ts';
import { sitesErrors } from './sites.errors.ts';
import { facilityScope } from './sites.policy.ts';
import * as repository from './sites.repository.ts';
import type { Facility } from './sites.repository.ts';
import type { Location } from './sites.tables.ts';
import { recordFacility } from './sites.events.ts';
import {
  facilityNameTaken,
  translating,
  unknownLocation,
  validated,
  type FacilityInput,
  type SitesDeps,
} from './sites.rules.ts';

export function createFacilityService({ db, audit }: SitesDeps) {
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
  const facilityListing = listing(repository.facilityList, facilityQueries);
  return {
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
  };
}
