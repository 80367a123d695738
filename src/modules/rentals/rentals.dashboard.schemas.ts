import { Type, type Static } from '@sinclair/typebox';
import type { Dashboard, HealthSummary } from './rentals.dashboard.ts';
import type { PopularRow, RevenueDayRow, RevenueRow, UtilisationRow } from './rentals.reports.repository.ts';

const DateTimeText = Type.String({ format: 'date-time' });

export const RangeQuery = Type.Object({
  from: Type.Optional(
    Type.String({
      description:
        'Start (inclusive): a date (midnight in time_zone) or a date-time. Default: 30 days before `to`.',
    }),
  ),
  to: Type.Optional(Type.String({ description: 'End (exclusive), as `from`. Default: now.' })),
  time_zone: Type.Optional(
    Type.String({ description: 'IANA zone that dates, days and "today" are read in. Default: UTC.' }),
  ),
});

const ExportFormat = Type.Optional(
  Type.Union([Type.Literal('json'), Type.Literal('csv'), Type.Literal('xml'), Type.Literal('ndjson')], {
    description: 'Response format; CSV, XML and NDJSON stream the rows. Same as the Accept header.',
  }),
);

export const ReportQuery = Type.Composite([RangeQuery, Type.Object({ format: ExportFormat })]);
export const PopularQuery = Type.Composite([
  ReportQuery,
  Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 10 })) }),
]);
export const DashboardQuery = Type.Composite([
  RangeQuery,
  Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 50, default: 5 })) }),
]);

const Money = Type.Object(
  {
    currency: Type.String({ description: 'ISO 4217.' }),
    amount: Type.Integer({ description: 'Sum of order totals, minor units.' }),
    orders: Type.Integer(),
  },
  { title: 'RentalRevenue' },
);

export const RevenueDay = Type.Object(
  {
    day: Type.String({ format: 'date', description: 'The reservation day in time_zone.' }),
    currency: Type.String(),
    amount: Type.Integer({ description: 'Booked revenue (order totals), minor units.' }),
    orders: Type.Integer(),
  },
  { title: 'RentalRevenueDay' },
);

export const Utilisation = Type.Object(
  {
    product_id: Type.Integer(),
    name: Type.String(),
    sku: Type.String(),
    units: Type.Integer({ description: 'Stock items not retired.' }),
    booked_hours: Type.Number({ description: 'Hours of the window held by bookings (buffers included).' }),
    utilisation: Type.Union([Type.Number(), Type.Null()], {
      description: 'booked_hours / (units x window hours), 0..1; null without units.',
    }),
  },
  { title: 'RentalUtilisation' },
);

export const PopularProduct = Type.Object(
  {
    product_id: Type.Integer(),
    name: Type.String(),
    sku: Type.String(),
    orders: Type.Integer(),
    units: Type.Integer({ description: 'Units ordered in orders starting in the window.' }),
  },
  { title: 'RentalPopularProduct' },
);

export const DashboardV2 = Type.Object(
  {
    as_of: DateTimeText,
    from: DateTimeText,
    to: DateTimeText,
    time_zone: Type.String(),
    revenue: Type.Union(
      [Type.Object({ today: Type.Array(Money), this_month: Type.Array(Money) }), Type.Null()],
      {
        description:
          'Booked revenue (order totals by reservation date, cancelled excluded) per currency; null without `rentals:revenue`.',
      },
    ),
    active_orders: Type.Integer({ description: 'Orders reserved or picked up.' }),
    items_out: Type.Integer({ description: 'Stock items out with customers.' }),
    overdue: Type.Integer({ description: 'Orders picked up and past their due return.' }),
    utilisation: Type.Array(Utilisation),
    popular_products: Type.Array(PopularProduct),
    health: Type.Object({
      status: Type.Union([Type.Literal('ok'), Type.Literal('error')]),
      database: Type.String(),
      redis: Type.String(),
      jobs_queued: Type.Integer(),
      jobs_failed: Type.Integer({ description: 'Background jobs that used up their attempts.' }),
    }),
  },
  { title: 'RentalsDashboard' },
);

const money = (row: RevenueRow) => ({ currency: row.currency, amount: row.amount, orders: row.orders });

export const presentRevenueDay = (row: RevenueDayRow): Static<typeof RevenueDay> => ({
  day: row.day,
  ...money(row),
});
export const presentUtilisation = (row: UtilisationRow): Static<typeof Utilisation> => ({
  product_id: row.productId,
  name: row.name,
  sku: row.sku,
  units: row.units,
  booked_hours: row.bookedHours,
  utilisation: row.utilisation,
});
export const presentPopular = (row: PopularRow): Static<typeof PopularProduct> => ({
  product_id: row.productId,
  name: row.name,
  sku: row.sku,
  orders: row.orders,
  units: row.units,
});

export function presentDashboard(
  dashboard: Dashboard,
  health: HealthSummary,
  seesRevenue: boolean,
): Static<typeof DashboardV2> {
  return {
    as_of: dashboard.asOf.toISOString(),
    from: dashboard.from.toISOString(),
    to: dashboard.to.toISOString(),
    time_zone: dashboard.timeZone,
    revenue: seesRevenue
      ? { today: dashboard.revenue.today.map(money), this_month: dashboard.revenue.thisMonth.map(money) }
      : null,
    active_orders: dashboard.counts.activeOrders,
    items_out: dashboard.counts.itemsOut,
    overdue: dashboard.counts.overdue,
    utilisation: dashboard.utilisation.map(presentUtilisation),
    popular_products: dashboard.popular.map(presentPopular),
    health: {
      status: health.status,
      database: health.database,
      redis: health.redis,
      jobs_queued: dashboard.jobs.queued,
      jobs_failed: dashboard.jobs.failed,
    },
  };
}
