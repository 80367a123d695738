import { and, asc, count, eq, sql, type SQL } from 'drizzle-orm';
import type { Executor } from '../../platform/db/client.ts';
import { defineList } from '../../platform/http/query.ts';
import {
  ORDER_STATUSES,
  rentalOrderLines,
  rentalOrders,
  type NewRentalOrder,
  type NewRentalOrderLine,
  type OrderStatus,
  type RentalOrderLine,
  type RentalOrderRow,
} from './rentals.tables.ts';

export const orderList = defineList({
  id: rentalOrders.id,
  filters: {
    status: { column: rentalOrders.status, type: 'string', values: ORDER_STATUSES },
    customer: { column: rentalOrders.customerId, type: 'integer', description: 'Customer id.' },
    starts_after: { column: rentalOrders.rentalStart, type: 'datetime', op: 'gte' },
    starts_before: { column: rentalOrders.rentalStart, type: 'datetime', op: 'lte' },
  },
  search: [rentalOrders.notes],
  sort: {
    id: { column: rentalOrders.id },
    rental_start: { column: rentalOrders.rentalStart },
    created_at: { column: rentalOrders.createdAt },
  },
  defaultSort: '-id',
});

export function listOrders(
  executor: Executor,
  where: SQL | undefined,
  orderBy: SQL[],
  limit: number,
  offset: number,
): Promise<RentalOrderRow[]> {
  return executor
    .select()
    .from(rentalOrders)
    .where(where)
    .orderBy(...orderBy)
    .limit(limit)
    .offset(offset);
}

export async function countOrders(executor: Executor, where: SQL | undefined): Promise<number> {
  const [row] = await executor.select({ value: count() }).from(rentalOrders).where(where);
  return row?.value ?? 0;
}

export async function orderById(
  executor: Executor,
  id: number,
  options: { lock?: boolean } = {},
): Promise<RentalOrderRow | undefined> {
  const query = executor.select().from(rentalOrders).where(eq(rentalOrders.id, id));
  const [row] = options.lock ? await query.for('update') : await query;
  return row;
}

export async function insertOrder(executor: Executor, values: NewRentalOrder): Promise<RentalOrderRow> {
  const [row] = await executor.insert(rentalOrders).values(values).returning();
  if (!row) throw new Error('insert returned no row');
  return row;
}

export function insertLines(executor: Executor, values: NewRentalOrderLine[]): Promise<RentalOrderLine[]> {
  return executor.insert(rentalOrderLines).values(values).returning();
}

export function linesOfOrders(executor: Executor, orderIds: number[]): Promise<RentalOrderLine[]> {
  if (orderIds.length === 0) return Promise.resolve([]);
  return executor
    .select()
    .from(rentalOrderLines)
    .where(sql`${rentalOrderLines.orderId} = any(${sql.param(orderIds)})`)
    .orderBy(asc(rentalOrderLines.id));
}

/** Moves an order to `status` if it still has `expectedVersion` (when given); undefined when stale. */
export async function setStatus(
  executor: Executor,
  id: number,
  status: OrderStatus,
  at: Date,
  expectedVersion?: number,
): Promise<RentalOrderRow | undefined> {
  const [row] = await executor
    .update(rentalOrders)
    .set({
      status,
      statusChangedAt: at,
      updatedAt: at,
      version: sql`${rentalOrders.version} + 1`,
      ...(status === 'reserved' && { reservedAt: at }),
    })
    .where(
      and(
        eq(rentalOrders.id, id),
        expectedVersion === undefined ? undefined : eq(rentalOrders.version, expectedVersion),
      ),
    )
    .returning();
  return row;
}
