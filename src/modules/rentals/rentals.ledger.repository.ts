import { asc, eq, sql } from 'drizzle-orm';
import type { Executor } from '../../platform/db/client.ts';
import { movement, summarize, type LedgerSummary, type Movement } from './rentals.ledger.ts';
import { rentalLedgerEntries, type RentalLedgerEntry } from './rentals.payments.tables.ts';

export interface EntryContext {
  orderId: number;
  currency: string;
  paymentId?: number | null;
  stockItemId?: number | null;
  description?: string;
  actorId?: number | null;
}

/** Appends movements to an order's ledger (the only write the table allows). */
export async function appendEntries(
  executor: Executor,
  context: EntryContext,
  movements: Movement[],
): Promise<RentalLedgerEntry[]> {
  if (movements.length === 0) return [];
  return executor
    .insert(rentalLedgerEntries)
    .values(
      movements.map((m) => ({
        orderId: context.orderId,
        currency: context.currency,
        paymentId: context.paymentId ?? null,
        stockItemId: context.stockItemId ?? null,
        description: context.description ?? '',
        actorId: context.actorId && context.actorId > 0 ? context.actorId : null,
        kind: m.kind,
        amount: m.amount,
        balanceDelta: m.balanceDelta,
        depositDelta: m.depositDelta,
      })),
    )
    .returning();
}

export function entriesOf(executor: Executor, orderId: number): Promise<RentalLedgerEntry[]> {
  return executor
    .select()
    .from(rentalLedgerEntries)
    .where(eq(rentalLedgerEntries.orderId, orderId))
    .orderBy(asc(rentalLedgerEntries.id));
}

/** The summary of each order's ledger, for a page of orders in one query (orders without entries are all zero). */
export async function summariesOf(
  executor: Executor,
  orderIds: number[],
): Promise<Map<number, LedgerSummary>> {
  const result = new Map<number, LedgerSummary>();
  if (orderIds.length === 0) return result;
  const rows = await executor
    .select({
      orderId: rentalLedgerEntries.orderId,
      kind: rentalLedgerEntries.kind,
      amount: sql<number>`sum(${rentalLedgerEntries.amount})::integer`,
      balanceDelta: sql<number>`sum(${rentalLedgerEntries.balanceDelta})::integer`,
      depositDelta: sql<number>`sum(${rentalLedgerEntries.depositDelta})::integer`,
    })
    .from(rentalLedgerEntries)
    .where(sql`${rentalLedgerEntries.orderId} = any(${sql.param(orderIds)})`)
    .groupBy(rentalLedgerEntries.orderId, rentalLedgerEntries.kind);
  for (const id of orderIds) result.set(id, summarize(rows.filter((row) => row.orderId === id)));
  return result;
}

/** A reserved order owes its total: the charge entry, written when it is reserved. */
export async function chargeOrder(
  executor: Executor,
  order: { id: number; currency: string; total: number },
  actorId: number | null,
): Promise<void> {
  await appendEntries(
    executor,
    { orderId: order.id, currency: order.currency, actorId, description: 'Rental price (order total)' },
    [movement.charge(order.total)],
  );
}

/** A cancelled order owes nothing more: its net charge is credited back (payments stay until refunded). */
export async function creditOrder(
  executor: Executor,
  order: { id: number; currency: string },
  actorId: number | null,
): Promise<void> {
  const [row] = await executor
    .select({ net: sql<number>`coalesce(sum(${rentalLedgerEntries.balanceDelta}), 0)::integer` })
    .from(rentalLedgerEntries)
    .where(sql`${rentalLedgerEntries.orderId} = ${order.id} and ${rentalLedgerEntries.kind} = 'charge'`);
  const net = row?.net ?? 0;
  if (net > 0)
    await appendEntries(
      executor,
      { orderId: order.id, currency: order.currency, actorId, description: 'Order cancelled' },
      [movement.charge(net, true)],
    );
}
