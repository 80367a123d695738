import { sql } from 'drizzle-orm';
import { exportSource, isoTime, nested, type Nested } from '../../platform/http/projection.ts';
import { facilities, locations } from './sites.tables.ts';

/** One row per facility with its location, every value as the presenters write it. */
const facilitiesWithLocation = sql`select
  ${facilities.id} as id, ${facilities.name} as name, ${facilities.description} as description,
  (case when ${facilities.status} = 'active' then 'Active' else 'Inactive' end) as status,
  ${facilities.version} as version, ${isoTime(facilities.createdAt)} as created_at,
  ${isoTime(facilities.updatedAt)} as updated_at,
  ${locations.id} as location_id, ${locations.name} as location_name,
  ${locations.description} as location_description, ${locations.address} as location_address,
  ${locations.timeZone} as location_time_zone, ${locations.version} as location_version,
  ${isoTime(locations.createdAt)} as location_created_at
from ${facilities}
left join ${locations} on ${locations.id} = ${facilities.locationId}`;

/**
 * Facilities for another module's flat export (a ticket's facility), joined under
 * `alias` on a facility id, with the embedded shapes in SQL: v1 (`presentFacilityV1`,
 * the location nested) and the v2 reference `{id, name}`. Only sites knows the tables
 * behind it.
 */
export function facilitiesForExport(alias: string) {
  const { column, join } = exportSource(alias, facilitiesWithLocation, 'id');
  const present = sql`${column('id')} is not null`;
  const facilityV1: Nested = nested(present, {
    id: column('id'),
    name: column('name'),
    description: column('description'),
    location: nested(sql`${column('location_id')} is not null`, {
      id: column('location_id'),
      name: column('location_name'),
      description: column('location_description'),
      address: column('location_address'),
      time_zone: column('location_time_zone'),
      version: column('location_version'),
      created_at: column('location_created_at'),
    }),
    status: column('status'),
    version: column('version'),
    created_at: column('created_at'),
    updated_at: column('updated_at'),
  });
  const referenceV2: Nested = nested(present, { id: column('id'), name: column('name') });
  return { join, facilityV1, referenceV2 };
}
