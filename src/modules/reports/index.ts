/**
 * Reports: SLA compliance, response times, backlog by age and workload, computed by the
 * SLA module over its read model and cached until tickets or SLA clocks change.
 */
export { createReportsService, type ReportsDeps, type ReportsService } from './reports.service.ts';
export { reportsPermissions } from './reports.policy.ts';
export { reportsRoutesV2, type ReportsRouteOptions } from './reports.routes.ts';
