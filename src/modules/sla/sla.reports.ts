import type { Database } from '../../platform/db/client.ts';
import * as repository from './sla.reports.repository.ts';

export type {
  BacklogBucket,
  BacklogRow,
  BreakdownBy,
  ComplianceCount,
  ComplianceGroupBy,
  ComplianceRows,
  DepartmentScope,
  DurationStats,
  ReportPeriod,
  ResponseTimeRow,
  WorkloadRow,
} from './sla.reports.repository.ts';
export { BACKLOG_BUCKETS } from './sla.reports.repository.ts';

/**
 * The aggregations the reports module shows, over the SLA read model (see
 * sla.reports.repository.ts for what each counts). Each runs on the pool; callers
 * cache them (they change only when tickets or clocks do).
 */
export function createSlaReports({ db }: { db: Database }) {
  return {
    complianceRows: (options: Parameters<typeof repository.complianceRows>[1]) =>
      repository.complianceRows(db, options),
    responseTimes: (options: Parameters<typeof repository.responseTimes>[1]) =>
      repository.responseTimes(db, options),
    backlogByAge: (options: Parameters<typeof repository.backlogByAge>[1]) =>
      repository.backlogByAge(db, options),
    workload: (options: Parameters<typeof repository.workload>[1]) => repository.workload(db, options),
  };
}

/** The SLA module's report queries, bound to the database. */
export type SlaReports = ReturnType<typeof createSlaReports>;
