import type { Static } from '@sinclair/typebox';
import { DateTime } from 'luxon';
import type { BacklogBucket } from '../sla/index.ts';
import type {
  BacklogReportV2,
  ComplianceReportV2,
  ResponseTimesReportV2,
  WorkloadReportV2,
} from './reports.schemas.ts';
import type {
  BacklogCounts,
  BacklogReport,
  ComplianceReport,
  ResponseTimesReport,
  WorkloadReport,
} from './reports.service.ts';

const BUCKET_LABELS: Record<BacklogBucket, string> = {
  under_1h: 'Under 1 hour',
  '1h_4h': '1 to 4 hours',
  '4h_24h': '4 to 24 hours',
  '1d_3d': '1 to 3 days',
  '3d_7d': '3 to 7 days',
  over_7d: '7 days and more',
};

/** An instant with the offset of the report's zone. */
const zoned = (instant: Date, timeZone: string) =>
  DateTime.fromJSDate(instant, { zone: timeZone }).toISO({ suppressMilliseconds: true }) ??
  instant.toISOString();

const range = (report: { from: Date; to: Date; timeZone: string }) => ({
  from: zoned(report.from, report.timeZone),
  to: zoned(report.to, report.timeZone),
  time_zone: report.timeZone,
});

export function presentComplianceV2(report: ComplianceReport): Static<typeof ComplianceReportV2> {
  return {
    ...range(report),
    group_by: report.groupBy,
    period: report.period,
    groups: report.groups.map(({ key, label, resolution, firstResponse }) => ({
      key,
      label,
      resolution,
      first_response: firstResponse,
    })),
    total: { resolution: report.total.resolution, first_response: report.total.firstResponse },
  };
}

const times = ({ tickets, firstResponse, resolution }: ResponseTimesReport['total']) => ({
  tickets,
  first_response: {
    count: firstResponse.count,
    mean_seconds: firstResponse.meanSeconds,
    median_seconds: firstResponse.medianSeconds,
  },
  resolution: {
    count: resolution.count,
    mean_seconds: resolution.meanSeconds,
    median_seconds: resolution.medianSeconds,
  },
});

export function presentResponseTimesV2(report: ResponseTimesReport): Static<typeof ResponseTimesReportV2> {
  return {
    ...range(report),
    group_by: report.groupBy,
    groups: report.groups.map((group) => ({ key: group.key, label: group.label, ...times(group) })),
    total: times(report.total),
  };
}

const backlogCounts = ({ open, breached, buckets }: BacklogCounts) => ({
  open,
  breached,
  buckets: buckets.map((bucket) => ({ ...bucket, label: BUCKET_LABELS[bucket.bucket] })),
});

export const presentBacklogV2 = (report: BacklogReport): Static<typeof BacklogReportV2> => ({
  as_of: report.asOf.toISOString(),
  group_by: report.groupBy,
  groups: report.groups.map((group) => ({ key: group.key, label: group.label, ...backlogCounts(group) })),
  total: backlogCounts(report.total),
});

export const presentWorkloadV2 = (report: WorkloadReport): Static<typeof WorkloadReportV2> => ({
  as_of: report.asOf.toISOString(),
  assignees: report.assignees.map((row) => ({
    assignee_id: row.assigneeId,
    assignee: row.assignee,
    open: row.open,
    at_risk: row.atRisk,
    breached: row.breached,
    resolved_last_7_days: row.resolvedLast7Days,
  })),
});
