import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { contextOf } from '../../platform/auth/actor.ts';
import { fieldError } from '../../platform/http/errors.ts';
import { expectedVersion, setEtag, withVersionCheck } from '../../platform/http/etag.ts';
import { sendList } from '../../platform/http/negotiation.ts';
import { v1PageSchema, v2PageSchema } from '../../platform/http/pagination.ts';
import { listQuerySchema, parseListQuery, refineFilters } from '../../platform/http/query.ts';
import { definedOnly, IdParams, relationId } from '../../platform/http/schemas.ts';
import { TIME_OFF_STATUSES, type TimeOffRequest } from './workforce.tables.ts';
import {
  presentConflict,
  presentTimeOffV1,
  presentTimeOffV2,
  TIME_OFF_LABELS,
} from './workforce.timeoff.presenters.ts';
import { requestList } from './workforce.timeoff.repository.ts';
import { timeoffPoliciesRoutesV2 } from './workforce.timeoff.policies.routes.ts';
import {
  ApprovalV2,
  DecisionBody,
  TimeOffCreateBody,
  TimeOffRequestV1,
  TimeOffRequestV1Body,
  TimeOffRequestV1Reply,
  TimeOffRequestV2,
  TimeOffUpdateBody,
  WorkingDaysV2,
} from './workforce.timeoff.schemas.ts';
import { emptyBody } from './workforce.timeclock.routes.ts';
import type { RequestInput, TimeoffService, TimeOffRequestView } from './workforce.timeoff.ts';

export interface TimeoffRouteOptions {
  timeoff: TimeoffService;
}

const tags = ['time off'];

/** A v1 status as displayed ("Approved") or stored ("approved") -> the stored code. */
function statusFromLabel(raw: string): TimeOffRequest['status'] {
  const status = TIME_OFF_STATUSES.find((code) => code === raw.trim().toLowerCase());
  if (!status)
    throw fieldError(
      'status',
      `"${raw}" is not a valid choice; expected one of: ${Object.values(TIME_OFF_LABELS).join(', ')}.`,
    );
  return status;
}

const v1RequestList = refineFilters(requestList, {
  status: { values: undefined, toColumn: statusFromLabel },
});

