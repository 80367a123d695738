import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply } from 'fastify';
import { contextOf } from '../../platform/auth/actor.ts';
import type { Page } from '../../platform/db/list.ts';
import { fieldError } from '../../platform/http/errors.ts';
import { expectedVersion, setEtag, withVersionCheck } from '../../platform/http/etag.ts';
import { sendList } from '../../platform/http/negotiation.ts';
import { v2PageSchema } from '../../platform/http/pagination.ts';
import { definedOnly } from '../../platform/http/schemas.ts';
import { workforceErrors } from './workforce.errors.ts';
import { presentEventV2, presentOccurrenceV2 } from './workforce.events.presenters.ts';
import {
  checkedWindow,
  filtersOf,
  instant,
  ISO_INSTANT,
  MAX_WINDOW_DAYS,
  occurrencePages,
} from './workforce.events.query.ts';
import {
  EventCreateBody,
  EventParams,
  EventsV2Query,
  EventUpdateBody,
  EventV2,
  OccurrenceParams,
  OccurrenceUpdateBody,
  OccurrenceV2,
} from './workforce.events.schemas.ts';
import type { EventInput, EventView, OccurrenceView } from './workforce.events.ts';
import type { EventsRouteOptions } from './workforce.events.routes.v1.ts';

const tags = ['workforce'];
const V2_DEFAULT_LIMIT = 100;

function v2Input(body: EventUpdateBody): EventInput {
  return definedOnly<EventInput>({
    title: body.title,
    description: body.description,
    eventType: body.event_type,
    startsAt: body.starts_at === undefined ? undefined : new Date(body.starts_at),
    endsAt: body.ends_at === undefined ? undefined : new Date(body.ends_at),
    timeZone: body.time_zone,
    rrule: body.rrule,
    locationId: body.location_id,
    facilityId: body.facility_id,
    assigneeIds: body.assignee_ids,
    status: body.status,
  });
}

function encodeCursor(occurrence: OccurrenceView): string {
  const key = [occurrence.startsAt.getTime(), occurrence.event.id, occurrence.occurrenceStart.getTime()];
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

function decodeCursor(raw: string): [number, number, number] {
  try {
    const key = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(key) && key.length === 3 && key.every((part) => Number.isSafeInteger(part)))
      return key as [number, number, number];
  } catch {
    /* reported below */
  }
  throw fieldError('cursor', 'Invalid cursor; start again without it.');
}

/** Whether an occurrence comes after the cursor's key in list order (start, event id, original start). */
const afterKey =
  ([start, eventId, key]: [number, number, number]) =>
  (o: OccurrenceView): boolean =>
    o.startsAt.getTime() !== start
      ? o.startsAt.getTime() > start
      : o.event.id !== eventId
        ? o.event.id > eventId
        : o.occurrenceStart.getTime() > key;

/** An occurrence key from the path: the ISO instant of its original start. */
function occurrenceKey(raw: string): Date {
  const value = ISO_INSTANT.test(raw) ? new Date(raw) : new Date(Number.NaN);
  if (Number.isNaN(value.getTime())) throw workforceErrors.WORKFORCE_NOT_FOUND();
  return value;
}

function sendEvent(reply: FastifyReply, view: EventView) {
  setEtag(reply, view.version);
  return presentEventV2(view);
}

function sendOccurrence(reply: FastifyReply, occurrence: OccurrenceView) {
  setEtag(reply, occurrence.event.version);
  return presentOccurrenceV2(occurrence);
}

