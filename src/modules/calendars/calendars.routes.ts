import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyReply } from 'fastify';
import { contextOf } from '../../platform/auth/actor.ts';
import { expectedVersion, setEtag, withVersionCheck } from '../../platform/http/etag.ts';
import { sendList } from '../../platform/http/negotiation.ts';
import { v2PageSchema } from '../../platform/http/pagination.ts';
import { listQuerySchema, parseListQuery } from '../../platform/http/query.ts';
import { IdParams } from '../../platform/http/schemas.ts';
import { calendarsErrors } from './calendars.errors.ts';
import {
  presentAddV2,
  presentBetweenV2,
  presentCalendarV2,
  presentClosureV2,
  presentImportV2,
  presentIsOpenV2,
  presentNextOpeningV2,
} from './calendars.presenters.ts';
import { calendarList, closureList } from './calendars.repository.ts';
import {
  AddQuery,
  AddV2,
  AtQuery,
  BetweenQuery,
  BetweenV2,
  CalendarCreateBody,
  CalendarUpdateBody,
  CalendarV2,
  ClosureCreateBody,
  ClosureParams,
  ClosureV2,
  ImportResultV2,
  IsOpenV2,
  NextOpeningV2,
} from './calendars.schemas.ts';
import type { CalendarsService } from './calendars.service.ts';
import type { BusinessCalendarRow } from './calendars.tables.ts';
import type { CalendarInput } from './calendars.validation.ts';

export interface CalendarsRouteOptions {
  calendars: CalendarsService;
}

const tags = ['calendars'];
const Deleted = { 204: Type.Null({ description: 'Deleted.' }) };
/** An iCalendar file of a few years of holidays is a few kB; 1 MB leaves room for busy closure feeds. */
export const ICALENDAR_BODY_LIMIT = 1_048_576;

const sendCalendar = (reply: FastifyReply, calendar: BusinessCalendarRow) => {
  setEtag(reply, calendar.version);
  return presentCalendarV2(calendar);
};

const calendarInput = (body: CalendarUpdateBody): CalendarInput => ({
  name: body.name,
  description: body.description,
  timeZone: body.time_zone,
  weekly: body.weekly,
});

