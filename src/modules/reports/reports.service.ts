import { DateTime } from 'luxon';
import type { Actor } from '../../platform/auth/actor.ts';
import type { Database } from '../../platform/db/client.ts';
import {
  createGenerationCache,
  type Cacheable,
  type GenerationCache,
} from '../../platform/cache/generation-cache.ts';
import { fieldError } from '../../platform/http/errors.ts';
import type { IdentityService } from '../identity/index.ts';
import {
  BACKLOG_BUCKETS,
  type BacklogBucket,
  type ComplianceGroupBy,
  type ReportPeriod,
  type SlaReports,
} from '../sla/index.ts';
import { minuteOf, readRange, type RangeInput, type ReportRange } from './reports.params.ts';
import { managedDepartments, PRIORITIES, TICKET_KINDS } from '../tickets/index.ts';

type ComplianceRows = Awaited<ReturnType<SlaReports['complianceRows']>>;
type ComplianceCount = ComplianceRows['resolution'][number];
type ResponseTimes = Awaited<ReturnType<SlaReports['responseTimes']>>;
type ResponseTimeRow = ResponseTimes['total'];
type BacklogRow = Awaited<ReturnType<SlaReports['backlogByAge']>>[number];
type WorkloadRow = Awaited<ReturnType<SlaReports['workload']>>[number];
export type BreakdownBy = 'priority' | 'department' | 'kind';

/** Share of tickets that met a target; percent is null when no ticket was measured. */
export interface Compliance {
  total: number;
  met: number;
  breached: number;
  percent: number | null;
}
/** A group of a report: `key` is its value as text (a code, a department id, a period's first date). */
export interface Group {
  key: string | null;
  label: string;
}
export interface ComplianceReport extends ReportRange {
  groupBy: ComplianceGroupBy;
  period: ReportPeriod | null;
  groups: (Group & { resolution: Compliance; firstResponse: Compliance })[];
  total: { resolution: Compliance; firstResponse: Compliance };
}
export interface ResponseTimesReport extends ReportRange {
  groupBy: BreakdownBy;
  groups: (Group & Omit<ResponseTimeRow, 'key'>)[];
  total: Omit<ResponseTimeRow, 'key'>;
}
export interface BacklogCounts {
  open: number;
  breached: number;
  buckets: { bucket: BacklogBucket; open: number; breached: number }[];
}
export interface BacklogReport {
  asOf: Date;
  groupBy: 'priority' | 'department' | null;
  groups: (Group & BacklogCounts)[];
  total: BacklogCounts;
}
export interface WorkloadReport {
  asOf: Date;
  /** `assigneeId` null: the unassigned tickets; `assignee` null also for a person no longer found. */
  assignees: (WorkloadRow & { assignee: { id: number; username: string; name: string } | null })[];
}

export interface ReportsDeps {
  db: Database;
  sla: SlaReports;
  identity: Pick<IdentityService, 'peopleByUserIds' | 'departmentsByIds'>;
  /** The clock for default ranges and ages; tests pass a fixed one. */
  now?: () => Date;
}

/** Reports read tickets through the SLA read model: a write to either retires cached answers. */
const COLLECTIONS = ['tickets', 'sla'] as const;
const PRIORITY_ORDER: readonly string[] = [...PRIORITIES].reverse();
const KIND_ORDER: readonly string[] = TICKET_KINDS;
const capitalized = (code: string) => code.charAt(0).toUpperCase() + code.slice(1);

const compliance = (count: ComplianceCount | undefined): Compliance => {
  const total = count?.total ?? 0;
  const met = count?.met ?? 0;
  return {
    total,
    met,
    breached: total - met,
    percent: total ? Math.round((met * 10_000) / total) / 100 : null,
  };
};
const sum = (counts: ComplianceCount[]): ComplianceCount => ({
  key: null,
  total: counts.reduce((acc, row) => acc + row.total, 0),
  met: counts.reduce((acc, row) => acc + row.met, 0),
});
const roundedSeconds = (value: number | null) => (value === null ? null : Math.round(value * 1000) / 1000);
const withoutKey = ({ tickets, firstResponse, resolution }: ResponseTimeRow) => ({
  tickets,
  firstResponse: {
    ...firstResponse,
    meanSeconds: roundedSeconds(firstResponse.meanSeconds),
    medianSeconds: roundedSeconds(firstResponse.medianSeconds),
  },
  resolution: {
    ...resolution,
    meanSeconds: roundedSeconds(resolution.meanSeconds),
    medianSeconds: roundedSeconds(resolution.medianSeconds),
  },
});

const unmeasured = { count: 0, meanSeconds: null, medianSeconds: null };
const noTickets: ResponseTimeRow = {
  key: null,
  tickets: 0,
  firstResponse: unmeasured,
  resolution: unmeasured,
};

