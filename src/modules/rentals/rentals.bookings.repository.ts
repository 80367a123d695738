import { and, asc, eq, isNull, notInArray, sql } from 'drizzle-orm';
import type { Executor } from '../../platform/db/client.ts';
import { rentalBookings, rentalStockItems, type Booking, type StockItem } from './rentals.tables.ts';

/** The range a booking or a query covers, half-open like the bookings' periods. */
const range = (from: Date, to: Date) =>
  sql`tstzrange(${from.toISOString()}::timestamptz, ${to.toISOString()}::timestamptz, '[)')`;

/** Active bookings of these stock items that overlap [from, to). */
export function activeBookingsOverlapping(
  executor: Executor,
  stockItemIds: number[],
  from: Date,
  to: Date,
): Promise<Booking[]> {
  if (stockItemIds.length === 0) return Promise.resolve([]);
  return executor
    .select()
    .from(rentalBookings)
    .where(
      and(
        sql`${rentalBookings.stockItemId} = any(${sql.param(stockItemIds)})`,
        isNull(rentalBookings.releasedAt),
        sql`${rentalBookings.period} && ${range(from, to)}`,
      ),
    )
    .orderBy(asc(rentalBookings.startsAt));
}

/**
 * Stock items of a product that look free over [startsAt, endsAt): status available
 * and no active booking overlapping. Only a hint: two transactions can see the same
 * item free; the exclusion constraint decides which one gets it.
 */
export function freeCandidates(
  executor: Executor,
  productId: number,
  startsAt: Date,
  endsAt: Date,
  excluded: number[],
): Promise<StockItem[]> {
  return executor
    .select()
    .from(rentalStockItems)
    .where(
      and(
        eq(rentalStockItems.productId, productId),
        eq(rentalStockItems.status, 'available'),
        excluded.length > 0 ? notInArray(rentalStockItems.id, excluded) : undefined,
        sql`not exists (select 1 from ${rentalBookings} where ${rentalBookings.stockItemId} = ${rentalStockItems.id} and ${rentalBookings.releasedAt} is null and ${rentalBookings.period} && ${range(startsAt, endsAt)})`,
      ),
    )
    .orderBy(asc(rentalStockItems.id));
}

export async function insertBooking(
  executor: Executor,
  values: { orderId: number; orderLineId: number; stockItemId: number; startsAt: Date; endsAt: Date },
): Promise<Booking> {
  const [row] = await executor.insert(rentalBookings).values(values).returning();
  if (!row) throw new Error('insert returned no row');
  return row;
}

export function bookingsOfOrder(executor: Executor, orderId: number): Promise<Booking[]> {
  return executor
    .select()
    .from(rentalBookings)
    .where(eq(rentalBookings.orderId, orderId))
    .orderBy(asc(rentalBookings.id));
}

export function bookingsOfOrders(executor: Executor, orderIds: number[]): Promise<Booking[]> {
  if (orderIds.length === 0) return Promise.resolve([]);
  return executor
    .select()
    .from(rentalBookings)
    .where(sql`${rentalBookings.orderId} = any(${sql.param(orderIds)})`)
    .orderBy(asc(rentalBookings.id));
}

/** Releases an order's active bookings (cancellation): its stock items are free again. */
export async function releaseBookings(executor: Executor, orderId: number, at: Date): Promise<number> {
  const rows = await executor
    .update(rentalBookings)
    .set({ releasedAt: at })
    .where(and(eq(rentalBookings.orderId, orderId), isNull(rentalBookings.releasedAt)))
    .returning({ id: rentalBookings.id });
  return rows.length;
}
