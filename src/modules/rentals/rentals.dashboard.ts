import { DateTime } from 'luxon';
import { createGenerationCache, type Cacheable } from '../../platform/cache/generation-cache.ts';
import type { Database } from '../../platform/db/client.ts';
import { fieldError } from '../../platform/http/errors.ts';
import { RENTALS_COLLECTION } from './rentals.cache.ts';
import * as reports from './rentals.reports.repository.ts';

const DAY = 86_400_000;
const MAX_DAYS = 366;

export interface RangeInput {
  from?: string;
  to?: string;
  timeZone?: string;
}
export interface ReportRange {
  from: Date;
  to: Date;
  timeZone: string;
}

/** What the platform's readiness reports, as the dashboard shows it. */
export interface HealthSummary {
  status: 'ok' | 'error';
  database: string;
  redis: string;
}

export interface Dashboard extends ReportRange {
  asOf: Date;
  revenue: { today: reports.RevenueRow[]; thisMonth: reports.RevenueRow[] };
  counts: reports.OrderCounts;
  utilisation: reports.UtilisationRow[];
  popular: reports.PopularRow[];
  jobs: { queued: number; failed: number };
}

function instant(text: string, timeZone: string, field: string): Date {
  const parsed = /^\d{4}-\d{2}-\d{2}$/.test(text)
    ? DateTime.fromISO(text, { zone: timeZone })
    : DateTime.fromISO(text, { setZone: true });
  if (!parsed.isValid) throw fieldError(field, `"${text}" is neither a date (YYYY-MM-DD) nor a date-time.`);
  return parsed.toJSDate();
}

/** [from, to): dates are midnights in `time_zone`; by default the 30 days up to now. */
export function readRange(input: RangeInput, now: Date): ReportRange {
  const timeZone = input.timeZone ?? 'UTC';
  if (!DateTime.now().setZone(timeZone).isValid)
    throw fieldError('time_zone', `"${timeZone}" is not a known IANA time zone.`);
  const to = input.to === undefined ? now : instant(input.to, timeZone, 'to');
  const from =
    input.from === undefined ? new Date(to.getTime() - 30 * DAY) : instant(input.from, timeZone, 'from');
  if (to <= from) throw fieldError('to', '"to" must come after "from".');
  if (to.getTime() - from.getTime() > MAX_DAYS * DAY)
    throw fieldError('from', `A report covers at most ${MAX_DAYS} days.`);
  return { from, to, timeZone };
}

const keyOf = (range: ReportRange, ...rest: (string | number)[]) =>
  [range.from.toISOString(), range.to.toISOString(), range.timeZone, ...rest].join('|');

/**
 * The rentals dashboard and reports, computed in SQL and kept in a generation cache
 * that every committed write to the rentals tables retires (rentals.cache.ts). Values
 * that depend on the clock (overdue, today) carry the minute in their key.
 */
export function createRentalsReports({ db, now = () => new Date() }: { db: Database; now?: () => Date }) {
  const cache = <V extends Cacheable>() => createGenerationCache<V>({ max: 200, ttlMs: 60_000 });
  const caches = {
    dashboard: cache<Omit<Dashboard, 'jobs'>>(),
    revenue: cache<reports.RevenueDayRow[]>(),
    utilisation: cache<reports.UtilisationRow[]>(),
    popular: cache<reports.PopularRow[]>(),
  };
  const cached = <V extends Cacheable>(
    which: { get: (e: Database, c: readonly string[], k: string, f: () => Promise<V>) => Promise<V> },
    key: string,
    compute: () => Promise<V>,
  ) => which.get(db, [RENTALS_COLLECTION], key, compute);

  return {
    readRange: (input: RangeInput) => readRange(input, now()),

    async dashboard(range: ReportRange, popularLimit = 5): Promise<Dashboard> {
      const at = now();
      const minute = Math.floor(at.getTime() / 60_000);
      const local = DateTime.fromJSDate(at, { zone: range.timeZone });
      const [figures, jobs] = await Promise.all([
        cached(caches.dashboard, keyOf(range, minute, popularLimit), async () => {
          const today = local.startOf('day');
          const month = local.startOf('month');
          const [todayRevenue, monthRevenue, counts, utilisation, popular] = await Promise.all([
            reports.revenue(db, today.toJSDate(), today.plus({ days: 1 }).toJSDate()),
            reports.revenue(db, month.toJSDate(), month.plus({ months: 1 }).toJSDate()),
            reports.orderCounts(db, at),
            reports.utilisation(db, range.from, range.to),
            reports.popular(db, range.from, range.to, popularLimit),
          ]);
          return {
            ...range,
            asOf: at,
            revenue: { today: todayRevenue, thisMonth: monthRevenue },
            counts,
            utilisation,
            popular,
          };
        }),
        reports.jobCounts(db),
      ]);
      return { ...figures, jobs };
    },

    revenueByDay: (range: ReportRange) =>
      cached(caches.revenue, keyOf(range), () =>
        reports.revenueByDay(db, range.from, range.to, range.timeZone),
      ),
    utilisation: (range: ReportRange) =>
      cached(caches.utilisation, keyOf(range), () => reports.utilisation(db, range.from, range.to)),
    popular: (range: ReportRange, limit: number) =>
      cached(caches.popular, keyOf(range, limit), () => reports.popular(db, range.from, range.to, limit)),
  };
}

export type RentalsReports = ReturnType<typeof createRentalsReports>;
