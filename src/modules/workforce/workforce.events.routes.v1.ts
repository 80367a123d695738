import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { contextOf } from '../../platform/auth/actor.ts';
import type { Page } from '../../platform/db/list.ts';
import { AppError, fieldError, type FieldErrors } from '../../platform/http/errors.ts';
import { expectedVersion, withVersionCheck } from '../../platform/http/etag.ts';
import { sendList } from '../../platform/http/negotiation.ts';
import { v1PageSchema } from '../../platform/http/pagination.ts';
import {
  DEFAULT_PAGE_SIZE,
  invalidPage,
  listQuerySchema,
  MAX_PAGE_SIZE,
  parseListQuery,
  refineFilters,
} from '../../platform/http/query.ts';
import { definedOnly, IdParams, relationId } from '../../platform/http/schemas.ts';
import {
  EVENT_STATUS_LABELS,
  EVENT_TYPE_LABELS,
  presentEventV1,
  presentOccurrenceV1,
} from './workforce.events.presenters.ts';
import { filtersOf, fromLabel, occurrencePages, v1Ordered, v1Window } from './workforce.events.query.ts';
import { eventList } from './workforce.events.repository.ts';
import {
  ScheduledEventOccurrencesV1Query,
  ScheduledEventOccurrenceV1,
  ScheduledEventV1,
  ScheduledEventV1Body,
  seriesQueryExtras,
} from './workforce.events.schemas.ts';
import type { EventInput, EventsService, OccurrenceView } from './workforce.events.ts';
import { EVENT_STATUSES, EVENT_TYPES } from './workforce.tables.ts';

export interface EventsRouteOptions {
  events: EventsService;
}

const tags = ['workforce'];

/** v1 names some fields differently; field errors use the names the client sent. */
const V1_FIELD_NAMES: Record<string, string> = {
  starts_at: 'start_time',
  ends_at: 'end_time',
  assignee_ids: 'assigned_users',
};

async function v1Fields<T>(write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if (!(error instanceof AppError) || !error.fields) throw error;
    const fields: FieldErrors = {};
    for (const [name, messages] of Object.entries(error.fields))
      fields[V1_FIELD_NAMES[name] ?? name] = messages;
    throw new AppError(error.code, error.kind, error.message, { fields, extra: error.extra, cause: error });
  }
}

/** The user id a v1 relation names: `3`, `{id: 3}`, or a Profile (`{id, user: {id: 3}}`) by its user. */
function userIdOf(value: number | { id: number; user?: unknown }): number {
  if (typeof value === 'number') return value;
  const user = value.user as { id?: unknown } | undefined;
  return typeof user?.id === 'number' ? user.id : value.id;
}

function v1Input(body: ScheduledEventV1Body): EventInput {
  const pick = (...values: unknown[]) => {
    for (const value of values) if (value !== undefined) return relationId(value);
    return undefined;
  };
  const assigned = body.assigned_user_ids ?? body.assigned_users?.map(userIdOf);
  return definedOnly<EventInput>({
    title: body.title,
    description: body.description === null ? '' : body.description,
    eventType:
      body.event_type === undefined
        ? undefined
        : body.event_type === null
          ? 'other'
          : fromLabel('event_type', body.event_type, EVENT_TYPES, EVENT_TYPE_LABELS),
    startsAt: body.start_time === undefined ? undefined : new Date(body.start_time),
    endsAt: body.end_time === undefined ? undefined : new Date(body.end_time),
    timeZone: body.time_zone,
    rrule: body.rrule,
    locationId: pick(body.location_id, body.location),
    facilityId: pick(body.facility_id, body.facility),
    assigneeIds: assigned,
    status:
      body.status === undefined
        ? undefined
        : fromLabel('status', body.status, EVENT_STATUSES, EVENT_STATUS_LABELS),
  });
}

/** The v1 face of the events list: event types and statuses as labels ("In Progress") or codes. */
const seriesListV1 = refineFilters(eventList, {
  event_type: { toColumn: (raw) => fromLabel('event_type', raw, EVENT_TYPES, EVENT_TYPE_LABELS) },
  status: { toColumn: (raw) => fromLabel('status', raw, EVENT_STATUSES, EVENT_STATUS_LABELS) },
});
const seriesQueryV1 = Type.Object(
  { ...listQuerySchema(seriesListV1, 'v1').properties, ...seriesQueryExtras },
  { additionalProperties: true },
);

/** The user ids of `?user=1,2`. */
function userIdsOf(raw: string | undefined): number[] | undefined {
  if (raw === undefined || raw.trim() === '') return undefined;
  return raw.split(',').map((part) => {
    const value = Number(part.trim());
    if (!Number.isSafeInteger(value) || value < 1)
      throw fieldError('user', `"${part}" is not a valid integer.`);
    return value;
  });
}

