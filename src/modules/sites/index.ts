/**
 * Sites: locations (with their time zone), facilities at a location (active or
 * inactive) and shift templates. Other modules embed them through
 * `locationsByIds()` / `facilitiesByIds()` / `shiftsByIds()` and present them with
 * the v1 presenters below.
 */
export {
  createSitesService,
  type FacilityInput,
  type LocationInput,
  type ShiftInput,
  type SitesService,
} from './sites.service.ts';
export { facilitiesForExport } from './sites.export.ts';
export { sitesPermissions } from './sites.policy.ts';
export { type SitesRouteOptions } from './sites.routes.ts';
export { sitesRoutesV1 } from './sites.routes.v1.ts';
export { sitesRoutesV2 } from './sites.routes.v2.ts';
export {
  presentFacilityV1,
  presentFacilityV2,
  presentLocationV1,
  presentLocationV2,
  presentShiftV1,
  presentShiftV2,
} from './sites.presenters.ts';
export { FacilityV1, FacilityV2, LocationV1, LocationV2, ShiftV1, ShiftV2 } from './sites.schemas.ts';
export type { Facility } from './sites.repository.ts';
export type { FacilityStatus, Location, Shift } from './sites.tables.ts';
export { sitesEvents } from './sites.events.ts';
export { withSitesCache } from './sites.cache.ts';
export { sitesEventVisibility } from './sites.visibility.ts';
