import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { contextOf } from '../../platform/auth/actor.ts';
import { expectedVersion, withVersionCheck } from '../../platform/http/etag.ts';
import { sendList } from '../../platform/http/negotiation.ts';
import { v1PageSchema } from '../../platform/http/pagination.ts';
import { listQuerySchema, parseListQuery } from '../../platform/http/query.ts';
import { IdParams, relationId } from '../../platform/http/schemas.ts';
import { presentFacilityV1, presentLocationV1, presentShiftV1 } from './sites.presenters.ts';
import { facilityListV1, locationList, shiftList } from './sites.repository.ts';
import {
  FacilityV1,
  FacilityV1Body,
  LocationV1,
  LocationV1Body,
  ShiftV1,
  ShiftV1Body,
} from './sites.schemas.ts';
import type { FacilityInput, LocationInput, ShiftInput } from './sites.service.ts';

import { Deleted, tags, type SitesRouteOptions, type UpdateRequest } from './sites.routes.ts';

/** v1 sends null for an emptied text field; the columns hold '' instead. */
const text = (value: string | null | undefined) => (value === null ? '' : value);
/** v1 forms send '' for an emptied time field. */
const timeOfDay = (value: string | null | undefined) => (value === '' ? null : value);

function locationInputV1(body: LocationV1Body): LocationInput {
  return {
    name: body.name,
    description: text(body.description),
    address: text(body.address),
    timeZone: body.time_zone,
  };
}

function facilityInputV1(body: FacilityV1Body): FacilityInput {
  return {
    name: body.name,
    description: text(body.description),
    locationId: body.location_id !== undefined ? body.location_id : relationId(body.location),
    status: body.status === undefined ? undefined : body.status === 'Active' ? 'active' : 'inactive',
  };
}

function shiftInputV1(body: ShiftV1Body): ShiftInput {
  return {
    name: body.name,
    description: text(body.description),
    startTime: timeOfDay(body.start_time),
    endTime: timeOfDay(body.end_time),
  };
}

