/**
 * SLA: policies (targets per priority and category on a business calendar, escalation
 * levels), each ticket's clocks, and the report queries over them.
 */
export { createSlaReports, type SlaReports } from './sla.reports.ts';
export {
  BACKLOG_BUCKETS,
  type BacklogBucket,
  type ComplianceGroupBy,
  type ReportPeriod,
} from './sla.reports.ts';
export {
  createSlaPolicies,
  type SlaPolicies,
  type SlaPoliciesDeps,
  type SlaPolicyInput,
} from './sla.policies.ts';
export { slaPolicyRoutesV2, type SlaPolicyRouteOptions } from './sla.policies.routes.ts';
export { slaPermissions } from './sla.policy.ts';
export { createSlaClocks, type SlaClocks } from './sla.service.ts';
export { createEscalation, type Escalation } from './sla.escalation.ts';
export { createSlaExplainer, type SlaExplanation } from './sla.explain.ts';
export { slaRoutesV2, type SlaRouteOptions } from './sla.routes.ts';
export { createSlaJobs, recomputeJob } from './sla.jobs.ts';
export { slaEvents } from './sla.events.ts';
export { slaEventVisibility } from './sla.visibility.ts';
