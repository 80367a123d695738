import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { contextOf } from '../../platform/auth/actor.ts';
import { fieldError } from '../../platform/http/errors.ts';
import { expectedVersion, withVersionCheck } from '../../platform/http/etag.ts';
import { sendList } from '../../platform/http/negotiation.ts';
import { v1PageSchema } from '../../platform/http/pagination.ts';
import { listQuerySchema, parseListQuery, refineFilters } from '../../platform/http/query.ts';
import { definedOnly, IdParams, relationId } from '../../platform/http/schemas.ts';
import { APPROVAL_STATUSES, type TimeEntry } from './workforce.tables.ts';
import { APPROVAL_LABELS, presentTimeEntryV1 } from './workforce.timeclock.presenters.ts';
import { timeEntryList } from './workforce.timeclock.repository.ts';
import { TimeEntryV1, TimeEntryV1Body } from './workforce.timeclock.schemas.ts';
import type { EntryInput, TimeEntryView, TimeInput } from './workforce.timeclock.types.ts';
import type { TimeclockRouteOptions } from './workforce.timeclock.routes.ts';

const tags = ['time clock'];

/** A v1 status as displayed ("Approved") or stored ("approved") -> the stored code. */
export function approvalFromLabel(field: string, raw: string): TimeEntry['status'] {
  const normalised = raw.trim().toLowerCase();
  const status = APPROVAL_STATUSES.find((code) => code === normalised);
  if (!status)
    throw fieldError(
      field,
      `"${raw}" is not a valid choice; expected one of: ${Object.values(APPROVAL_LABELS).join(', ')}.`,
    );
  return status;
}

const v1EntryList = refineFilters(timeEntryList, {
  status: { values: undefined, toColumn: (value) => approvalFromLabel('status', value) },
});

const firstDefined = (...values: unknown[]) => {
  for (const value of values) if (value !== undefined) return relationId(value);
  return undefined;
};

/** A v1 body as the service's input; `user` only matters on create. */
function v1Input(body: TimeEntryV1Body): EntryInput {
  return definedOnly<EntryInput>({
    userId: firstDefined(body.user_id, body.user) ?? undefined,
    date: body.date ?? undefined,
    clockIn: body.clock_in ?? undefined,
    clockOut: body.clock_out,
    breakStart: body.break_start,
    breakEnd: body.break_end,
    locationId: firstDefined(body.location_id, body.location),
    shiftId: firstDefined(body.shift_id, body.shift),
    notes: body.notes === null ? '' : body.notes,
  });
}

const OFFSET = /(?:Z|[+-]\d{2}:?\d{2})$/i;

/**
 * The changes a v1 PATCH asks for. BMS screens send the whole object back, so values
 * equal to the entry's are not changes (a no-op save of a locked entry stays a no-op).
 */
function changedOnly(input: EntryInput, current: TimeEntryView): EntryInput {
  const same = (value: TimeInput | null | undefined, instant: Date | null | undefined) => {
    if (value === null) return !instant;
    // Only a time with an offset names an instant by itself; others are read in the person's zone.
    if (typeof value !== 'string' || !OFFSET.test(value.trim()) || !instant) return false;
    return Date.parse(value) === instant.getTime();
  };
  const [first] = current.breaks;
  return definedOnly<EntryInput>({
    date: input.date === current.date ? undefined : input.date,
    clockIn: same(input.clockIn, current.clockIn) ? undefined : input.clockIn,
    clockOut: same(input.clockOut, current.clockOut) ? undefined : input.clockOut,
    breakStart: same(input.breakStart, first?.startsAt ?? null) ? undefined : input.breakStart,
    breakEnd: same(input.breakEnd, first?.endsAt ?? null) ? undefined : input.breakEnd,
    locationId: input.locationId === current.locationId ? undefined : input.locationId,
    shiftId: input.shiftId === current.shiftId ? undefined : input.shiftId,
    notes: input.notes === current.notes ? undefined : input.notes,
  });
}

