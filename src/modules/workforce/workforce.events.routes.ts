import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { contextOf } from '../../platform/auth/actor.ts';
import type { Page } from '../../platform/db/list.ts';
import { AppError, fieldError, type FieldErrors } from '../../platform/http/errors.ts';
import { expectedVersion, setEtag, withVersionCheck } from '../../platform/http/etag.ts';
import { sendList } from '../../platform/http/negotiation.ts';
import { v1PageSchema, v2PageSchema } from '../../platform/http/pagination.ts';
import { DEFAULT_PAGE_SIZE, invalidPage, MAX_PAGE_SIZE } from '../../platform/http/query.ts';
import { definedOnly, IdParams, relationId } from '../../platform/http/schemas.ts';
import { workforceErrors } from './workforce.errors.ts';
import type { EventFilters } from './workforce.events.repository.ts';
import {
  EVENT_STATUS_LABELS,
  EVENT_TYPE_LABELS,
  presentEventV1,
  presentEventV2,
  presentOccurrenceV1,
  presentOccurrenceV2,
} from './workforce.events.presenters.ts';
import {
  EventCreateBody,
  EventParams,
  EventsV2Query,
  EventUpdateBody,
  EventV2,
  OccurrenceParams,
  OccurrenceUpdateBody,
  OccurrenceV2,
  ScheduledEventsV1Query,
  ScheduledEventV1,
  ScheduledEventV1Body,
} from './workforce.events.schemas.ts';
import type { EventInput, EventsService, EventView, OccurrenceView } from './workforce.events.ts';
import { EVENT_STATUSES, EVENT_TYPES } from './workforce.tables.ts';

export interface EventsRouteOptions {
  events: EventsService;
}

const tags = ['workforce'];
const DAY_MS = 86_400_000;
/** An explicit ?from=&to= window spans at most this many days. */
export const MAX_WINDOW_DAYS = 400;
/** v1 without from/to: the window the BMS calendar sees (it asks for everything and filters by day). */
const V1_DEFAULT_PAST_DAYS = 90;
const V1_DEFAULT_FUTURE_DAYS = 365;
const V2_DEFAULT_LIMIT = 100;

/** Reads a label ("In Progress") or code ("in_progress"), any case, into the stored code. */
function fromLabel<T extends string>(
  field: string,
  raw: string,
  codes: readonly T[],
  labels: Record<T, string>,
): T {
  const wanted = raw.trim().toLowerCase();
  const normalised = wanted.replace(/[\s-]+/g, '_');
  const code = codes.find(
    (candidate) => candidate === normalised || labels[candidate].toLowerCase() === wanted,
  );
  if (!code)
    throw fieldError(
      field,
      `"${raw}" is not a valid choice; expected one of: ${codes.map((c) => labels[c]).join(', ')}.`,
    );
  return code;
}

/** v2 speaks the stored codes only, exactly. */
function fromCode<T extends string>(field: string, raw: string, codes: readonly T[]): T {
  const code = codes.find((candidate) => candidate === raw);
  if (!code) throw fieldError(field, `"${raw}" is not a valid choice; expected one of: ${codes.join(', ')}.`);
  return code;
}

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/i;

/** A window edge: an ISO instant with its offset, or a date (the UTC day; as `to`, the day is included). */
function instant(field: string, raw: string, edge: 'from' | 'to'): Date {
  if (/^\d{4}-\d{2}-\d{2}$/.test(raw)) {
    const day = new Date(`${raw}T00:00:00Z`);
    if (!Number.isNaN(day.getTime())) return edge === 'to' ? new Date(day.getTime() + DAY_MS) : day;
  } else if (ISO_INSTANT.test(raw)) {
    const value = new Date(raw);
    if (!Number.isNaN(value.getTime())) return value;
  }
  throw fieldError(field, `"${raw}" is not a date (YYYY-MM-DD) or an ISO 8601 date-time with an offset.`);
}

function checkedWindow(from: Date, to: Date): { from: Date; to: Date } {
  if (to.getTime() <= from.getTime()) throw fieldError('to', 'Must be after from.');
  if (to.getTime() - from.getTime() > MAX_WINDOW_DAYS * DAY_MS)
    throw fieldError('to', `The window spans at most ${MAX_WINDOW_DAYS} days.`);
  return { from, to };
}

