import type { Actor } from '../../platform/auth/actor.ts';
import { createTaggedCache, type TaggedCacheDeps } from '../../platform/cache/tagged-cache.ts';
import type { Page } from '../../platform/db/list.ts';
import type { ListParams } from '../../platform/http/query.ts';
import { seesInactiveFacilities } from './sites.policy.ts';
import type { Facility } from './sites.repository.ts';
import type { SitesService } from './sites.service.ts';
import type { Location } from './sites.tables.ts';

/**
 * Sites are reference data every form and page reads: their list pages are cached
 * (docs/caching.md), facilities per the one thing their scope depends on (whether the
 * actor sees inactive ones), and retired by the `site.*` and `facility.*` events.
 */
export function withSitesCache(service: SitesService, deps: TaggedCacheDeps): SitesService {
  const locations = createTaggedCache<Page<Location>>(deps, 'locations');
  const facilities = createTaggedCache<Page<Facility>>(deps, 'facilities');
  return {
    ...service,

    listLocations(params: ListParams): Promise<Page<Location>> {
      return locations.get(JSON.stringify(params), ['locations'], async () => ({
        value: await service.listLocations(params),
        tags: [],
      }));
    },

    listFacilities(actor: Actor, params: ListParams): Promise<Page<Facility>> {
      const key = JSON.stringify([seesInactiveFacilities(actor), params]);
      // A facility shows its site: a renamed site makes the page stale too.
      return facilities.get(key, ['facilities', 'locations'], async () => ({
        value: await service.listFacilities(actor, params),
        tags: [],
      }));
    },
  };
}