export const eventsRoutesV1: FastifyPluginAsyncTypebox<EventsRouteOptions> = async (app, { events }) => {
  app.get(
    '/scheduled-events/',
    {
      config: { permission: 'workforce:read' },
      schema: {
        tags,
        summary:
          'The events you can see, each stored event once (a recurring one with its rrule and the times of its first occurrence), by start_time unless ?ordering= says otherwise. Occurrences in a window: /scheduled-events/occurrences/.',
        querystring: seriesQueryV1,
        response: { 200: v1PageSchema(ScheduledEventV1) },
      },
    },
    (request, reply) => {
      const query = request.query as Record<string, unknown> & { user?: string; from?: string; to?: string };
      for (const edge of ['from', 'to'] as const) {
        if (query[edge] !== undefined)
          throw fieldError(
            edge,
            'This list has one item per stored event; ask /api/scheduled-events/occurrences/?from=&to= for the occurrences in a window.',
          );
      }
      const { actor } = contextOf(request);
      const params = parseListQuery(seriesListV1, query, 'v1');
      const assignedTo = userIdsOf(query.user);
      return sendList(request, reply, {
        page: () => events.listSeries(actor, params, assignedTo),
        all: () => events.allSeries(actor, params, assignedTo),
        present: presentEventV1,
        item: ScheduledEventV1,
        filename: 'scheduled-events',
      });
    },
  );

  app.get(
    '/scheduled-events/occurrences/',
    {
      config: { permission: 'workforce:read' },
      schema: {
        tags,
        summary:
          'Occurrences you can see in [from, to) (default: 90 days back to a year ahead), by start: recurring events expanded, exceptions applied. Each has an id of its own ("<event_id>:<occurrence_start>") and the event_id it belongs to.',
        querystring: ScheduledEventOccurrencesV1Query,
        response: { 200: v1PageSchema(ScheduledEventOccurrenceV1) },
      },
    },
    (request, reply) => {
      const { actor } = contextOf(request);
      const query = request.query;
      const window = v1Window(query);
      const filters = filtersOf(query, true);
      const rawPage = query.page;
      const page = rawPage === undefined || rawPage === 'last' ? 1 : Number(rawPage);
      if (!Number.isInteger(page) || page < 1) throw invalidPage();
      const requestedSize = Number(query.page_size);
      const pageSize = Math.min(
        Number.isInteger(requestedSize) && requestedSize > 0 ? requestedSize : DEFAULT_PAGE_SIZE,
        MAX_PAGE_SIZE,
      );
      const { occurrences, all } = occurrencePages(async () =>
        v1Ordered(await events.listOccurrences(actor, window, filters), query.ordering),
      );
      return sendList(request, reply, {
        page: async (): Promise<Page<OccurrenceView>> => {
          const rows = await occurrences();
          const last = Math.max(1, Math.ceil(rows.length / pageSize));
          const number = rawPage === 'last' ? last : page;
          if (number > last) throw invalidPage();
          const start = (number - 1) * pageSize;
          return {
            kind: 'offset',
            rows: rows.slice(start, start + pageSize),
            count: rows.length,
            page: number,
            pageSize,
          };
        },
        all,
        present: presentOccurrenceV1,
        item: ScheduledEventOccurrenceV1,
        filename: 'scheduled-event-occurrences',
      });
    },
  );

  app.get(
    '/scheduled-events/:id/',
    {
      config: { permission: 'workforce:read' },
      schema: { tags, params: IdParams, response: { 200: ScheduledEventV1 } },
    },
    async (request) => presentEventV1(await events.get(contextOf(request).actor, request.params.id)),
  );

  app.post(
    '/scheduled-events/',
    {
      config: { permission: 'events:write' },
      schema: {
        tags,
        summary:
          'Schedule an event. Assigning someone already booked (another event, approved time off) is 409 listing the conflicts, unless "override": true.',
        body: ScheduledEventV1Body,
        response: { 201: ScheduledEventV1 },
      },
    },
    async (request, reply) => {
      const view = await v1Fields(() =>
        events.create(contextOf(request), v1Input(request.body), { override: request.body.override }),
      );
      return reply.code(201).send(presentEventV1(view));
    },
  );

  const update = async (request: FastifyRequest<{ Params: { id: number }; Body: ScheduledEventV1Body }>) => {
    const version = expectedVersion(request, 'v1', request.body.version);
    const view = await withVersionCheck('v1', presentEventV1, () =>
      v1Fields(() =>
        events.update(contextOf(request), request.params.id, v1Input(request.body), {
          expectedVersion: version,
          override: request.body.override,
        }),
      ),
    );
    return presentEventV1(view);
  };
  for (const method of ['PATCH', 'PUT'] as const) {
    app.route({
      method,
      url: '/scheduled-events/:id/',
      config: { permission: 'events:write' },
      schema: { tags, params: IdParams, body: ScheduledEventV1Body, response: { 200: ScheduledEventV1 } },
      handler: update,
    });
  }

  app.delete(
    '/scheduled-events/:id/',
    { config: { permission: 'events:write' }, schema: { tags, params: IdParams } },
    async (request, reply) => {
      await events.remove(contextOf(request), request.params.id);
      return reply.code(204).send();
    },
  );
};