/** The first local date of every period that overlaps [from, to), in order. */
function periodKeys(range: ReportRange, period: ReportPeriod): string[] {
  const step = { day: { days: 1 }, week: { weeks: 1 }, month: { months: 1 } }[period];
  const end = DateTime.fromJSDate(range.to, { zone: range.timeZone });
  const keys: string[] = [];
  // Luxon's weeks start on Monday, as PostgreSQL's date_trunc('week') does.
  let start = DateTime.fromJSDate(range.from, { zone: range.timeZone }).startOf(period);
  for (; start < end; start = start.plus(step)) keys.push(start.toISODate() ?? '');
  return keys;
}

function periodLabel(key: string, period: ReportPeriod): string {
  const start = DateTime.fromISO(key, { zone: 'UTC' });
  if (period === 'week') return `${start.weekYear}-W${String(start.weekNumber).padStart(2, '0')}`;
  return period === 'month' ? key.slice(0, 7) : key;
}

/**
 * SLA reports: compliance, response times, backlog by age and workload. Parameters are
 * checked here; the aggregation runs in the SLA module and is cached per parameters
 * and generation of tickets and SLA clocks (a write to either retires it on every
 * process). Names of departments and people are read fresh on each call, one batch
 * query each, so a rename shows at once. Answers that depend on the clock (backlog,
 * workload) are as of the start of the current minute. Each report covers the tickets
 * of the departments the reader manages (the tickets module's rule: an admin all, a
 * manager their own department's), so a manager never reads another department's figures.
 */
