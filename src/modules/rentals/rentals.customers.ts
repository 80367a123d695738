import { eq } from 'drizzle-orm';
import type { Executor } from '../../platform/db/client.ts';
import { rentalOrders } from './rentals.tables.ts';

/**
 * A customer's rental orders as the customers module needs them: listed in a privacy
 * export, moved onto the survivor of a merge. Wired in src/modules/services.customers.ts, so the
 * customers module never reads this table itself.
 */
export const rentalCustomerLinks = {
  name: 'rental_orders',

  async of(executor: Executor, customerId: number): Promise<Record<string, unknown>[]> {
    const rows = await executor
      .select({
        id: rentalOrders.id,
        status: rentalOrders.status,
        rentalStart: rentalOrders.rentalStart,
        rentalEnd: rentalOrders.rentalEnd,
        currency: rentalOrders.currency,
        total: rentalOrders.total,
        notes: rentalOrders.notes,
        createdAt: rentalOrders.createdAt,
      })
      .from(rentalOrders)
      .where(eq(rentalOrders.customerId, customerId))
      .orderBy(rentalOrders.id);
    return rows.map((row) => ({
      id: row.id,
      status: row.status,
      rental_start: row.rentalStart.toISOString(),
      rental_end: row.rentalEnd.toISOString(),
      currency: row.currency,
      total: row.total,
      notes: row.notes,
      created_at: row.createdAt.toISOString(),
    }));
  },

  /** Points every order of `fromId` at `toId` in the caller's transaction (the customer column only); answers their ids. */
  async move(tx: Executor, fromId: number, toId: number): Promise<number[]> {
    const rows = await tx
      .update(rentalOrders)
      .set({ customerId: toId })
      .where(eq(rentalOrders.customerId, fromId))
      .returning({ id: rentalOrders.id });
    return rows.map((row) => row.id);
  },
};
