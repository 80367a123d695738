import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { contextOf } from '../../platform/auth/actor.ts';
import { toCsv } from '../../platform/http/csv.ts';
import { expectedVersion, setEtag, withVersionCheck } from '../../platform/http/etag.ts';
import { sendList } from '../../platform/http/negotiation.ts';
import { v2PageSchema } from '../../platform/http/pagination.ts';
import { listQuerySchema, parseListQuery } from '../../platform/http/query.ts';
import { definedOnly, IdParams } from '../../platform/http/schemas.ts';
import { workforceErrors } from './workforce.errors.ts';
import {
  presentTimeEntryV2,
  presentTimesheetV2,
  timesheetCsvRows,
} from './workforce.timeclock.presenters.ts';
import { timeEntryList } from './workforce.timeclock.repository.ts';
import {
  BreakBody,
  ClockInBody,
  ClockOutBody,
  TimeEntryCreateBody,
  TimeEntryUpdateBody,
  TimeEntryV2,
  TimesheetParams,
  TimesheetQuery,
  TimesheetV2,
} from './workforce.timeclock.schemas.ts';
import type { TimeclockService } from './workforce.timeclock.ts';
import type { EntryInput, TimeEntryView } from './workforce.timeclock.types.ts';

export interface TimeclockRouteOptions {
  timeclock: TimeclockService;
}

const tags = ['time clock'];

/** For action endpoints whose body has only optional members: no body at all is an empty one. */
export const emptyBody = (request: FastifyRequest, _reply: FastifyReply, done: () => void) => {
  request.body ??= {};
  done();
};

function sendCsv(reply: FastifyReply, filename: string, rows: string[][]) {
  reply.header('content-disposition', `attachment; filename="${filename}.csv"`);
  return reply.type('text/csv; charset=utf-8').send(toCsv(rows));
}

function sendEntry(reply: FastifyReply, view: TimeEntryView) {
  setEtag(reply, view.version);
  return presentTimeEntryV2(view);
}

/** If-Match is optional on review actions: they check the state they change. */
const optionalVersion = (request: FastifyRequest) =>
  request.headers['if-match'] ? expectedVersion(request, 'v2') : undefined;

