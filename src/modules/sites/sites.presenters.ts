import type { Static } from '@sinclair/typebox';
import type { Facility } from './sites.repository.ts';
import type { FacilityV1, FacilityV2, LocationV1, LocationV2, ShiftV1, ShiftV2 } from './sites.schemas.ts';
import type { Location, Shift } from './sites.tables.ts';

export const presentLocationV1 = (location: Location): Static<typeof LocationV1> => ({
  id: location.id,
  name: location.name,
  description: location.description,
  address: location.address,
  time_zone: location.timeZone,
  version: location.version,
  created_at: location.createdAt.toISOString(),
});

export const presentFacilityV1 = (facility: Facility): Static<typeof FacilityV1> => ({
  id: facility.id,
  name: facility.name,
  description: facility.description,
  location: facility.location ? presentLocationV1(facility.location) : null,
  status: facility.status === 'active' ? 'Active' : 'Inactive',
  version: facility.version,
  created_at: facility.createdAt.toISOString(),
  updated_at: facility.updatedAt.toISOString(),
});

export const presentShiftV1 = (shift: Shift): Static<typeof ShiftV1> => ({
  id: shift.id,
  name: shift.name,
  description: shift.description,
  start_time: shift.startTime,
  end_time: shift.endTime,
  version: shift.version,
  created_at: shift.createdAt.toISOString(),
  updated_at: shift.updatedAt.toISOString(),
});

export const presentLocationV2 = (location: Location): Static<typeof LocationV2> => ({
  id: location.id,
  name: location.name,
  description: location.description,
  address: location.address,
  time_zone: location.timeZone,
  version: location.version,
  created_at: location.createdAt.toISOString(),
  updated_at: location.updatedAt.toISOString(),
});

export const presentFacilityV2 = (facility: Facility): Static<typeof FacilityV2> => ({
  id: facility.id,
  name: facility.name,
  description: facility.description,
  status: facility.status,
  location_id: facility.locationId,
  location: facility.location ? { id: facility.location.id, name: facility.location.name } : null,
  version: facility.version,
  created_at: facility.createdAt.toISOString(),
  updated_at: facility.updatedAt.toISOString(),
});

export const presentShiftV2 = (shift: Shift): Static<typeof ShiftV2> => ({
  id: shift.id,
  name: shift.name,
  description: shift.description,
  start_time: shift.startTime,
  end_time: shift.endTime,
  version: shift.version,
  created_at: shift.createdAt.toISOString(),
  updated_at: shift.updatedAt.toISOString(),
});