export const timeoffRoutesV1: FastifyPluginAsyncTypebox<TimeoffRouteOptions> = async (app, { timeoff }) => {
  app.get(
    '/time-off-requests/',
    {
      config: { permission: 'workforce:read' },
      schema: {
        tags,
        summary: "Your requests; managers see their department's, admins everyone's. ?user=<id> filters.",
        querystring: listQuerySchema(v1RequestList, 'v1'),
        response: { 200: v1PageSchema(TimeOffRequestV1) },
      },
    },
    (request, reply) => {
      const { actor } = contextOf(request);
      const params = parseListQuery(v1RequestList, request.query, 'v1');
      return sendList(request, reply, {
        page: () => timeoff.list(actor, params),
        all: () => timeoff.all(actor, params),
        present: presentTimeOffV1,
        item: TimeOffRequestV1,
        filename: 'time-off-requests',
      });
    },
  );

  app.get(
    '/time-off-requests/:id/',
    {
      config: { permission: 'workforce:read' },
      schema: { tags, params: IdParams, response: { 200: TimeOffRequestV1 } },
    },
    async (request) => presentTimeOffV1(await timeoff.get(contextOf(request).actor, request.params.id)),
  );

  app.post(
    '/time-off-requests/',
    {
      config: { permission: 'workforce:self' },
      schema: {
        tags,
        summary: 'Request time off (pending); overlapping pending or approved requests are refused (409).',
        body: TimeOffRequestV1Body,
        response: { 201: TimeOffRequestV1 },
      },
    },
    async (request, reply) => {
      const { body } = request;
      const view = await timeoff.request(
        contextOf(request),
        definedOnly<RequestInput>({
          userId: relationId(body.user_id ?? body.user) ?? undefined,
          requestType: body.request_type,
          startDate: body.start_date,
          endDate: body.end_date,
          reason: body.reason ?? undefined,
        }),
      );
      return reply.code(201).send(presentTimeOffV1(view));
    },
  );

  /** Changed fields first, then a status change: Approved / Rejected (managers), Cancelled (withdraw). */
  const update = async (request: FastifyRequest<{ Params: { id: number }; Body: TimeOffRequestV1Body }>) => {
    const ctx = contextOf(request);
    const { id } = request.params;
    const { body } = request;
    let view = await timeoff.get(ctx.actor, id);
    let version = expectedVersion(request, 'v1', body.version);
    // The frontend may send the whole object back: only what differs is a change.
    const changes = definedOnly<RequestInput>({
      requestType: body.request_type === view.requestType ? undefined : body.request_type,
      startDate: body.start_date === view.startDate ? undefined : body.start_date,
      endDate: body.end_date === view.endDate ? undefined : body.end_date,
      reason:
        (body.reason ?? '') === view.reason || body.reason === undefined ? undefined : (body.reason ?? ''),
    });
    if (Object.keys(changes).length > 0) {
      view = await withVersionCheck('v1', presentTimeOffV1, () => timeoff.update(ctx, id, changes, version));
      version = undefined;
    }
    const status = body.status === undefined ? undefined : statusFromLabel(body.status);
    if (status === undefined || status === view.status) return presentTimeOffV1(view);
    switch (status) {
      case 'approved': {
        const { request: approved, conflicts } = await withVersionCheck('v1', presentTimeOffV1, () =>
          timeoff.approve(ctx, id, { expectedVersion: version }),
        );
        return { ...presentTimeOffV1(approved), conflicts: conflicts.map(presentConflict) };
      }
      case 'rejected':
        return presentTimeOffV1(
          await withVersionCheck('v1', presentTimeOffV1, () =>
            timeoff.reject(ctx, id, { expectedVersion: version }),
          ),
        );
      case 'cancelled':
        return presentTimeOffV1(
          await withVersionCheck('v1', presentTimeOffV1, () => timeoff.cancel(ctx, id, version)),
        );
      case 'pending':
        throw fieldError('status', 'A decided request cannot go back to pending.');
    }
  };
  for (const method of ['PATCH', 'PUT'] as const) {
    app.route({
      method,
      url: '/time-off-requests/:id/',
      config: { permission: 'workforce:self' },
      schema: {
        tags,
        summary:
          'Change a pending request; status "Approved"/"Rejected" decides it (managers, never your own; an approval lists conflicting events), "Cancelled" withdraws it.',
        params: IdParams,
        body: TimeOffRequestV1Body,
        response: { 200: TimeOffRequestV1Reply },
      },
      handler: update,
    });
  }

  app.delete(
    '/time-off-requests/:id/',
    {
      config: { permission: 'workforce:self' },
      schema: { tags, summary: 'Withdraw (cancel) the request; it stays in the history.', params: IdParams },
    },
    async (request, reply) => {
      await timeoff.cancel(contextOf(request), request.params.id);
      return reply.code(204).send();
    },
  );
};

function sendRequest(reply: FastifyReply, view: TimeOffRequestView) {
  setEtag(reply, view.version);
  return presentTimeOffV2(view);
}

/** If-Match is optional on decisions: they check the state they change. */
const optionalVersion = (request: FastifyRequest) =>
  request.headers['if-match'] ? expectedVersion(request, 'v2') : undefined;

