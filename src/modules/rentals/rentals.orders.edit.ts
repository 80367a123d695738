import { eq, sql } from 'drizzle-orm';
import type { RequestContext } from '../../platform/auth/actor.ts';
import type { Database, Executor } from '../../platform/db/client.ts';
import { commonErrors, fieldError } from '../../platform/http/errors.ts';
import type { AuditService } from '../audit/index.ts';
import { rentalsErrors } from './rentals.errors.ts';
import * as repository from './rentals.orders.repository.ts';
import type { OrderInput, OrdersService, RentalOrder } from './rentals.orders.service.ts';
import type { Discount } from './rentals.pricing.ts';
import { rentalOrderLines, rentalOrders } from './rentals.tables.ts';

export type DraftPatch = Partial<Omit<OrderInput, 'status'>>;

const discountOf = (order: RentalOrder): Discount =>
  order.discountKind === 'percent'
    ? { kind: 'percent', basisPoints: order.discountValue }
    : order.discountKind === 'amount'
      ? { kind: 'amount', amount: order.discountValue }
      : null;

async function deleteLines(executor: Executor, orderId: number) {
  await executor.delete(rentalOrderLines).where(eq(rentalOrderLines.orderId, orderId));
}

/**
 * Editing a draft (a quote): what the patch names is merged over the draft and the
 * whole order is checked and priced again as a new one would be. Once reserved, an
 * order holds stock and owes money, so it is no longer edited (409).
 */
export function createOrderEditing(deps: {
  db: Database;
  audit: Pick<AuditService, 'record'>;
  orders: Pick<OrdersService, 'getOrder' | 'price'>;
  customerExists: (id: number, executor: Executor) => Promise<boolean>;
}) {
  const { db, audit, orders, customerExists } = deps;
  const notEditable = (status: string) =>
    rentalsErrors.RENTALS_ORDER_NOT_EDITABLE({
      message: `Only a draft order can be edited; this one is ${status}. Cancel it and quote again.`,
      extra: { status },
    });

  return async function editDraft(
    ctx: RequestContext,
    id: number,
    patch: DraftPatch,
    expectedVersion: number | undefined,
  ): Promise<RentalOrder> {
    const current = await orders.getOrder(id);
    if (current.status !== 'draft') throw notEditable(current.status);
    const input: OrderInput = {
      customerId: patch.customerId ?? current.customerId,
      rentalStart: patch.rentalStart ?? current.rentalStart.toISOString(),
      rentalEnd: patch.rentalEnd ?? current.rentalEnd.toISOString(),
      items:
        patch.items ?? current.lines.map((line) => ({ productId: line.productId, quantity: line.quantity })),
      discount: patch.discount !== undefined ? patch.discount : discountOf(current),
      taxRateBp: patch.taxRateBp ?? current.taxRateBp,
      notes: patch.notes ?? current.notes,
    };
    const { lines, period, totals, currency } = await orders.price(input);
    if (input.customerId !== current.customerId && !(await customerExists(input.customerId, db)))
      throw fieldError('customer', `Invalid pk "${input.customerId}" - object does not exist.`);
    await db.transaction(async (tx) => {
      const before = await repository.orderById(tx, id, { lock: true });
      if (!before) throw rentalsErrors.RENTALS_ORDER_NOT_FOUND();
      if (before.status !== 'draft') throw notEditable(before.status);
      if (expectedVersion !== undefined && before.version !== expectedVersion)
        throw commonErrors.VERSION_CONFLICT({ extra: { current } });
      const discount = input.discount ?? null;
      await tx
        .update(rentalOrders)
        .set({
          customerId: input.customerId,
          rentalStart: period.start,
          rentalEnd: period.end,
          currency,
          discountKind: discount?.kind ?? null,
          discountValue:
            discount === null ? 0 : discount.kind === 'percent' ? discount.basisPoints : discount.amount,
          taxRateBp: input.taxRateBp ?? 0,
          subtotal: totals.subtotal,
          discountTotal: totals.discountTotal,
          taxTotal: totals.taxTotal,
          total: totals.total,
          depositTotal: totals.depositTotal,
          notes: input.notes ?? '',
          updatedAt: sql`now()`,
          version: sql`${rentalOrders.version} + 1`,
        })
        .where(eq(rentalOrders.id, id));
      await deleteLines(tx, id);
      await repository.insertLines(
        tx,
        lines.map(({ product }, index) => {
          const priced = totals.lines[index];
          if (!priced) throw new Error('a priced line per line');
          return {
            orderId: id,
            productId: product.id,
            quantity: priced.quantity,
            unitPrice: priced.unitPrice,
            lineTotal: priced.lineTotal,
            unitDeposit: priced.unitDeposit,
            breakdown: { weeks: priced.weeks, days: priced.days, hours: priced.hours },
          };
        }),
      );
      await audit.record(tx, ctx, {
        action: 'rental_order.updated',
        resourceType: 'rental_order',
        resourceId: id,
        before: current,
        after: { ...input, totals },
      });
    });
    return orders.getOrder(id);
  };
}

export type OrderEditing = ReturnType<typeof createOrderEditing>;
