import { Type } from '@sinclair/typebox';
import type { RequestContext } from '../../platform/auth/actor.ts';
import type { Executor } from '../../platform/db/client.ts';
import { defineEvent, recordEvent } from '../../platform/events/index.ts';
import type { FacilityRow, Location } from './sites.tables.ts';

const SiteSnapshot = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  address: Type.String(),
  time_zone: Type.String(),
  version: Type.Integer(),
});

const FacilitySnapshot = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  location_id: Type.Union([Type.Integer(), Type.Null()]),
  status: Type.String(),
  version: Type.Integer(),
});

const siteEvent = (verb: 'created' | 'updated' | 'deleted', description: string) =>
  defineEvent({
    type: `site.${verb}`,
    subject: 'location',
    description,
    payload: Type.Object({ site: SiteSnapshot }),
    audience: 'all',
    visibility: 'everyone signed in (sites are reference data)',
  });

const facilityEvent = (verb: 'created' | 'updated' | 'deleted', description: string) =>
  defineEvent({
    type: `facility.${verb}`,
    subject: 'facility',
    description,
    payload: Type.Object({ facility: FacilitySnapshot }),
    audience: 'all',
    visibility: 'whoever may read the facility (as `GET /facilities/:id`)',
  });

const SITE_EVENTS = {
  created: siteEvent('created', 'A site (location) was created.'),
  updated: siteEvent('updated', 'A site (location) changed.'),
  deleted: siteEvent('deleted', 'A site (location) was deleted; the snapshot is its last state.'),
};

const FACILITY_EVENTS = {
  created: facilityEvent('created', 'A facility was created.'),
  updated: facilityEvent('updated', 'A facility changed (name, site, status).'),
  deleted: facilityEvent('deleted', 'A facility was deleted; the snapshot is its last state.'),
};

export const siteEvents = Object.values(SITE_EVENTS);
export const facilityEvents = Object.values(FACILITY_EVENTS);

/** The sites module's event types, for the catalogue. */
export const sitesEvents = [...siteEvents, ...facilityEvents];

type Verb = keyof typeof SITE_EVENTS;

/** Records a change of a site (location) in its transaction. */
export function recordSite(tx: Executor, ctx: RequestContext, verb: Verb, site: Location) {
  return recordEvent(tx, ctx, SITE_EVENTS[verb], {
    subjectId: site.id,
    scope: { locationId: site.id },
    payload: {
      site: {
        id: site.id,
        name: site.name,
        address: site.address,
        time_zone: site.timeZone,
        version: site.version,
      },
    },
  });
}

/** Records a change of a facility in its transaction. */
export function recordFacility(tx: Executor, ctx: RequestContext, verb: Verb, facility: FacilityRow) {
  return recordEvent(tx, ctx, FACILITY_EVENTS[verb], {
    subjectId: facility.id,
    scope: { locationId: facility.locationId },
    payload: {
      facility: {
        id: facility.id,
        name: facility.name,
        location_id: facility.locationId,
        status: facility.status,
        version: facility.version,
      },
    },
  });
}
