import { sql } from 'drizzle-orm';
import type { Executor } from '../../platform/db/client.ts';

/** Booked revenue: the totals of orders reserved in a span (cancelled ones do not count), per currency. */
export interface RevenueRow {
  currency: string;
  amount: number;
  orders: number;
}
export interface RevenueDayRow extends RevenueRow {
  day: string;
}
export interface UtilisationRow {
  productId: number;
  name: string;
  sku: string;
  units: number;
  bookedHours: number;
  /** Share of the units' time in the window held by bookings (buffers included), 0..1; null without units. */
  utilisation: number | null;
}
export interface PopularRow {
  productId: number;
  name: string;
  sku: string;
  orders: number;
  units: number;
}
export interface OrderCounts {
  activeOrders: number;
  itemsOut: number;
  overdue: number;
}

const rowsOf = async <T>(executor: Executor, query: ReturnType<typeof sql>) =>
  (await executor.execute<T & Record<string, unknown>>(query)).rows;

export async function revenue(executor: Executor, from: Date, to: Date): Promise<RevenueRow[]> {
  return rowsOf<RevenueRow>(
    executor,
    sql`select currency, coalesce(sum(total), 0)::float8 as amount, count(*)::int as orders
          from rental_orders
         where reserved_at >= ${from} and reserved_at < ${to} and status <> 'cancelled'
         group by currency order by currency`,
  );
}

export async function revenueByDay(
  executor: Executor,
  from: Date,
  to: Date,
  timeZone: string,
): Promise<RevenueDayRow[]> {
  return rowsOf<RevenueDayRow>(
    executor,
    sql`select to_char((reserved_at at time zone ${timeZone})::date, 'YYYY-MM-DD') as day, currency,
               sum(total)::float8 as amount, count(*)::int as orders
          from rental_orders
         where reserved_at >= ${from} and reserved_at < ${to} and status <> 'cancelled'
         group by 1, 2 order by 1, 2`,
  );
}

export async function orderCounts(executor: Executor, at: Date): Promise<OrderCounts> {
  const [row] = await rowsOf<OrderCounts>(
    executor,
    sql`select
          (select count(*)::int from rental_orders where status in ('reserved', 'picked_up')) as "activeOrders",
          (select count(*)::int from rental_bookings b join rental_orders o on o.id = b.order_id
            where o.status = 'picked_up' and b.released_at is null) as "itemsOut",
          (select count(*)::int from rental_orders where status = 'picked_up' and rental_end < ${at}) as overdue`,
  );
  return row ?? { activeOrders: 0, itemsOut: 0, overdue: 0 };
}

/** Per product with units or bookings: how much of its units' time in [from, to) bookings held. */
export async function utilisation(executor: Executor, from: Date, to: Date): Promise<UtilisationRow[]> {
  const rows = await rowsOf<Omit<UtilisationRow, 'utilisation'>>(
    executor,
    sql`with win as (select tstzrange(${from}::timestamptz, ${to}::timestamptz, '[)') as r),
        units as (
          select product_id, count(*)::int as units from rental_stock_items
           where status <> 'retired' group by product_id),
        held as (
          select s.product_id,
                 sum(extract(epoch from upper(b.period * win.r) - lower(b.period * win.r))) as seconds
            from rental_bookings b join rental_stock_items s on s.id = b.stock_item_id, win
           where b.released_at is null and b.period && win.r
           group by s.product_id)
        select p.id as "productId", p.name, p.sku, coalesce(units.units, 0) as units,
               round(coalesce(held.seconds, 0)::numeric / 3600, 2)::float8 as "bookedHours"
          from rental_products p
          left join units on units.product_id = p.id
          left join held on held.product_id = p.id
         where units.units is not null or held.seconds is not null
         order by p.name, p.id`,
  );
  const windowHours = (to.getTime() - from.getTime()) / 3_600_000;
  return rows.map((row) => ({
    ...row,
    utilisation:
      row.units === 0 ? null : Math.round((row.bookedHours / (row.units * windowHours)) * 10_000) / 10_000,
  }));
}

/** Products by units ordered in orders starting in [from, to) (not drafts, not cancelled). */
export async function popular(
  executor: Executor,
  from: Date,
  to: Date,
  limit: number,
): Promise<PopularRow[]> {
  return rowsOf<PopularRow>(
    executor,
    sql`select p.id as "productId", p.name, p.sku, count(distinct o.id)::int as orders, sum(l.quantity)::int as units
          from rental_order_lines l
          join rental_orders o on o.id = l.order_id
          join rental_products p on p.id = l.product_id
         where o.status not in ('draft', 'cancelled') and o.rental_start >= ${from} and o.rental_start < ${to}
         group by p.id order by units desc, orders desc, p.id limit ${limit}`,
  );
}

/** Background jobs waiting and jobs that failed for good (graphile-worker's queue). */
export async function jobCounts(executor: Executor): Promise<{ queued: number; failed: number }> {
  const [row] = await rowsOf<{ queued: number; failed: number }>(
    executor,
    sql`select count(*) filter (where attempts < max_attempts)::int as queued,
               count(*) filter (where attempts >= max_attempts)::int as failed
          from graphile_worker._private_jobs`,
  );
  return row ?? { queued: 0, failed: 0 };
}