export const timeoffRoutesV2: FastifyPluginAsyncTypebox<TimeoffRouteOptions> = async (app, { timeoff }) => {
  app.get(
    '/time-off-requests',
    {
      config: { permission: 'workforce:read' },
      schema: {
        tags,
        summary: "Time-off requests you can see (yours; your department's as a manager; all as an admin).",
        querystring: listQuerySchema(requestList, 'v2'),
        response: { 200: v2PageSchema(TimeOffRequestV2) },
      },
    },
    (request, reply) => {
      const { actor } = contextOf(request);
      const params = parseListQuery(requestList, request.query, 'v2');
      return sendList(request, reply, {
        page: () => timeoff.list(actor, params),
        all: () => timeoff.all(actor, params),
        present: presentTimeOffV2,
        item: TimeOffRequestV2,
        filename: 'time-off-requests',
      });
    },
  );

  app.get(
    '/time-off-requests/:id',
    {
      config: { permission: 'workforce:read' },
      schema: { tags, params: IdParams, response: { 200: TimeOffRequestV2 } },
    },
    async (request, reply) =>
      sendRequest(reply, await timeoff.get(contextOf(request).actor, request.params.id)),
  );

  app.get(
    '/time-off-requests/:id/working-days',
    {
      config: { permission: 'workforce:read' },
      schema: {
        tags,
        summary: "The request's working days, as its policy's calendar counts them now (holidays excluded).",
        params: IdParams,
        response: { 200: WorkingDaysV2 },
      },
    },
    async (request) => {
      const dates = await timeoff.workingDays(contextOf(request).actor, request.params.id);
      return { count: dates.length, dates };
    },
  );

  app.post(
    '/time-off-requests',
    {
      config: { permission: 'workforce:self' },
      schema: {
        tags,
        summary: 'Request time off; 409 when it overlaps a pending or approved request of the same person.',
        body: TimeOffCreateBody,
        response: { 201: TimeOffRequestV2 },
      },
    },
    async (request, reply) => {
      const { user_id: userId, request_type: requestType, start_date, end_date, reason } = request.body;
      const view = await timeoff.request(
        contextOf(request),
        definedOnly({ userId, requestType, startDate: start_date, endDate: end_date, reason }),
      );
      reply.header('location', `/api/v2/time-off-requests/${view.id}`);
      return reply.code(201).send(sendRequest(reply, view));
    },
  );

  app.patch(
    '/time-off-requests/:id',
    {
      config: { permission: 'workforce:self' },
      schema: {
        tags,
        summary: 'Change a pending request; requires If-Match.',
        params: IdParams,
        body: TimeOffUpdateBody,
        response: { 200: TimeOffRequestV2 },
      },
    },
    async (request, reply) => {
      const version = expectedVersion(request, 'v2');
      const { request_type: requestType, start_date, end_date, reason } = request.body;
      const view = await withVersionCheck('v2', presentTimeOffV2, () =>
        timeoff.update(
          contextOf(request),
          request.params.id,
          definedOnly({ requestType, startDate: start_date, endDate: end_date, reason }),
          version,
        ),
      );
      return sendRequest(reply, view);
    },
  );

  app.post(
    '/time-off-requests/:id/approve',
    {
      config: { permission: 'workforce:approve' },
      preValidation: emptyBody,
      schema: {
        tags,
        summary:
          "Approve (the person's manager or an admin, never your own); lists the person's scheduled events on those days.",
        params: IdParams,
        body: DecisionBody,
        response: { 200: ApprovalV2 },
      },
    },
    async (request, reply) => {
      const version = optionalVersion(request);
      const { request: approved, conflicts } = await withVersionCheck('v2', presentTimeOffV2, () =>
        timeoff.approve(contextOf(request), request.params.id, {
          note: request.body.note,
          expectedVersion: version,
        }),
      );
      setEtag(reply, approved.version);
      return { request: presentTimeOffV2(approved), conflicts: conflicts.map(presentConflict) };
    },
  );

  app.post(
    '/time-off-requests/:id/reject',
    {
      config: { permission: 'workforce:approve' },
      preValidation: emptyBody,
      schema: { tags, params: IdParams, body: DecisionBody, response: { 200: TimeOffRequestV2 } },
    },
    async (request, reply) => {
      const version = optionalVersion(request);
      const view = await withVersionCheck('v2', presentTimeOffV2, () =>
        timeoff.reject(contextOf(request), request.params.id, {
          note: request.body.note,
          expectedVersion: version,
        }),
      );
      return sendRequest(reply, view);
    },
  );

  app.post(
    '/time-off-requests/:id/cancel',
    {
      config: { permission: 'workforce:self' },
      schema: {
        tags,
        summary: 'Withdraw a pending request, or an approved one that has not begun.',
        params: IdParams,
        response: { 200: TimeOffRequestV2 },
      },
    },
    async (request, reply) => {
      const version = optionalVersion(request);
      const view = await withVersionCheck('v2', presentTimeOffV2, () =>
        timeoff.cancel(contextOf(request), request.params.id, version),
      );
      return sendRequest(reply, view);
    },
  );

  await app.register(timeoffPoliciesRoutesV2, { timeoff });
};
