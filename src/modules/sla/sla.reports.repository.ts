import { and, gte, inArray, isNotNull, isNull, lt, not, or, sql, type SQL } from 'drizzle-orm';
import type { AnyPgColumn } from 'drizzle-orm/pg-core';
import type { Executor } from '../../platform/db/client.ts';
import { ticketSlas } from './sla.tables.ts';

/**
 * Aggregations over `ticket_slas`, the SLA module's read model of every ticket's
 * clocks (it carries copies of kind, priority, department and assignee, so no other
 * module's table is joined). Group keys come back as text: a priority or kind code,
 * a department id, or the local start date (YYYY-MM-DD) of a period.
 */
export type ComplianceGroupBy = 'priority' | 'department' | 'period' | 'kind';
export type ReportPeriod = 'day' | 'week' | 'month';
export type BreakdownBy = 'priority' | 'department' | 'kind';

/** Tickets measured against a target in one group, and how many of them met it. */
export interface ComplianceCount {
  key: string | null;
  total: number;
  met: number;
}

export interface ComplianceRows {
  /** Tickets resolved in the range that had a resolution target (cancelled ones are not resolved). */
  resolution: ComplianceCount[];
  /** Tickets first responded to in the range that had a first-response target. */
  firstResponse: ComplianceCount[];
}

export interface DurationStats {
  /** Tickets the duration is known for (responded to, resolved). */
  count: number;
  meanSeconds: number | null;
  medianSeconds: number | null;
}

export interface ResponseTimeRow {
  key: string | null;
  /** Tickets created in the range. */
  tickets: number;
  firstResponse: DurationStats;
  resolution: DurationStats;
}

/** Age buckets of open tickets, youngest first: [0, 1 h), [1 h, 4 h), [4 h, 24 h), [1 d, 3 d), [3 d, 7 d), 7 d and more. */
export const BACKLOG_BUCKETS = ['under_1h', '1h_4h', '4h_24h', '1d_3d', '3d_7d', 'over_7d'] as const;
export type BacklogBucket = (typeof BACKLOG_BUCKETS)[number];
const BUCKET_LOWER_BOUNDS_HOURS = [0, 1, 4, 24, 72, 168];

export interface BacklogRow {
  key: string | null;
  bucket: BacklogBucket;
  open: number;
  /** Open tickets that already missed a target (first response or resolution). */
  breached: number;
}

export interface WorkloadRow {
  assigneeId: number | null;
  open: number;
  /** Open tickets whose status is at_risk. */
  atRisk: number;
  /** Open tickets that already missed a target (first response or resolution). */
  breached: number;
  resolvedLast7Days: number;
}

/** The departments a report covers: undefined for all, else only tickets of these (none for an empty list). */
export type DepartmentScope = number[] | undefined;

const inScope = (departmentIds: DepartmentScope): SQL | undefined =>
  departmentIds === undefined
    ? undefined
    : departmentIds.length === 0
      ? sql`false`
      : inArray(ticketSlas.departmentId, departmentIds);

/** Resolved for real: a cancelled ticket's clock stops too, but it has no resolution to measure. */
const resolved = and(isNotNull(ticketSlas.resolvedAt), not(ticketSlas.cancelled));

const instant = (value: Date) => sql`${value.toISOString()}::timestamptz`;
const int = (expression: SQL) => sql<number>`(${expression})::int`;
const seconds = (end: AnyPgColumn) => sql`extract(epoch from (${end} - ${ticketSlas.startedAt}))`;
const anyBreach = sql`(${ticketSlas.firstResponseBreached} or ${ticketSlas.resolutionBreached})`;

function keyOf(
  groupBy: ComplianceGroupBy | 'all',
  at: AnyPgColumn,
  period: ReportPeriod,
  timeZone: string,
): SQL<string | null> {
  switch (groupBy) {
    case 'priority':
      return sql<string>`${ticketSlas.priority}`;
    case 'kind':
      return sql<string>`${ticketSlas.kind}`;
    case 'department':
      return sql<string | null>`${ticketSlas.departmentId}::text`;
    case 'period':
      return sql<string>`to_char(date_trunc(${period}::text, ${at} at time zone ${timeZone}::text), 'YYYY-MM-DD')`;
    case 'all':
      return sql<null>`null::text`;
  }
}