export const sitesRoutesV1: FastifyPluginAsyncTypebox<SitesRouteOptions> = (app, { sites }) => {
  // Locations

  app.get(
    '/locations/',
    {
      config: { permission: 'sites:read' },
      schema: {
        tags,
        querystring: listQuerySchema(locationList, 'v1'),
        response: { 200: v1PageSchema(LocationV1) },
      },
    },
    (request, reply) => {
      const params = parseListQuery(locationList, request.query, 'v1');
      return sendList(request, reply, {
        page: () => sites.listLocations(params),
        all: () => sites.allLocations(params),
        present: presentLocationV1,
        item: LocationV1,
        filename: 'locations',
      });
    },
  );

  app.get(
    '/locations/:id/',
    {
      config: { permission: 'sites:read' },
      schema: { tags, params: IdParams, response: { 200: LocationV1 } },
    },
    async (request) => presentLocationV1(await sites.getLocation(request.params.id)),
  );

  app.post(
    '/locations/',
    {
      config: { permission: 'sites:write' },
      schema: { tags, body: LocationV1Body, response: { 201: LocationV1 } },
    },
    async (request, reply) => {
      const location = await sites.createLocation(contextOf(request), locationInputV1(request.body));
      return reply.code(201).send(presentLocationV1(location));
    },
  );

  const updateLocation = async (request: UpdateRequest<LocationV1Body>) => {
    const version = expectedVersion(request, 'v1', request.body.version);
    const location = await withVersionCheck('v1', presentLocationV1, () =>
      sites.updateLocation(contextOf(request), request.params.id, locationInputV1(request.body), version),
    );
    return presentLocationV1(location);
  };
  for (const method of ['PATCH', 'PUT'] as const) {
    app.route({
      method,
      url: '/locations/:id/',
      config: { permission: 'sites:write' },
      schema: { tags, params: IdParams, body: LocationV1Body, response: { 200: LocationV1 } },
      handler: updateLocation,
    });
  }

  app.delete(
    '/locations/:id/',
    {
      config: { permission: 'sites:write' },
      schema: {
        tags,
        summary: 'Delete a location that no facility uses.',
        params: IdParams,
        response: Deleted,
      },
    },
    async (request, reply) => {
      await sites.deleteLocation(contextOf(request), request.params.id);
      return reply.code(204).send(null);
    },
  );

  // Facilities

  app.get(
    '/facilities/',
    {
      config: { permission: 'sites:read' },
      schema: {
        tags,
        summary: 'Facilities with their location; inactive ones are listed to admins and managers only.',
        querystring: listQuerySchema(facilityListV1, 'v1'),
        response: { 200: v1PageSchema(FacilityV1) },
      },
    },
    (request, reply) => {
      const { actor } = contextOf(request);
      const params = parseListQuery(facilityListV1, request.query, 'v1');
      return sendList(request, reply, {
        page: () => sites.listFacilities(actor, params),
        all: () => sites.allFacilities(actor, params),
        present: presentFacilityV1,
        item: FacilityV1,
        filename: 'facilities',
      });
    },
  );

  app.get(
    '/facilities/:id/',
    {
      config: { permission: 'sites:read' },
      schema: { tags, params: IdParams, response: { 200: FacilityV1 } },
    },
    async (request) =>
      presentFacilityV1(await sites.getFacility(contextOf(request).actor, request.params.id)),
  );

  app.post(
    '/facilities/',
    {
      config: { permission: 'sites:write' },
      schema: {
        tags,
        summary: 'Create a facility; its location is given as location_id or location.',
        body: FacilityV1Body,
        response: { 201: FacilityV1 },
      },
    },
    async (request, reply) => {
      const facility = await sites.createFacility(contextOf(request), facilityInputV1(request.body));
      return reply.code(201).send(presentFacilityV1(facility));
    },
  );

  const updateFacility = async (request: UpdateRequest<FacilityV1Body>) => {
    const version = expectedVersion(request, 'v1', request.body.version);
    const facility = await withVersionCheck('v1', presentFacilityV1, () =>
      sites.updateFacility(contextOf(request), request.params.id, facilityInputV1(request.body), version),
    );
    return presentFacilityV1(facility);
  };
  for (const method of ['PATCH', 'PUT'] as const) {
    app.route({
      method,
      url: '/facilities/:id/',
      config: { permission: 'sites:write' },
      schema: { tags, params: IdParams, body: FacilityV1Body, response: { 200: FacilityV1 } },
      handler: updateFacility,
    });
  }

  app.delete(
    '/facilities/:id/',
    { config: { permission: 'sites:write' }, schema: { tags, params: IdParams, response: Deleted } },
    async (request, reply) => {
      await sites.deleteFacility(contextOf(request), request.params.id);
      return reply.code(204).send(null);
    },
  );

  // Shifts

  app.get(
    '/shifts/',
    {
      config: { permission: 'sites:read' },
      schema: {
        tags,
        querystring: listQuerySchema(shiftList, 'v1'),
        response: { 200: v1PageSchema(ShiftV1) },
      },
    },
    (request, reply) => {
      const params = parseListQuery(shiftList, request.query, 'v1');
      return sendList(request, reply, {
        page: () => sites.listShifts(params),
        all: () => sites.allShifts(params),
        present: presentShiftV1,
        item: ShiftV1,
        filename: 'shifts',
      });
    },
  );

  app.get(
    '/shifts/:id/',
    { config: { permission: 'sites:read' }, schema: { tags, params: IdParams, response: { 200: ShiftV1 } } },
    async (request) => presentShiftV1(await sites.getShift(request.params.id)),
  );

  app.post(
    '/shifts/',
    {
      config: { permission: 'sites:write' },
      schema: {
        tags,
        summary: 'Create a shift; an end before the start means it ends the next day.',
        body: ShiftV1Body,
        response: { 201: ShiftV1 },
      },
    },
    async (request, reply) => {
      const shift = await sites.createShift(contextOf(request), shiftInputV1(request.body));
      return reply.code(201).send(presentShiftV1(shift));
    },
  );

  const updateShift = async (request: UpdateRequest<ShiftV1Body>) => {
    const version = expectedVersion(request, 'v1', request.body.version);
    const shift = await withVersionCheck('v1', presentShiftV1, () =>
      sites.updateShift(contextOf(request), request.params.id, shiftInputV1(request.body), version),
    );
    return presentShiftV1(shift);
  };
  for (const method of ['PATCH', 'PUT'] as const) {
    app.route({
      method,
      url: '/shifts/:id/',
      config: { permission: 'sites:write' },
      schema: { tags, params: IdParams, body: ShiftV1Body, response: { 200: ShiftV1 } },
      handler: updateShift,
    });
  }

  app.delete(
    '/shifts/:id/',
    { config: { permission: 'sites:write' }, schema: { tags, params: IdParams, response: Deleted } },
    async (request, reply) => {
      await sites.deleteShift(contextOf(request), request.params.id);
      return reply.code(204).send(null);
    },
  );
  // Registration is synchronous; the plugin signature is async for fastify's loader.
  return Promise.resolve();
};
