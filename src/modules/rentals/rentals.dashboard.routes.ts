import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { TSchema } from '@sinclair/typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { contextOf } from '../../platform/auth/actor.ts';
import type { Policy } from '../../platform/auth/policy.ts';
import { sendList } from '../../platform/http/negotiation.ts';
import { v2PageSchema } from '../../platform/http/pagination.ts';
import type { HealthSummary, RentalsReports } from './rentals.dashboard.ts';
import {
  DashboardQuery,
  DashboardV2,
  PopularProduct,
  PopularQuery,
  presentDashboard,
  presentPopular,
  presentRevenueDay,
  presentUtilisation,
  ReportQuery,
  RevenueDay,
  Utilisation,
} from './rentals.dashboard.schemas.ts';

export interface RentalsReportsRouteOptions {
  reports: RentalsReports;
  policy: Pick<Policy, 'can'>;
  /** The platform's readiness checks (database, Redis), as the health endpoint reports them. */
  health: () => Promise<HealthSummary>;
}

const tags = ['rentals'];

/** A report's rows as one v2 page, or streamed as CSV / XML / NDJSON through the platform's list formats. */
function sendRows<T>(
  request: FastifyRequest,
  reply: FastifyReply,
  rows: T[],
  present: (row: T) => unknown,
  item: TSchema,
  filename: string,
) {
  return sendList(request, reply, {
    page: () => Promise.resolve({ kind: 'cursor', rows, nextCursor: null }),
    all: async function* () {
      yield* rows;
    },
    present,
    item,
    filename,
  });
}

/** `GET /api/v2/dashboard` and `/api/v2/reports/rentals/*`: the rental shop's figures, cached until a rentals write. */
export const rentalsReportsRoutesV2: FastifyPluginAsyncTypebox<RentalsReportsRouteOptions> = async (
  app,
  { reports, policy, health },
) => {
  app.get(
    '/dashboard',
    {
      config: { permission: 'rentals:read' },
      schema: {
        tags,
        summary:
          'The rental shop at a glance: booked revenue today and this month (with rentals:revenue), active orders, ' +
          'items out, overdue returns, utilisation and popular products over [from, to), and system health.',
        querystring: DashboardQuery,
        response: { 200: DashboardV2 },
      },
    },
    async (request) => {
      const { from, to, time_zone: timeZone, limit } = request.query;
      const range = reports.readRange({ from, to, timeZone });
      const [dashboard, status] = await Promise.all([reports.dashboard(range, limit ?? 5), health()]);
      return presentDashboard(dashboard, status, policy.can(contextOf(request).actor, 'rentals:revenue'));
    },
  );

  app.get(
    '/reports/rentals/revenue',
    {
      config: { permission: 'rentals:revenue' },
      schema: {
        tags,
        summary:
          'Booked revenue per reservation day (in time_zone) and currency over [from, to); CSV with ?format=csv.',
        querystring: ReportQuery,
        response: { 200: v2PageSchema(RevenueDay) },
      },
    },
    async (request, reply) => {
      const { from, to, time_zone: timeZone } = request.query;
      const rows = await reports.revenueByDay(reports.readRange({ from, to, timeZone }));
      await sendRows(request, reply, rows, presentRevenueDay, RevenueDay, 'rental-revenue');
    },
  );

  app.get(
    '/reports/rentals/utilisation',
    {
      config: { permission: 'rentals:read' },
      schema: {
        tags,
        summary:
          'Per product: units, hours held by bookings and utilisation over [from, to); CSV with ?format=csv.',
        querystring: ReportQuery,
        response: { 200: v2PageSchema(Utilisation) },
      },
    },
    async (request, reply) => {
      const { from, to, time_zone: timeZone } = request.query;
      const rows = await reports.utilisation(reports.readRange({ from, to, timeZone }));
      await sendRows(request, reply, rows, presentUtilisation, Utilisation, 'rental-utilisation');
    },
  );

  app.get(
    '/reports/rentals/popular-products',
    {
      config: { permission: 'rentals:read' },
      schema: {
        tags,
        summary: 'Products by units ordered in orders starting in [from, to); CSV with ?format=csv.',
        querystring: PopularQuery,
        response: { 200: v2PageSchema(PopularProduct) },
      },
    },
    async (request, reply) => {
      const { from, to, time_zone: timeZone, limit } = request.query;
      const rows = await reports.popular(reports.readRange({ from, to, timeZone }), limit ?? 10);
      await sendRows(request, reply, rows, presentPopular, PopularProduct, 'rental-popular-products');
    },
  );
};