/** v1: from/to optional; one alone spans a year from (or to) it; neither is the BMS default window. */
function v1Window(query: { from?: string; to?: string }): { from: Date; to: Date } {
  const from = query.from === undefined ? undefined : instant('from', query.from, 'from');
  const to = query.to === undefined ? undefined : instant('to', query.to, 'to');
  if (from && to) return checkedWindow(from, to);
  if (from) return { from, to: new Date(from.getTime() + 365 * DAY_MS) };
  if (to) return { from: new Date(to.getTime() - 365 * DAY_MS), to };
  const now = Date.now();
  return {
    from: new Date(now - V1_DEFAULT_PAST_DAYS * DAY_MS),
    to: new Date(now + V1_DEFAULT_FUTURE_DAYS * DAY_MS),
  };
}

function filtersOf(query: Record<string, unknown>, labels: boolean): EventFilters {
  const list = (name: string) =>
    typeof query[name] === 'string' && query[name] !== ''
      ? query[name].split(',').map((part) => part.trim())
      : undefined;
  const ids = (name: string) =>
    list(name)?.map((raw) => {
      const value = Number(raw);
      if (!Number.isSafeInteger(value) || value < 1)
        throw fieldError(name, `"${raw}" is not a valid integer.`);
      return value;
    });
  return definedOnly<EventFilters>({
    userIds: ids('user'),
    locationIds: ids('location'),
    facilityIds: ids('facility'),
    eventTypes: list('event_type')?.map((raw) =>
      labels
        ? fromLabel('event_type', raw, EVENT_TYPES, EVENT_TYPE_LABELS)
        : fromCode('event_type', raw, EVENT_TYPES),
    ),
    statuses: list('status')?.map((raw) =>
      labels
        ? fromLabel('status', raw, EVENT_STATUSES, EVENT_STATUS_LABELS)
        : fromCode('status', raw, EVENT_STATUSES),
    ),
    search: typeof query.search === 'string' && query.search.trim() ? query.search.trim() : undefined,
  });
}

const V1_ORDERING: Record<string, (o: OccurrenceView) => number | string> = {
  start_time: (o) => o.startsAt.getTime(),
  end_time: (o) => o.endsAt.getTime(),
  title: (o) => (o.title ?? o.event.title).toLowerCase(),
  id: (o) => o.event.id,
};

function v1Ordered(occurrences: OccurrenceView[], raw: string | undefined): OccurrenceView[] {
  if (!raw) return occurrences;
  const keys = raw
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean)
    .map((part) => {
      const descending = part.startsWith('-');
      const read = V1_ORDERING[descending ? part.slice(1) : part];
      if (!read)
        throw fieldError(
          'ordering',
          `Cannot order by "${part}"; choose from: ${Object.keys(V1_ORDERING).join(', ')}.`,
        );
      return { read, sign: descending ? -1 : 1 };
    });
  // Array.sort is stable: ties keep the default order (start, event, occurrence).
  return [...occurrences].sort((a, b) => {
    for (const { read, sign } of keys) {
      const x = read(a);
      const y = read(b);
      if (x < y) return -sign;
      if (x > y) return sign;
    }
    return 0;
  });
}

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

/** Occurrences as one list for `sendList`: computed once, whichever of page/all the format asks for. */
function occurrencePages(load: () => Promise<OccurrenceView[]>) {
  let cached: Promise<OccurrenceView[]> | undefined;
  const occurrences = () => (cached ??= load());
  return {
    occurrences,
    all: () =>
      (async function* () {
        yield* await occurrences();
      })(),
  };
}

export const eventsRoutesV1: FastifyPluginAsyncTypebox<EventsRouteOptions> = async (app, { events }) => {
  app.get(
    '/scheduled-events/',
    {
      config: { permission: 'workforce:read' },
      schema: {
        tags,
        summary:
          'Occurrences you can see, by start. Without from/to: 90 days back to a year ahead. Recurring events appear once per occurrence, with the series id and occurrence_start.',
        querystring: ScheduledEventsV1Query,
        response: { 200: v1PageSchema(ScheduledEventV1) },
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
        item: ScheduledEventV1,
        filename: 'scheduled-events',
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
