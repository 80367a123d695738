import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { contextOf } from '../../platform/auth/actor.ts';
import { expectedVersion, setEtag, withVersionCheck } from '../../platform/http/etag.ts';
import { sendList } from '../../platform/http/negotiation.ts';
import { v1PageSchema, v2PageSchema } from '../../platform/http/pagination.ts';
import { listQuerySchema, parseListQuery } from '../../platform/http/query.ts';
import { IdParams, relationId } from '../../platform/http/schemas.ts';
import {
  presentFacilityV1,
  presentFacilityV2,
  presentLocationV1,
  presentLocationV2,
  presentShiftV1,
  presentShiftV2,
} from './sites.presenters.ts';
import { facilityList, facilityListV1, locationList, shiftList, type Facility } from './sites.repository.ts';
import {
  FacilityCreateBody,
  FacilityUpdateBody,
  FacilityV1,
  FacilityV1Body,
  FacilityV2,
  LocationCreateBody,
  LocationUpdateBody,
  LocationV1,
  LocationV1Body,
  LocationV2,
  ShiftCreateBody,
  ShiftUpdateBody,
  ShiftV1,
  ShiftV1Body,
  ShiftV2,
} from './sites.schemas.ts';
import type { FacilityInput, LocationInput, ShiftInput, SitesService } from './sites.service.ts';
import type { Location, Shift } from './sites.tables.ts';

export interface SitesRouteOptions {
  sites: SitesService;
}

const tags = ['sites'];
const Deleted = { 204: Type.Null({ description: 'Deleted.' }) };

type UpdateRequest<Body> = FastifyRequest<{ Params: { id: number }; Body: Body }>;

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

const sendLocation = (reply: FastifyReply, location: Location) => {
  setEtag(reply, location.version);
  return presentLocationV2(location);
};

const sendFacility = (reply: FastifyReply, facility: Facility) => {
  setEtag(reply, facility.version);
  return presentFacilityV2(facility);
};

const sendShift = (reply: FastifyReply, shift: Shift) => {
  setEtag(reply, shift.version);
  return presentShiftV2(shift);
};

function facilityInputV2(body: FacilityUpdateBody): FacilityInput {
  return {
    name: body.name,
    description: body.description,
    locationId: body.location_id,
    status: body.status,
  };
}

const locationInputV2 = (body: LocationUpdateBody): LocationInput => ({
  name: body.name,
  description: body.description,
  address: body.address,
  timeZone: body.time_zone,
});

const shiftInputV2 = (body: ShiftUpdateBody): ShiftInput => ({
  name: body.name,
  description: body.description,
  startTime: body.start_time,
  endTime: body.end_time,
});