export const timeclockRoutesV2: FastifyPluginAsyncTypebox<TimeclockRouteOptions> = async (
  app,
  { timeclock },
) => {
  app.get(
    '/time-entries',
    {
      config: { permission: 'workforce:read' },
      schema: {
        tags,
        summary:
          "Time entries you can see (yours; your department's as a manager; all as an admin). CSV with ?format=csv.",
        querystring: listQuerySchema(timeEntryList, 'v2'),
        response: { 200: v2PageSchema(TimeEntryV2) },
      },
    },
    (request, reply) => {
      const { actor } = contextOf(request);
      const params = parseListQuery(timeEntryList, request.query, 'v2');
      return sendList(request, reply, {
        page: () => timeclock.list(actor, params),
        all: () => timeclock.all(actor, params),
        present: presentTimeEntryV2,
        item: TimeEntryV2,
        filename: 'time-entries',
      });
    },
  );

  app.get(
    '/time-entries/current',
    {
      config: { permission: 'workforce:read' },
      schema: {
        tags,
        summary: 'Your open entry; 404 when you are not clocked in.',
        response: { 200: TimeEntryV2 },
      },
    },
    async (request, reply) => {
      const view = await timeclock.current(contextOf(request).actor);
      if (!view) throw workforceErrors.WORKFORCE_NOT_FOUND({ message: 'You are not clocked in.' });
      return sendEntry(reply, view);
    },
  );

  app.get(
    '/time-entries/:id',
    {
      config: { permission: 'workforce:read' },
      schema: { tags, params: IdParams, response: { 200: TimeEntryV2 } },
    },
    async (request, reply) =>
      sendEntry(reply, await timeclock.get(contextOf(request).actor, request.params.id)),
  );

  app.post(
    '/time-entries',
    {
      config: { permission: 'workforce:self' },
      schema: {
        tags,
        summary: 'A manual entry (pending review); worked minutes are computed from the times.',
        body: TimeEntryCreateBody,
        response: { 201: TimeEntryV2 },
      },
    },
    async (request, reply) => {
      const {
        user_id: userId,
        clock_in: clockIn,
        clock_out: clockOut,
        location_id,
        shift_id,
        ...rest
      } = request.body;
      const view = await timeclock.create(
        contextOf(request),
        definedOnly<EntryInput>({
          ...rest,
          userId,
          clockIn,
          clockOut,
          locationId: location_id,
          shiftId: shift_id,
        }),
      );
      reply.header('location', `/api/v2/time-entries/${view.id}`);
      return reply.code(201).send(sendEntry(reply, view));
    },
  );

  app.patch(
    '/time-entries/:id',
    {
      config: { permission: 'workforce:self' },
      schema: {
        tags,
        summary:
          'Correct times, breaks, location, shift or notes; requires If-Match. Locked once the week is approved.',
        params: IdParams,
        body: TimeEntryUpdateBody,
        response: { 200: TimeEntryV2 },
      },
    },
    async (request, reply) => {
      const version = expectedVersion(request, 'v2');
      const { clock_in: clockIn, clock_out: clockOut, location_id, shift_id, ...rest } = request.body;
      const input = definedOnly<EntryInput>({
        ...rest,
        clockIn,
        clockOut,
        locationId: location_id,
        shiftId: shift_id,
      });
      const view = await withVersionCheck('v2', presentTimeEntryV2, () =>
        timeclock.update(contextOf(request), request.params.id, input, version),
      );
      return sendEntry(reply, view);
    },
  );

  app.delete(
    '/time-entries/:id',
    {
      config: { permission: 'workforce:self' },
      schema: { tags, summary: 'Delete an entry; requires If-Match.', params: IdParams },
    },
    async (request, reply) => {
      const version = expectedVersion(request, 'v2');
      await withVersionCheck('v2', presentTimeEntryV2, () =>
        timeclock.remove(contextOf(request), request.params.id, version),
      );
      return reply.code(204).send();
    },
  );

  app.post(
    '/time-entries/clock-in',
    {
      config: { permission: 'workforce:self' },
      preValidation: emptyBody,
      schema: {
        tags,
        summary:
          'Clock in (one open entry per person: 409 when already clocked in). `at` in the past: managers only.',
        body: ClockInBody,
        response: { 201: TimeEntryV2 },
      },
    },
    async (request, reply) => {
      const { user_id: userId, location_id: locationId, shift_id: shiftId, at, notes } = request.body;
      const view = await timeclock.clockIn(
        contextOf(request),
        definedOnly({ userId, locationId, shiftId, at, notes }),
      );
      reply.header('location', `/api/v2/time-entries/${view.id}`);
      return reply.code(201).send(sendEntry(reply, view));
    },
  );

  const actions = [
    [
      '/time-entries/clock-out',
      'Clock out; worked minutes are computed, breaks deducted.',
      ClockOutBody,
      'clockOut',
    ],
    ['/time-entries/breaks/start', 'Start a break on the open entry.', BreakBody, 'startBreak'],
    ['/time-entries/breaks/end', 'End the current break.', BreakBody, 'endBreak'],
  ] as const;
  for (const [url, summary, body, method] of actions) {
    app.post(
      url,
      {
        config: { permission: 'workforce:self' },
        preValidation: emptyBody,
        schema: { tags, summary, body, response: { 200: TimeEntryV2 } },
      },
      async (request, reply) => {
        const { user_id: userId, ...rest } = request.body as {
          user_id?: number;
          at?: string;
          notes?: string;
        };
        return sendEntry(
          reply,
          await timeclock[method](contextOf(request), definedOnly({ userId, ...rest })),
        );
      },
    );
  }

  for (const decision of ['approve', 'reject'] as const) {
    app.post(
      `/time-entries/:id/${decision}`,
      {
        config: { permission: 'workforce:approve' },
        schema: {
          tags,
          summary: `${decision === 'approve' ? 'Approve' : 'Reject'} a closed entry: the person's manager or an admin, never your own.`,
          params: IdParams,
          response: { 200: TimeEntryV2 },
        },
      },
      async (request, reply) => {
        const version = optionalVersion(request);
        const view = await withVersionCheck('v2', presentTimeEntryV2, () =>
          timeclock[decision](contextOf(request), request.params.id, version),
        );
        return sendEntry(reply, view);
      },
    );
  }

  app.get(
    '/timesheets/:userId/:weekStart',
    {
      config: { permission: 'workforce:read' },
      schema: {
        tags,
        summary:
          "A person's ISO week (weekStart = its Monday): minutes per day, total, overtime. ?format=csv.",
        params: TimesheetParams,
        querystring: TimesheetQuery,
        response: { 200: TimesheetV2 },
      },
    },
    async (request, reply) => {
      const { userId, weekStart } = request.params;
      const sheet = await timeclock.timesheet(contextOf(request).actor, userId, weekStart);
      if (request.query.format === 'csv')
        return sendCsv(reply, `timesheet-${userId}-${weekStart}`, timesheetCsvRows(sheet));
      return presentTimesheetV2(sheet);
    },
  );

  app.post(
    '/timesheets/:userId/:weekStart/approve',
    {
      config: { permission: 'workforce:approve' },
      schema: {
        tags,
        summary: 'Approve the week: its pending entries become approved and all its entries are locked.',
        params: TimesheetParams,
        response: { 200: TimesheetV2 },
      },
    },
    async (request) => {
      const { userId, weekStart } = request.params;
      return presentTimesheetV2(await timeclock.approveWeek(contextOf(request), userId, weekStart));
    },
  );
};
