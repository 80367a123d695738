import type { RequestContext } from '../../platform/auth/actor.ts';
import { listing, listQueries, type Page } from '../../platform/db/list.ts';
import { commonErrors } from '../../platform/http/errors.ts';
import type { ListParams } from '../../platform/http/query.ts';
import { sitesErrors } from './sites.errors.ts';
import * as repository from './sites.repository.ts';
import type { Location } from './sites.tables.ts';
import { recordSite } from './sites.events.ts';
import {
  locationNameTaken,
  translating,
  validatedLocation,
  type LocationInput,
  type SitesDeps,
} from './sites.rules.ts';

export function createLocationService({ db, audit }: SitesDeps) {
  const locationListing = listing(
    repository.locationList,
    listQueries(db, repository.listLocations, repository.countLocations),
  );
  return {
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
  };
}
