import { defineErrors } from '../../platform/http/errors.ts';

export const sitesErrors = defineErrors({
  SITES_LOCATION_NOT_FOUND: ['not_found', 'Not found.'],
  SITES_FACILITY_NOT_FOUND: ['not_found', 'Not found.'],
  SITES_SHIFT_NOT_FOUND: ['not_found', 'Not found.'],
  SITES_LOCATION_IN_USE: [
    'conflict',
    'This location is still in use; move or delete what refers to it first.',
  ],
  SITES_FACILITY_IN_USE: [
    'conflict',
    'This facility is still referenced elsewhere; it can be set inactive instead.',
  ],
  SITES_SHIFT_IN_USE: ['conflict', 'This shift is still referenced elsewhere and cannot be deleted.'],
});