/**
 * SLA compliance over [from, to): per group, the tickets resolved in the range that had
 * a resolution target and how many did not breach it; and the same for first responses
 * (tickets first responded to in the range with a first-response target). Periods are
 * calendar days, ISO weeks (from Monday) or months in `timeZone`.
 */
export async function complianceRows(
  executor: Executor,
  options: {
    from: Date;
    to: Date;
    groupBy: ComplianceGroupBy;
    period?: ReportPeriod;
    timeZone: string;
    departmentIds?: DepartmentScope;
  },
): Promise<ComplianceRows> {
  const { from, to, groupBy, period = 'week', timeZone, departmentIds } = options;
  const part = (metric: 'resolution' | 'first_response') => {
    const at = metric === 'resolution' ? ticketSlas.resolvedAt : ticketSlas.firstRespondedAt;
    const target = metric === 'resolution' ? ticketSlas.resolutionTargetMs : ticketSlas.firstResponseTargetMs;
    const breached =
      metric === 'resolution' ? ticketSlas.resolutionBreached : ticketSlas.firstResponseBreached;
    return executor
      .select({
        metric: sql<string>`${metric}::text`.as('metric'),
        key: keyOf(groupBy, at, period, timeZone).as('key'),
        total: int(sql`count(*)`).as('total'),
        met: int(sql`count(*) filter (where not ${breached})`).as('met'),
      })
      .from(ticketSlas)
      .where(
        and(
          gte(at, from),
          lt(at, to),
          isNotNull(target),
          metric === 'resolution' ? not(ticketSlas.cancelled) : undefined,
          inScope(departmentIds),
        ),
      )
      .groupBy(sql`1, 2`);
  };
  const rows = await part('resolution').unionAll(part('first_response'));
  const pick = (metric: string) =>
    rows
      .filter((row) => row.metric === metric)
      .map(({ key, total, met }): ComplianceCount => ({ key, total, met }));
  return { resolution: pick('resolution'), firstResponse: pick('first_response') };
}

/**
 * Wall-clock seconds from creation to first response and to resolution (mean and
 * median) of the tickets created in [from, to), per group and over all of them.
 * Tickets not yet responded to or resolved (cancelled ones among them) count in `tickets` only.
 */
export async function responseTimes(
  executor: Executor,
  options: { from: Date; to: Date; groupBy: BreakdownBy; departmentIds?: DepartmentScope },
): Promise<{ groups: ResponseTimeRow[]; total: ResponseTimeRow }> {
  const query = (groupBy: BreakdownBy | 'all') => {
    const firstResponse = seconds(ticketSlas.firstRespondedAt);
    const resolution = sql`case when ${resolved} then ${seconds(ticketSlas.resolvedAt)} end`;
    return executor
      .select({
        key: keyOf(groupBy, ticketSlas.startedAt, 'day', 'UTC'),
        tickets: int(sql`count(*)`),
        responded: int(sql`count(${ticketSlas.firstRespondedAt})`),
        responseMean: sql<number | null>`(avg(${firstResponse}))::float8`,
        responseMedian: sql<
          number | null
        >`(percentile_cont(0.5) within group (order by ${firstResponse}))::float8`,
        resolved: int(sql`count(*) filter (where ${resolved})`),
        resolutionMean: sql<number | null>`(avg(${resolution}))::float8`,
        resolutionMedian: sql<
          number | null
        >`(percentile_cont(0.5) within group (order by ${resolution}))::float8`,
      })
      .from(ticketSlas)
      .where(
        and(
          gte(ticketSlas.startedAt, options.from),
          lt(ticketSlas.startedAt, options.to),
          inScope(options.departmentIds),
        ),
      )
      .groupBy(sql`1`);
  };
  const [groups, totals] = await Promise.all([query(options.groupBy), query('all')]);
  const shaped = groups.map(responseRow);
  const [total] = totals;
  return { groups: shaped, total: total ? responseRow(total) : emptyResponseRow };
}

