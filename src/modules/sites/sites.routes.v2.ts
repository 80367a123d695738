import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply } from 'fastify';
import { contextOf } from '../../platform/auth/actor.ts';
import { expectedVersion, setEtag, withVersionCheck } from '../../platform/http/etag.ts';
import { sendList } from '../../platform/http/negotiation.ts';
import { v2PageSchema } from '../../platform/http/pagination.ts';
import { listQuerySchema, parseListQuery } from '../../platform/http/query.ts';
import { IdParams } from '../../platform/http/schemas.ts';
import { presentFacilityV2, presentLocationV2, presentShiftV2 } from './sites.presenters.ts';
import { facilityList, locationList, shiftList, type Facility } from './sites.repository.ts';
import {
  FacilityCreateBody,
  FacilityUpdateBody,
  FacilityV2,
  LocationCreateBody,
  LocationUpdateBody,
  LocationV2,
  ShiftCreateBody,
  ShiftUpdateBody,
  ShiftV2,
} from './sites.schemas.ts';
import type { FacilityInput, LocationInput, ShiftInput } from './sites.service.ts';
import type { Location, Shift } from './sites.tables.ts';

import { Deleted, tags, type SitesRouteOptions } from './sites.routes.ts';

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