export const eventsRoutesV2: FastifyPluginAsyncTypebox<EventsRouteOptions> = async (app, { events }) => {
  app.get(
    '/events',
    {
      config: { permission: 'workforce:read' },
      schema: {
        tags,
        summary: `Occurrences you can see overlapping [from, to) (at most ${MAX_WINDOW_DAYS} days), by start: recurring events expanded, exceptions applied. A window holding more than 5000 is a 400.`,
        querystring: EventsV2Query,
        response: { 200: v2PageSchema(OccurrenceV2) },
      },
    },
    (request, reply) => {
      const { actor } = contextOf(request);
      const query = request.query;
      const window = checkedWindow(instant('from', query.from, 'from'), instant('to', query.to, 'to'));
      const filters = filtersOf(query, false);
      const cursor = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
      const limit = query.limit ?? V2_DEFAULT_LIMIT;
      const { occurrences, all } = occurrencePages(() => events.listOccurrences(actor, window, filters));
      return sendList(request, reply, {
        page: async (): Promise<Page<OccurrenceView>> => {
          const rows = await occurrences();
          const start = cursor ? rows.findIndex(afterKey(cursor)) : 0;
          const rest = start < 0 ? [] : rows.slice(start);
          const pageRows = rest.slice(0, limit);
          const last = pageRows.at(-1);
          return {
            kind: 'cursor',
            rows: pageRows,
            nextCursor: rest.length > limit && last ? encodeCursor(last) : null,
          };
        },
        all,
        present: presentOccurrenceV2,
        item: OccurrenceV2,
        filename: 'events',
      });
    },
  );

  app.post(
    '/events',
    {
      config: { permission: 'events:write' },
      schema: {
        tags,
        summary:
          'Schedule an event (recurring with rrule). Assigning someone already booked is 409 WORKFORCE_CONFLICT listing the conflicts, unless override.',
        body: EventCreateBody,
        response: { 201: EventV2 },
      },
    },
    async (request, reply) => {
      const view = await events.create(contextOf(request), v2Input(request.body), {
        override: request.body.override,
      });
      reply.header('location', `/api/v2/events/${view.id}`);
      return reply.code(201).send(sendEvent(reply, view));
    },
  );

  app.get(
    '/events/:id',
    {
      config: { permission: 'workforce:read' },
      schema: {
        tags,
        summary: 'The series, with its exceptions.',
        params: EventParams,
        response: { 200: EventV2 },
      },
    },
    async (request, reply) => sendEvent(reply, await events.get(contextOf(request).actor, request.params.id)),
  );

  app.patch(
    '/events/:id',
    {
      config: { permission: 'events:write' },
      schema: {
        tags,
        summary:
          'Change the whole series; requires If-Match. Exceptions the new rule no longer produces are dropped.',
        params: EventParams,
        body: EventUpdateBody,
        response: { 200: EventV2 },
      },
    },
    async (request, reply) => {
      const version = expectedVersion(request, 'v2');
      const view = await withVersionCheck('v2', presentEventV2, () =>
        events.update(contextOf(request), request.params.id, v2Input(request.body), {
          expectedVersion: version,
          override: request.body.override,
        }),
      );
      return sendEvent(reply, view);
    },
  );

  app.delete(
    '/events/:id',
    {
      config: { permission: 'events:write' },
      schema: { tags, summary: 'Delete the series; requires If-Match.', params: EventParams },
    },
    async (request, reply) => {
      const version = expectedVersion(request, 'v2');
      await withVersionCheck('v2', presentEventV2, () =>
        events.remove(contextOf(request), request.params.id, { expectedVersion: version }),
      );
      return reply.code(204).send();
    },
  );

  app.get(
    '/events/:id/occurrences/:start',
    {
      config: { permission: 'workforce:read' },
      schema: {
        tags,
        summary: 'One occurrence, by the start its rule gives it; the ETag is the series version.',
        params: OccurrenceParams,
        response: { 200: OccurrenceV2 },
      },
    },
    async (request, reply) =>
      sendOccurrence(
        reply,
        await events.getOccurrence(
          contextOf(request).actor,
          request.params.id,
          occurrenceKey(request.params.start),
        ),
      ),
  );

  app.patch(
    '/events/:id/occurrences/:start',
    {
      config: { permission: 'events:write' },
      schema: {
        tags,
        summary:
          'Move and/or retitle this occurrence only; requires If-Match with the series ETag. A move is checked for conflicts.',
        params: OccurrenceParams,
        body: OccurrenceUpdateBody,
        response: { 200: OccurrenceV2 },
      },
    },
    async (request, reply) => {
      const version = expectedVersion(request, 'v2');
      const { starts_at: startsAt, ends_at: endsAt, title, override } = request.body;
      const occurrence = await withVersionCheck('v2', presentEventV2, () =>
        events.editOccurrence(
          contextOf(request),
          request.params.id,
          occurrenceKey(request.params.start),
          definedOnly({
            startsAt: startsAt === undefined ? undefined : new Date(startsAt),
            endsAt: endsAt === undefined ? undefined : new Date(endsAt),
            title,
          }),
          { expectedVersion: version, override },
        ),
      );
      return sendOccurrence(reply, occurrence);
    },
  );

  app.delete(
    '/events/:id/occurrences/:start',
    {
      config: { permission: 'events:write' },
      schema: {
        tags,
        summary: 'Cancel this occurrence only; requires If-Match with the series ETag.',
        params: OccurrenceParams,
      },
    },
    async (request, reply) => {
      const version = expectedVersion(request, 'v2');
      await withVersionCheck('v2', presentEventV2, () =>
        events.cancelOccurrence(contextOf(request), request.params.id, occurrenceKey(request.params.start), {
          expectedVersion: version,
        }),
      );
      return reply.code(204).send();
    },
  );
};
