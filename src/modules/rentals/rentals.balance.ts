import { inArray } from 'drizzle-orm';
import type { Executor } from '../../platform/db/client.ts';
import { rentalOrders } from './rentals.tables.ts';

/**
 * What each of `orderIds` still owes, in minor units of its currency (orders owing
 * nothing are left out). The payments ledger is not in this branch: until it is wired
 * here, an order owes its total plus its deposit while it is reserved (it has no
 * payment data at all), and nothing in any other status. The unpaid-balance reminder
 * reads only this function, so wiring it to the ledger changes no caller.
 */
export async function outstandingBalance(
  executor: Executor,
  orderIds: readonly number[],
): Promise<Map<number, number>> {
  if (orderIds.length === 0) return new Map();
  const rows = await executor
    .select({
      id: rentalOrders.id,
      status: rentalOrders.status,
      total: rentalOrders.total,
      depositTotal: rentalOrders.depositTotal,
    })
    .from(rentalOrders)
    .where(inArray(rentalOrders.id, [...orderIds]));
  return new Map(
    rows
      .filter((row) => row.status === 'reserved' && row.total + row.depositTotal > 0)
      .map((row) => [row.id, row.total + row.depositTotal]),
  );
}