/** `/api/v2/calendars`: business calendars, their holidays and closures, and computations on them. */
export const calendarsRoutesV2: FastifyPluginAsyncTypebox<CalendarsRouteOptions> = (app, { calendars }) => {
  // Only this plugin reads iCalendar bodies: the parser is encapsulated with its routes.
  app.addContentTypeParser(
    'text/calendar',
    { parseAs: 'string', bodyLimit: ICALENDAR_BODY_LIMIT },
    (_request, body, done) => {
      done(null, body);
    },
  );

  app.get(
    '/calendars',
    {
      config: { permission: 'calendars:read' },
      schema: {
        tags,
        querystring: listQuerySchema(calendarList, 'v2'),
        response: { 200: v2PageSchema(CalendarV2) },
      },
    },
    (request, reply) => {
      const params = parseListQuery(calendarList, request.query, 'v2');
      return sendList(request, reply, {
        page: () => calendars.listCalendars(params),
        all: () => calendars.allCalendars(params),
        present: presentCalendarV2,
        item: CalendarV2,
        filename: 'calendars',
      });
    },
  );

  app.get(
    '/calendars/:id',
    {
      config: { permission: 'calendars:read' },
      schema: { tags, params: IdParams, response: { 200: CalendarV2 } },
    },
    async (request, reply) => sendCalendar(reply, await calendars.getCalendar(request.params.id)),
  );

  app.post(
    '/calendars',
    {
      config: { permission: 'calendars:write' },
      schema: { tags, body: CalendarCreateBody, response: { 201: CalendarV2 } },
    },
    async (request, reply) => {
      const calendar = await calendars.createCalendar(contextOf(request), calendarInput(request.body));
      reply.header('location', `/api/v2/calendars/${calendar.id}`);
      return reply.code(201).send(sendCalendar(reply, calendar));
    },
  );

  app.patch(
    '/calendars/:id',
    {
      config: { permission: 'calendars:write' },
      schema: {
        tags,
        summary: 'Update a calendar; requires If-Match. `weekly` replaces the whole week.',
        params: IdParams,
        body: CalendarUpdateBody,
        response: { 200: CalendarV2 },
      },
    },
    async (request, reply) => {
      const version = expectedVersion(request, 'v2');
      const calendar = await withVersionCheck('v2', presentCalendarV2, () =>
        calendars.updateCalendar(contextOf(request), request.params.id, calendarInput(request.body), version),
      );
      return sendCalendar(reply, calendar);
    },
  );

  app.delete(
    '/calendars/:id',
    {
      config: { permission: 'calendars:write' },
      schema: {
        tags,
        summary: 'Delete a calendar with its holidays and closures; requires If-Match.',
        params: IdParams,
        response: Deleted,
      },
    },
    async (request, reply) => {
      const version = expectedVersion(request, 'v2');
      await withVersionCheck('v2', presentCalendarV2, () =>
        calendars.deleteCalendar(contextOf(request), request.params.id, version),
      );
      return reply.code(204).send(null);
    },
  );

  // Holidays and closures

  app.get(
    '/calendars/:id/closures',
    {
      config: { permission: 'calendars:read' },
      schema: {
        tags,
        summary: "A calendar's holidays (local dates) and closures (instant ranges).",
        params: IdParams,
        querystring: listQuerySchema(closureList, 'v2'),
        response: { 200: v2PageSchema(ClosureV2) },
      },
    },
    (request, reply) => {
      const params = parseListQuery(closureList, request.query, 'v2');
      return sendList(request, reply, {
        page: () => calendars.listClosures(request.params.id, params),
        all: () => calendars.allClosures(request.params.id, params),
        present: presentClosureV2,
        item: ClosureV2,
        filename: 'calendar-closures',
      });
    },
  );

  app.post(
    '/calendars/:id/closures',
    {
      config: { permission: 'calendars:write' },
      schema: {
        tags,
        summary:
          'Add a holiday ({kind: "holiday", date}) or a closure ({kind: "closure", starts_at, ends_at}).',
        params: IdParams,
        body: ClosureCreateBody,
        response: { 201: ClosureV2 },
      },
    },
    async (request, reply) => {
      const { kind, name, date, starts_at: startsAt, ends_at: endsAt } = request.body;
      const closure = await calendars.addClosure(contextOf(request), request.params.id, {
        kind,
        name,
        date,
        startsAt,
        endsAt,
      });
      return reply.code(201).send(presentClosureV2(closure));
    },
  );

  app.delete(
    '/calendars/:id/closures/:closureId',
    { config: { permission: 'calendars:write' }, schema: { tags, params: ClosureParams, response: Deleted } },
    async (request, reply) => {
      await calendars.removeClosure(contextOf(request), request.params.id, request.params.closureId);
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/calendars/:id/import',
    {
      config: { permission: 'calendars:write' },
      bodyLimit: ICALENDAR_BODY_LIMIT,
      schema: {
        tags,
        summary:
          'Import holidays (all-day events) and closures (timed events) from an iCalendar file sent as ' +
          'the body with Content-Type: text/calendar (at most 1 MB). Idempotent by event UID.',
        params: IdParams,
        consumes: ['text/calendar'],
        body: Type.String({ description: 'The .ics file.' }),
        response: { 200: ImportResultV2 },
      },
      // Before validation, so a JSON body hears what to send instead of "not a string".
      preValidation: (request, _reply, done) => {
        done(typeof request.body === 'string' ? undefined : calendarsErrors.CALENDARS_ICALENDAR_MEDIA_TYPE());
      },
    },
    async (request) =>
      presentImportV2(await calendars.importICalendar(contextOf(request), request.params.id, request.body)),
  );

  // Computations

  app.get(
    '/calendars/:id/is-open',
    {
      config: { permission: 'calendars:read' },
      schema: {
        tags,
        summary: 'Whether the calendar is open at an instant.',
        params: IdParams,
        querystring: AtQuery,
        response: { 200: IsOpenV2 },
      },
    },
    async (request) => presentIsOpenV2(await calendars.isOpen(request.params.id, request.query.at)),
  );

  app.get(
    '/calendars/:id/next-opening',
    {
      config: { permission: 'calendars:read' },
      schema: {
        tags,
        summary: 'The first open instant at or after `at`; null when none within three years.',
        params: IdParams,
        querystring: AtQuery,
        response: { 200: NextOpeningV2 },
      },
    },
    async (request) => presentNextOpeningV2(await calendars.nextOpening(request.params.id, request.query.at)),
  );

  app.get(
    '/calendars/:id/add',
    {
      config: { permission: 'calendars:read' },
      schema: {
        tags,
        summary:
          'The instant a business duration after `from` (a due time): it may be exactly a closing time.',
        params: IdParams,
        querystring: AddQuery,
        response: { 200: AddV2 },
      },
    },
    async (request) =>
      presentAddV2(
        await calendars.addBusinessTime(request.params.id, request.query.from, request.query.duration),
      ),
  );

  app.get(
    '/calendars/:id/between',
    {
      config: { permission: 'calendars:read' },
      schema: {
        tags,
        summary: 'Business time in [from, to); negative when `to` is before `from`.',
        params: IdParams,
        querystring: BetweenQuery,
        response: { 200: BetweenV2 },
      },
    },
    async (request) =>
      presentBetweenV2(
        await calendars.businessTimeBetween(request.params.id, request.query.from, request.query.to),
      ),
  );
  return Promise.resolve();
};
