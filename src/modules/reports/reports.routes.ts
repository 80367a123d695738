import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { contextOf } from '../../platform/auth/actor.ts';
import {
  presentBacklogV2,
  presentComplianceV2,
  presentResponseTimesV2,
  presentWorkloadV2,
} from './reports.presenters.ts';
import {
  BacklogQuery,
  BacklogReportV2,
  ComplianceQuery,
  ComplianceReportV2,
  ResponseTimesQuery,
  ResponseTimesReportV2,
  WorkloadQuery,
  WorkloadReportV2,
} from './reports.schemas.ts';
import type { ReportsService } from './reports.service.ts';

export interface ReportsRouteOptions {
  reports: ReportsService;
}

const tags = ['reports'];
const config = { permission: 'reports:read' };

/** `/api/v2/reports/*`: SLA compliance, response times, backlog and workload, of the departments the caller manages. */
export const reportsRoutesV2: FastifyPluginAsyncTypebox<ReportsRouteOptions> = async (app, { reports }) => {
  app.get(
    '/reports/sla-compliance',
    {
      config,
      schema: {
        tags,
        summary:
          'Share of tickets that met their resolution and first-response targets in [from, to), per ' +
          'priority, department, kind or period (days, ISO weeks or months in time_zone).',
        querystring: ComplianceQuery,
        response: { 200: ComplianceReportV2 },
      },
    },
    async (request) => {
      const { from, to, time_zone: timeZone, group_by: groupBy, period } = request.query;
      return presentComplianceV2(
        await reports.slaCompliance(contextOf(request).actor, { from, to, timeZone, groupBy, period }),
      );
    },
  );

  app.get(
    '/reports/response-times',
    {
      config,
      schema: {
        tags,
        summary:
          'Mean and median wall-clock time to first response and to resolution of the tickets created ' +
          'in [from, to), per priority, department or kind.',
        querystring: ResponseTimesQuery,
        response: { 200: ResponseTimesReportV2 },
      },
    },
    async (request) => {
      const { from, to, time_zone: timeZone, group_by: groupBy } = request.query;
      return presentResponseTimesV2(
        await reports.responseTimes(contextOf(request).actor, { from, to, timeZone, groupBy }),
      );
    },
  );

  app.get(
    '/reports/backlog',
    {
      config,
      schema: {
        tags,
        summary: 'Open tickets by age, with the breached among them; per priority or department.',
        querystring: BacklogQuery,
        response: { 200: BacklogReportV2 },
      },
    },
    async (request) =>
      presentBacklogV2(await reports.backlog(contextOf(request).actor, { groupBy: request.query.group_by })),
  );

  app.get(
    '/reports/workload',
    {
      config,
      schema: {
        tags,
        summary: 'Per assignee: open tickets, at risk, breached, and resolved in the last 7 days.',
        querystring: WorkloadQuery,
        response: { 200: WorkloadReportV2 },
      },
    },
    async (request) => presentWorkloadV2(await reports.workload(contextOf(request).actor)),
  );
};
