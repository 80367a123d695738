import { and, asc, eq, inArray, isNull, sql } from 'drizzle-orm';
import type { Executor } from '../../platform/db/client.ts';
import {
  rentalHandovers,
  rentalPhotos,
  type Handover,
  type NewHandover,
  type RentalPhoto,
} from './rentals.checkout.tables.ts';
import { rentalBookings, rentalStockItems, type StockStatus } from './rentals.tables.ts';

export function handoversOf(executor: Executor, orderId: number): Promise<Handover[]> {
  return executor
    .select()
    .from(rentalHandovers)
    .where(eq(rentalHandovers.orderId, orderId))
    .orderBy(asc(rentalHandovers.id));
}

export async function insertHandover(executor: Executor, values: NewHandover): Promise<Handover> {
  const [row] = await executor.insert(rentalHandovers).values(values).returning();
  if (!row) throw new Error('insert returned no row');
  return row;
}

/** Attaches the order's unattached photos to a handover; answers how many were attached. */
export async function attachPhotos(
  executor: Executor,
  orderId: number,
  handoverId: number,
  photoIds: number[],
): Promise<number> {
  if (photoIds.length === 0) return 0;
  const rows = await executor
    .update(rentalPhotos)
    .set({ handoverId })
    .where(
      and(
        eq(rentalPhotos.orderId, orderId),
        inArray(rentalPhotos.id, photoIds),
        isNull(rentalPhotos.handoverId),
      ),
    )
    .returning({ id: rentalPhotos.id });
  return rows.length;
}

export function photosOf(executor: Executor, orderId: number): Promise<RentalPhoto[]> {
  return executor
    .select()
    .from(rentalPhotos)
    .where(eq(rentalPhotos.orderId, orderId))
    .orderBy(asc(rentalPhotos.id));
}

export async function insertPhoto(
  executor: Executor,
  values: typeof rentalPhotos.$inferInsert,
): Promise<RentalPhoto> {
  const [row] = await executor.insert(rentalPhotos).values(values).returning();
  if (!row) throw new Error('insert returned no row');
  return row;
}

export async function photoById(
  executor: Executor,
  orderId: number,
  id: number,
): Promise<RentalPhoto | undefined> {
  const [row] = await executor
    .select()
    .from(rentalPhotos)
    .where(and(eq(rentalPhotos.orderId, orderId), eq(rentalPhotos.id, id)));
  return row;
}

/** What the desk saw: the unit's condition, and whether it goes to maintenance. */
export async function updateStockItem(
  executor: Executor,
  id: number,
  values: { condition?: string; status?: StockStatus },
  at: Date,
): Promise<void> {
  if (values.condition === undefined && values.status === undefined) return;
  await executor
    .update(rentalStockItems)
    .set({ ...values, updatedAt: at, version: sql`${rentalStockItems.version} + 1` })
    .where(eq(rentalStockItems.id, id));
}

/** Moves a booking's end (a return): earlier frees the unit for others, later records a late return. */
export async function setBookingEnd(executor: Executor, bookingId: number, endsAt: Date): Promise<void> {
  await executor.update(rentalBookings).set({ endsAt }).where(eq(rentalBookings.id, bookingId));
}