const emptyResponseRow: ResponseTimeRow = {
  key: null,
  tickets: 0,
  firstResponse: { count: 0, meanSeconds: null, medianSeconds: null },
  resolution: { count: 0, meanSeconds: null, medianSeconds: null },
};

function responseRow(row: {
  key: string | null;
  tickets: number;
  responded: number;
  responseMean: number | null;
  responseMedian: number | null;
  resolved: number;
  resolutionMean: number | null;
  resolutionMedian: number | null;
}): ResponseTimeRow {
  return {
    key: row.key,
    tickets: row.tickets,
    firstResponse: { count: row.responded, meanSeconds: row.responseMean, medianSeconds: row.responseMedian },
    resolution: { count: row.resolved, meanSeconds: row.resolutionMean, medianSeconds: row.resolutionMedian },
  };
}

/**
 * Open tickets (not resolved) by the age of their creation at `now`, per group when
 * `groupBy` is given (key null otherwise); only non-empty (group, bucket) pairs come back.
 */
export async function backlogByAge(
  executor: Executor,
  options: { now: Date; groupBy?: 'priority' | 'department'; departmentIds?: DepartmentScope },
): Promise<BacklogRow[]> {
  const { now } = options;
  // Youngest bucket first: a ticket falls into the first bucket whose lower bound its age reaches.
  const cases = BUCKET_LOWER_BOUNDS_HOURS.map((hours, index) => ({ hours, index }))
    .reverse()
    .map(
      ({ hours, index }) =>
        sql`when ${ticketSlas.startedAt} <= ${instant(new Date(now.getTime() - hours * 3_600_000))} then ${sql.raw(String(index))}`,
    );
  const bucket = sql<number>`case ${sql.join(cases, sql` `)} else 0 end`;
  const rows = await executor
    .select({
      key: keyOf(options.groupBy ?? 'all', ticketSlas.startedAt, 'day', 'UTC'),
      bucket,
      open: int(sql`count(*)`),
      breached: int(sql`count(*) filter (where ${anyBreach})`),
    })
    .from(ticketSlas)
    .where(and(isNull(ticketSlas.resolvedAt), inScope(options.departmentIds)))
    .groupBy(sql`1, 2`);
  return rows.map((row) => ({
    key: row.key,
    bucket: BACKLOG_BUCKETS[row.bucket] ?? 'under_1h',
    open: row.open,
    breached: row.breached,
  }));
}

/**
 * Per assignee (null: unassigned), at `now`: open tickets, how many of them are at risk
 * and how many breached, and the tickets resolved (not cancelled) in the 7 days before `now`.
 */
export async function workload(
  executor: Executor,
  options: { now: Date; departmentIds?: DepartmentScope },
): Promise<WorkloadRow[]> {
  const weekAgo = new Date(options.now.getTime() - 7 * 86_400_000);
  const open = isNull(ticketSlas.resolvedAt);
  const recentlyResolved = and(
    gte(ticketSlas.resolvedAt, weekAgo),
    lt(ticketSlas.resolvedAt, options.now),
    not(ticketSlas.cancelled),
  );
  return executor
    .select({
      assigneeId: ticketSlas.assigneeId,
      open: int(sql`count(*) filter (where ${open})`),
      atRisk: int(sql`count(*) filter (where ${open} and ${ticketSlas.status} = 'at_risk')`),
      breached: int(sql`count(*) filter (where ${open} and ${anyBreach})`),
      resolvedLast7Days: int(sql`count(*) filter (where ${recentlyResolved})`),
    })
    .from(ticketSlas)
    .where(and(or(open, recentlyResolved), inScope(options.departmentIds)))
    .groupBy(ticketSlas.assigneeId);
}
