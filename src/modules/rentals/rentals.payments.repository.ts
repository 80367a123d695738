import { and, asc, eq, ne, sql } from 'drizzle-orm';
import type { Executor } from '../../platform/db/client.ts';
import {
  rentalCardEvents,
  rentalPayments,
  type NewRentalPayment,
  type PaymentKind,
  type PaymentStatus,
  type RentalPayment,
} from './rentals.payments.tables.ts';

export async function paymentByKey(
  executor: Executor,
  orderId: number,
  kind: PaymentKind,
  idempotencyKey: string,
): Promise<RentalPayment | undefined> {
  const [row] = await executor
    .select()
    .from(rentalPayments)
    .where(
      and(
        eq(rentalPayments.orderId, orderId),
        eq(rentalPayments.kind, kind),
        eq(rentalPayments.idempotencyKey, idempotencyKey),
      ),
    );
  return row;
}

export async function paymentById(
  executor: Executor,
  id: number,
  options: { lock?: boolean } = {},
): Promise<RentalPayment | undefined> {
  const query = executor.select().from(rentalPayments).where(eq(rentalPayments.id, id));
  const [row] = options.lock ? await query.for('update') : await query;
  return row;
}

export async function paymentByProviderRef(
  executor: Executor,
  providerRef: string,
): Promise<RentalPayment | undefined> {
  const [row] = await executor
    .select()
    .from(rentalPayments)
    .where(and(eq(rentalPayments.provider, 'card'), eq(rentalPayments.providerRef, providerRef)))
    .for('update');
  return row;
}

export function paymentsOf(executor: Executor, orderId: number): Promise<RentalPayment[]> {
  return executor
    .select()
    .from(rentalPayments)
    .where(eq(rentalPayments.orderId, orderId))
    .orderBy(asc(rentalPayments.id));
}

export async function insertPayment(executor: Executor, values: NewRentalPayment): Promise<RentalPayment> {
  const [row] = await executor.insert(rentalPayments).values(values).returning();
  if (!row) throw new Error('insert returned no row');
  return row;
}

export async function settlePayment(
  executor: Executor,
  id: number,
  values: { status: PaymentStatus; providerRef: string | null; failureReason: string | null; at: Date },
): Promise<RentalPayment> {
  const [row] = await executor
    .update(rentalPayments)
    .set({
      status: values.status,
      providerRef: sql`coalesce(${values.providerRef}, ${rentalPayments.providerRef})`,
      failureReason: values.failureReason,
      settledAt: values.status === 'pending' ? null : values.at,
    })
    .where(eq(rentalPayments.id, id))
    .returning();
  if (!row) throw new Error('payment vanished');
  return row;
}

/** What the order's payments of a kind not yet settled add up to (they may still succeed). */
export async function pendingTotal(executor: Executor, orderId: number, kind: PaymentKind): Promise<number> {
  const [row] = await executor
    .select({ total: sql<number>`coalesce(sum(${rentalPayments.amount}), 0)::integer` })
    .from(rentalPayments)
    .where(
      and(
        eq(rentalPayments.orderId, orderId),
        eq(rentalPayments.kind, kind),
        eq(rentalPayments.status, 'pending'),
      ),
    );
  return row?.total ?? 0;
}

/** The children (refunds of a payment, the release of a hold) that succeeded or may still. */
export async function liveChildrenTotal(executor: Executor, parentId: number): Promise<number> {
  const [row] = await executor
    .select({ total: sql<number>`coalesce(sum(${rentalPayments.amount}), 0)::integer` })
    .from(rentalPayments)
    .where(and(eq(rentalPayments.parentId, parentId), ne(rentalPayments.status, 'failed')));
  return row?.total ?? 0;
}

/** Records a processor event id; false when it was seen before (the unique key refused it). */
export async function claimCardEvent(
  executor: Executor,
  values: { eventId: string; type: string; paymentId: number | null },
): Promise<boolean> {
  const rows = await executor
    .insert(rentalCardEvents)
    .values(values)
    .onConflictDoNothing({ target: rentalCardEvents.eventId })
    .returning({ id: rentalCardEvents.id });
  return rows.length > 0;
}