export const timeclockRoutesV1: FastifyPluginAsyncTypebox<TimeclockRouteOptions> = async (
  app,
  { timeclock },
) => {
  app.get(
    '/time-entries/',
    {
      config: { permission: 'workforce:read' },
      schema: {
        tags,
        summary: "Your time entries; managers see their department's, admins everyone's. ?user=<id> filters.",
        querystring: listQuerySchema(v1EntryList, 'v1'),
        response: { 200: v1PageSchema(TimeEntryV1) },
      },
    },
    (request, reply) => {
      const { actor } = contextOf(request);
      const params = parseListQuery(v1EntryList, request.query, 'v1');
      return sendList(request, reply, {
        page: () => timeclock.list(actor, params),
        all: () => timeclock.all(actor, params),
        present: presentTimeEntryV1,
        item: TimeEntryV1,
        filename: 'time-entries',
      });
    },
  );

  app.get(
    '/time-entries/:id/',
    {
      config: { permission: 'workforce:read' },
      schema: { tags, params: IdParams, response: { 200: TimeEntryV1 } },
    },
    async (request) => presentTimeEntryV1(await timeclock.get(contextOf(request).actor, request.params.id)),
  );

  app.post(
    '/time-entries/',
    {
      config: { permission: 'workforce:self' },
      schema: {
        tags,
        summary:
          'Without clock_in: clock in now. With clock_in (and clock_out): a manual entry, pending review. total_hours is computed.',
        body: TimeEntryV1Body,
        response: { 201: TimeEntryV1 },
      },
    },
    async (request, reply) => {
      const ctx = contextOf(request);
      const { clockIn, clockOut, breakStart, breakEnd, ...rest } = v1Input(request.body);
      let view: TimeEntryView;
      if (clockIn === undefined) {
        if (clockOut || breakStart || breakEnd) throw fieldError('clock_in', 'This field is required.');
        view = await timeclock.clockIn(ctx, rest);
      } else {
        view = await timeclock.create(ctx, { ...rest, clockIn, clockOut, breakStart, breakEnd });
      }
      return reply.code(201).send(presentTimeEntryV1(view));
    },
  );

  /** Field changes first, then a status change ("Approved" approves: the reviewer is the caller). */
  const update = async (request: FastifyRequest<{ Params: { id: number }; Body: TimeEntryV1Body }>) => {
    const ctx = contextOf(request);
    const { id } = request.params;
    const current = await timeclock.get(ctx.actor, id);
    const changes = changedOnly(v1Input(request.body), current);
    let version = expectedVersion(request, 'v1', request.body.version);
    let view = current;
    if (Object.keys(changes).length > 0) {
      view = await withVersionCheck('v1', presentTimeEntryV1, () =>
        timeclock.update(ctx, id, changes, version),
      );
      version = undefined;
    }
    const status =
      request.body.status === undefined ? undefined : approvalFromLabel('status', request.body.status);
    if (status !== undefined && status !== view.status) {
      if (status === 'pending') throw fieldError('status', 'A reviewed entry cannot go back to pending.');
      view = await withVersionCheck('v1', presentTimeEntryV1, () =>
        status === 'approved' ? timeclock.approve(ctx, id, version) : timeclock.reject(ctx, id, version),
      );
    }
    return presentTimeEntryV1(view);
  };
  for (const method of ['PATCH', 'PUT'] as const) {
    app.route({
      method,
      url: '/time-entries/:id/',
      config: { permission: 'workforce:self' },
      schema: {
        tags,
        summary: 'Correct an entry; status "Approved"/"Rejected" reviews it (managers, never your own).',
        params: IdParams,
        body: TimeEntryV1Body,
        response: { 200: TimeEntryV1 },
      },
      handler: update,
    });
  }

  app.delete(
    '/time-entries/:id/',
    { config: { permission: 'workforce:self' }, schema: { tags, params: IdParams } },
    async (request, reply) => {
      await timeclock.remove(contextOf(request), request.params.id);
      return reply.code(204).send();
    },
  );
};