export function createReportsService({ db, sla, identity, now = () => new Date() }: ReportsDeps) {
  const caches = {
    compliance: createGenerationCache<ComplianceRows>({ max: 200, ttlMs: 300_000 }),
    responseTimes: createGenerationCache<ResponseTimes>({ max: 200, ttlMs: 300_000 }),
    backlog: createGenerationCache<BacklogRow[]>({ max: 50, ttlMs: 300_000 }),
    workload: createGenerationCache<WorkloadRow[]>({ max: 20, ttlMs: 300_000 }),
  };
  const cached = <V extends Cacheable>(
    cache: GenerationCache<V>,
    params: object,
    compute: () => Promise<V>,
  ) => cache.get(db, COLLECTIONS, JSON.stringify(params), compute);

  /** Labels per key: priorities and kinds by name, departments from identity (one query). */
  async function labelsFor(
    groupBy: BreakdownBy,
    keys: (string | null)[],
  ): Promise<Map<string | null, string>> {
    if (groupBy !== 'department')
      return new Map(keys.map((key) => [key, key === null ? '—' : capitalized(key)]));
    const ids = keys.flatMap((key) => (key === null ? [] : [Number(key)]));
    const departments = await identity.departmentsByIds(ids);
    const names = new Map(departments.map((department) => [String(department.id), department.name]));
    return new Map(
      keys.map((key) => [key, key === null ? 'No department' : (names.get(key) ?? `Department ${key}`)]),
    );
  }

  /** The groups to show, in order: every priority or kind, every period, or the departments found (by name). */
  async function groupsOf(
    groupBy: ComplianceGroupBy,
    found: (string | null)[],
    period?: { range: ReportRange; period: ReportPeriod },
  ): Promise<Group[]> {
    if (groupBy === 'period' && period)
      return periodKeys(period.range, period.period).map((key) => ({
        key,
        label: periodLabel(key, period.period),
      }));
    const fixed = groupBy === 'priority' ? PRIORITY_ORDER : groupBy === 'kind' ? KIND_ORDER : [];
    const keys = [...new Set<string | null>([...fixed, ...found])];
    const labels = await labelsFor(groupBy === 'period' ? 'priority' : groupBy, keys);
    const groups = keys.map((key) => ({ key, label: labels.get(key) ?? String(key) }));
    if (groupBy !== 'department') return groups;
    return groups.sort((a, b) => (a.key === null ? 1 : b.key === null ? -1 : a.label.localeCompare(b.label)));
  }

  return {
    /** Resolution and first-response compliance over a range, per priority, department, kind or period. */
    async slaCompliance(
      actor: Actor,
      input: RangeInput & { groupBy?: ComplianceGroupBy; period?: ReportPeriod },
    ): Promise<ComplianceReport> {
      const departmentIds = managedDepartments(actor);
      const groupBy = input.groupBy ?? 'priority';
      if (input.period && groupBy !== 'period')
        throw fieldError('period', 'A period applies only with group_by=period.');
      const range = readRange(input, now());
      const period = groupBy === 'period' ? (input.period ?? 'week') : undefined;
      const rows = await cached(caches.compliance, { ...range, groupBy, period, departmentIds }, () =>
        sla.complianceRows({ ...range, groupBy, period, departmentIds }),
      );
      const byKey = (counts: ComplianceCount[]) => new Map(counts.map((count) => [count.key, count]));
      const resolution = byKey(rows.resolution);
      const firstResponse = byKey(rows.firstResponse);
      const groups = await groupsOf(
        groupBy,
        [...resolution.keys(), ...firstResponse.keys()],
        period ? { range, period } : undefined,
      );
      return {
        ...range,
        groupBy,
        period: period ?? null,
        groups: groups.map((group) => ({
          ...group,
          resolution: compliance(resolution.get(group.key)),
          firstResponse: compliance(firstResponse.get(group.key)),
        })),
        total: {
          resolution: compliance(sum(rows.resolution)),
          firstResponse: compliance(sum(rows.firstResponse)),
        },
      };
    },

    /** Mean and median wall-clock seconds to first response and to resolution of the tickets created in a range. */
    async responseTimes(
      actor: Actor,
      input: RangeInput & { groupBy?: BreakdownBy },
    ): Promise<ResponseTimesReport> {
      const departmentIds = managedDepartments(actor);
      const groupBy = input.groupBy ?? 'priority';
      const range = readRange(input, now());
      const answer = await cached(caches.responseTimes, { ...range, groupBy, departmentIds }, () =>
        sla.responseTimes({ from: range.from, to: range.to, groupBy, departmentIds }),
      );
      const rows = new Map(answer.groups.map((row) => [row.key, row]));
      const groups = await groupsOf(groupBy, [...rows.keys()]);
      return {
        ...range,
        groupBy,
        groups: groups.map((group) => ({ ...group, ...withoutKey(rows.get(group.key) ?? noTickets) })),
        total: withoutKey(answer.total),
      };
    },

    /** Open tickets by age (six buckets from under an hour to over a week), with the breached among them. */
    async backlog(actor: Actor, input: { groupBy?: 'priority' | 'department' }): Promise<BacklogReport> {
      const departmentIds = managedDepartments(actor);
      const asOf = minuteOf(now());
      const rows = await cached(caches.backlog, { asOf, groupBy: input.groupBy, departmentIds }, () =>
        sla.backlogByAge({ now: asOf, groupBy: input.groupBy, departmentIds }),
      );
      const counts = (matching: BacklogRow[]): BacklogCounts => {
        const buckets = BACKLOG_BUCKETS.map((bucket) => {
          const inBucket = matching.filter((row) => row.bucket === bucket);
          return {
            bucket,
            open: inBucket.reduce((acc, row) => acc + row.open, 0),
            breached: inBucket.reduce((acc, row) => acc + row.breached, 0),
          };
        });
        return {
          open: buckets.reduce((acc, bucket) => acc + bucket.open, 0),
          breached: buckets.reduce((acc, bucket) => acc + bucket.breached, 0),
          buckets,
        };
      };
      const groups = input.groupBy
        ? await groupsOf(
            input.groupBy,
            rows.map((row) => row.key),
          )
        : [];
      return {
        asOf,
        groupBy: input.groupBy ?? null,
        groups: groups.map((group) => ({ ...group, ...counts(rows.filter((row) => row.key === group.key)) })),
        total: counts(rows),
      };
    },

    /** Per assignee: open tickets, at risk, breached, and resolved in the last 7 days; busiest first. */
    async workload(actor: Actor): Promise<WorkloadReport> {
      const departmentIds = managedDepartments(actor);
      const asOf = minuteOf(now());
      const rows = await cached(caches.workload, { asOf, departmentIds }, () =>
        sla.workload({ now: asOf, departmentIds }),
      );
      const people = await identity.peopleByUserIds(
        rows.flatMap((row) => (row.assigneeId === null ? [] : [row.assigneeId])),
      );
      const byId = new Map(people.map((person) => [person.user.id, person.user]));
      const assignees = rows
        .map(({ assigneeId, ...counts }) => {
          const user = assigneeId === null ? undefined : byId.get(assigneeId);
          const name = user ? `${user.firstName} ${user.lastName}`.trim() || user.username : '';
          return {
            ...counts,
            assigneeId,
            assignee: user ? { id: user.id, username: user.username, name } : null,
          };
        })
        .sort(
          (a, b) =>
            b.open - a.open ||
            b.breached - a.breached ||
            (a.assigneeId ?? Number.MAX_SAFE_INTEGER) - (b.assigneeId ?? Number.MAX_SAFE_INTEGER),
        );
      return { asOf, assignees };
    },
  };
}

/** The reports service: what the routes call. */
export type ReportsService = ReturnType<typeof createReportsService>;
