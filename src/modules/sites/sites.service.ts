import { createFacilityService } from './sites.facilities.ts';
import { createLocationService } from './sites.locations.ts';
import type { SitesDeps } from './sites.rules.ts';
import { createShiftService } from './sites.shifts.ts';

export type { FacilityInput, LocationInput, ShiftInput, SitesDeps } from './sites.rules.ts';

/** Locations, their facilities, and the shifts people work. */
export function createSitesService(deps: SitesDeps) {
  return {
    ...createLocationService(deps),
    ...createFacilityService(deps),
    ...createShiftService(deps),
  };
}

export type SitesService = ReturnType<typeof createSitesService>;