export const sitesRoutesV2: FastifyPluginAsyncTypebox<SitesRouteOptions> = (app, { sites }) => {
  // Locations

  app.get(
    '/locations',
    {
      config: { permission: 'sites:read' },
      schema: {
        tags,
        querystring: listQuerySchema(locationList, 'v2'),
        response: { 200: v2PageSchema(LocationV2) },
      },
    },
    (request, reply) => {
      const params = parseListQuery(locationList, request.query, 'v2');
      return sendList(request, reply, {
        page: () => sites.listLocations(params),
        all: () => sites.allLocations(params),
        present: presentLocationV2,
        item: LocationV2,
        filename: 'locations',
      });
    },
  );

  app.get(
    '/locations/:id',
    {
      config: { permission: 'sites:read' },
      schema: { tags, params: IdParams, response: { 200: LocationV2 } },
    },
    async (request, reply) => sendLocation(reply, await sites.getLocation(request.params.id)),
  );

  app.post(
    '/locations',
    {
      config: { permission: 'sites:write' },
      schema: { tags, body: LocationCreateBody, response: { 201: LocationV2 } },
    },
    async (request, reply) => {
      const location = await sites.createLocation(contextOf(request), locationInputV2(request.body));
      reply.header('location', `/api/v2/locations/${location.id}`);
      return reply.code(201).send(sendLocation(reply, location));
    },
  );

  app.patch(
    '/locations/:id',
    {
      config: { permission: 'sites:write' },
      schema: {
        tags,
        summary: 'Update a location; requires If-Match.',
        params: IdParams,
        body: LocationUpdateBody,
        response: { 200: LocationV2 },
      },
    },
    async (request, reply) => {
      const version = expectedVersion(request, 'v2');
      const location = await withVersionCheck('v2', presentLocationV2, () =>
        sites.updateLocation(contextOf(request), request.params.id, locationInputV2(request.body), version),
      );
      return sendLocation(reply, location);
    },
  );

  app.delete(
    '/locations/:id',
    {
      config: { permission: 'sites:write' },
      schema: {
        tags,
        summary: 'Delete a location that no facility uses; requires If-Match.',
        params: IdParams,
        response: Deleted,
      },
    },
    async (request, reply) => {
      const version = expectedVersion(request, 'v2');
      await withVersionCheck('v2', presentLocationV2, () =>
        sites.deleteLocation(contextOf(request), request.params.id, version),
      );
      return reply.code(204).send(null);
    },
  );

  // Facilities

  app.get(
    '/facilities',
    {
      config: { permission: 'sites:read' },
      schema: {
        tags,
        summary: 'Facilities with their location; inactive ones are listed to admins and managers only.',
        querystring: listQuerySchema(facilityList, 'v2'),
        response: { 200: v2PageSchema(FacilityV2) },
      },
    },
    (request, reply) => {
      const { actor } = contextOf(request);
      const params = parseListQuery(facilityList, request.query, 'v2');
      return sendList(request, reply, {
        page: () => sites.listFacilities(actor, params),
        all: () => sites.allFacilities(actor, params),
        present: presentFacilityV2,
        item: FacilityV2,
        filename: 'facilities',
      });
    },
  );

  app.get(
    '/facilities/:id',
    {
      config: { permission: 'sites:read' },
      schema: { tags, params: IdParams, response: { 200: FacilityV2 } },
    },
    async (request, reply) =>
      sendFacility(reply, await sites.getFacility(contextOf(request).actor, request.params.id)),
  );

  app.post(
    '/facilities',
    {
      config: { permission: 'sites:write' },
      schema: { tags, body: FacilityCreateBody, response: { 201: FacilityV2 } },
    },
    async (request, reply) => {
      const facility = await sites.createFacility(contextOf(request), facilityInputV2(request.body));
      reply.header('location', `/api/v2/facilities/${facility.id}`);
      return reply.code(201).send(sendFacility(reply, facility));
    },
  );

  app.patch(
    '/facilities/:id',
    {
      config: { permission: 'sites:write' },
      schema: {
        tags,
        summary: 'Update a facility; requires If-Match.',
        params: IdParams,
        body: FacilityUpdateBody,
        response: { 200: FacilityV2 },
      },
    },
    async (request, reply) => {
      const version = expectedVersion(request, 'v2');
      const facility = await withVersionCheck('v2', presentFacilityV2, () =>
        sites.updateFacility(contextOf(request), request.params.id, facilityInputV2(request.body), version),
      );
      return sendFacility(reply, facility);
    },
  );

  app.delete(
    '/facilities/:id',
    {
      config: { permission: 'sites:write' },
      schema: { tags, summary: 'Delete a facility; requires If-Match.', params: IdParams, response: Deleted },
    },
    async (request, reply) => {
      const version = expectedVersion(request, 'v2');
      await withVersionCheck('v2', presentFacilityV2, () =>
        sites.deleteFacility(contextOf(request), request.params.id, version),
      );
      return reply.code(204).send(null);
    },
  );

  // Shifts

  app.get(
    '/shifts',
    {
      config: { permission: 'sites:read' },
      schema: {
        tags,
        querystring: listQuerySchema(shiftList, 'v2'),
        response: { 200: v2PageSchema(ShiftV2) },
      },
    },
    (request, reply) => {
      const params = parseListQuery(shiftList, request.query, 'v2');
      return sendList(request, reply, {
        page: () => sites.listShifts(params),
        all: () => sites.allShifts(params),
        present: presentShiftV2,
        item: ShiftV2,
        filename: 'shifts',
      });
    },
  );

  app.get(
    '/shifts/:id',
    { config: { permission: 'sites:read' }, schema: { tags, params: IdParams, response: { 200: ShiftV2 } } },
    async (request, reply) => sendShift(reply, await sites.getShift(request.params.id)),
  );

  app.post(
    '/shifts',
    {
      config: { permission: 'sites:write' },
      schema: { tags, body: ShiftCreateBody, response: { 201: ShiftV2 } },
    },
    async (request, reply) => {
      const shift = await sites.createShift(contextOf(request), shiftInputV2(request.body));
      reply.header('location', `/api/v2/shifts/${shift.id}`);
      return reply.code(201).send(sendShift(reply, shift));
    },
  );

  app.patch(
    '/shifts/:id',
    {
      config: { permission: 'sites:write' },
      schema: {
        tags,
        summary: 'Update a shift; requires If-Match.',
        params: IdParams,
        body: ShiftUpdateBody,
        response: { 200: ShiftV2 },
      },
    },
    async (request, reply) => {
      const version = expectedVersion(request, 'v2');
      const shift = await withVersionCheck('v2', presentShiftV2, () =>
        sites.updateShift(contextOf(request), request.params.id, shiftInputV2(request.body), version),
      );
      return sendShift(reply, shift);
    },
  );

  app.delete(
    '/shifts/:id',
    {
      config: { permission: 'sites:write' },
      schema: { tags, summary: 'Delete a shift; requires If-Match.', params: IdParams, response: Deleted },
    },
    async (request, reply) => {
      const version = expectedVersion(request, 'v2');
      await withVersionCheck('v2', presentShiftV2, () =>
        sites.deleteShift(contextOf(request), request.params.id, version),
      );
      return reply.code(204).send(null);
    },
  );
  return Promise.resolve();
};
