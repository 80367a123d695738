import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { contextOf } from '../../platform/auth/actor.ts';
import { expectedVersion, setEtag, withVersionCheck } from '../../platform/http/etag.ts';
import { sendList } from '../../platform/http/negotiation.ts';
import { v2PageSchema } from '../../platform/http/pagination.ts';
import { listQuerySchema, parseListQuery } from '../../platform/http/query.ts';
import { definedOnly, IdParams } from '../../platform/http/schemas.ts';
import { presentBalances, presentLedgerEntry, presentPolicy } from './workforce.timeoff.presenters.ts';
import { ledgerList } from './workforce.timeoff.repository.ts';
import {
  BalancesQuery,
  BalancesV2,
  LedgerCreateBody,
  LedgerEntryV2,
  PolicyCreateBody,
  PolicyUpdateBody,
  PolicyV2,
} from './workforce.timeoff.schemas.ts';
import type { TimeoffRouteOptions } from './workforce.timeoff.routes.ts';
import type { TimeoffService } from './workforce.timeoff.ts';

const tags = ['time off'];

/** `/api/v2/time-off/*`: balances, the policies (kinds of time off) and the ledger of days granted. */
export const timeoffPoliciesRoutesV2: FastifyPluginAsyncTypebox<TimeoffRouteOptions> = async (
  app,
  { timeoff },
) => {
  app.get(
    '/time-off/balances',
    {
      config: { permission: 'workforce:read' },
      schema: {
        tags,
        summary:
          'Balances per type for a year (default: yours, this year): accrued, carried forward, taken (working days, computed now), pending, remaining.',
        querystring: BalancesQuery,
        response: { 200: BalancesV2 },
      },
    },
    async (request) => {
      const { actor } = contextOf(request);
      return presentBalances(
        await timeoff.balances(actor, request.query.user ?? actor.userId, request.query.year),
      );
    },
  );

  app.get(
    '/time-off/policies',
    {
      config: { permission: 'workforce:read' },
      schema: {
        tags,
        summary: 'The kinds of time off and their rules.',
        response: { 200: Type.Array(PolicyV2) },
      },
    },
    async () => (await timeoff.listPolicies()).map(presentPolicy),
  );

  app.post(
    '/time-off/policies',
    {
      config: { permission: 'workforce:policies' },
      schema: { tags, body: PolicyCreateBody, response: { 201: PolicyV2 } },
    },
    async (request, reply) => {
      const {
        request_type: requestType,
        annual_days,
        carry_forward_max_days,
        calendar_id,
        allow_negative_balance,
      } = request.body;
      const created = await timeoff.createPolicy(
        contextOf(request),
        definedOnly({
          requestType,
          annualDays: annual_days,
          carryForwardMaxDays: carry_forward_max_days,
          calendarId: calendar_id,
          allowNegativeBalance: allow_negative_balance,
        }) as { requestType: string },
      );
      setEtag(reply, created.version);
      return reply.code(201).send(presentPolicy(created));
    },
  );

  app.patch(
    '/time-off/policies/:id',
    {
      config: { permission: 'workforce:policies' },
      schema: {
        tags,
        summary:
          'Change a policy (requires If-Match); balances follow at once, as they are computed when read.',
        params: IdParams,
        body: PolicyUpdateBody,
        response: { 200: PolicyV2 },
      },
    },
    async (request, reply) => {
      const version = expectedVersion(request, 'v2');
      const {
        request_type: requestType,
        annual_days,
        carry_forward_max_days,
        calendar_id,
        allow_negative_balance,
      } = request.body;
      const updated = await withVersionCheck('v2', presentPolicy, () =>
        timeoff.updatePolicy(
          contextOf(request),
          request.params.id,
          definedOnly({
            requestType,
            annualDays: annual_days,
            carryForwardMaxDays: carry_forward_max_days,
            calendarId: calendar_id,
            allowNegativeBalance: allow_negative_balance,
          }),
          version,
        ),
      );
      setEtag(reply, updated.version);
      return presentPolicy(updated);
    },
  );

  app.delete(
    '/time-off/policies/:id',
    {
      config: { permission: 'workforce:policies' },
      schema: { tags, summary: 'Delete an unused policy; requires If-Match.', params: IdParams },
    },
    async (request, reply) => {
      const version = expectedVersion(request, 'v2');
      await withVersionCheck('v2', presentPolicy, () =>
        timeoff.deletePolicy(contextOf(request), request.params.id, version),
      );
      return reply.code(204).send();
    },
  );

  app.get(
    '/time-off/ledger',
    {
      config: { permission: 'workforce:read' },
      schema: {
        tags,
        summary: 'Days granted (accruals, adjustments) that you can see.',
        querystring: listQuerySchema(ledgerList, 'v2'),
        response: { 200: v2PageSchema(LedgerEntryV2) },
      },
    },
    (request, reply) => {
      const { actor } = contextOf(request);
      const params = parseListQuery(ledgerList, request.query, 'v2');
      return sendList(request, reply, {
        page: () => timeoff.listLedger(actor, params),
        all: () => timeoff.allLedger(actor, params),
        present: presentLedgerEntry,
        item: LedgerEntryV2,
        filename: 'time-off-ledger',
      });
    },
  );

  app.post(
    '/time-off/ledger',
    {
      config: { permission: 'workforce:policies' },
      schema: { tags, body: LedgerCreateBody, response: { 201: LedgerEntryV2 } },
    },
    async (request, reply) => {
      const { user_id: userId, request_type: requestType, year, kind, days, note } = request.body;
      const created = await timeoff.addLedgerEntry(
        contextOf(request),
        definedOnly({ userId, requestType, year, kind, days, note }) as Parameters<
          TimeoffService['addLedgerEntry']
        >[1],
      );
      return reply.code(201).send(presentLedgerEntry(created));
    },
  );
};
