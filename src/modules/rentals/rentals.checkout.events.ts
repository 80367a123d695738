import { Type } from '@sinclair/typebox';
import type { RequestContext } from '../../platform/auth/actor.ts';
import type { Executor } from '../../platform/db/client.ts';
import { defineEvent, recordEvent } from '../../platform/events/index.ts';
import type { Handover } from './rentals.checkout.tables.ts';
import type { OrderStatus } from './rentals.tables.ts';

const HandoverSnapshot = Type.Object({
  id: Type.Integer(),
  stock_item_id: Type.Integer(),
  at: Type.String({ format: 'date-time' }),
  condition: Type.String(),
  late_minutes: Type.Integer(),
  late_fee: Type.Integer(),
  damage_amount: Type.Integer(),
});

const payload = Type.Object({
  order_id: Type.Integer(),
  order_status: Type.String(),
  /** True when this handover moved the order (all units out, or all back). */
  order_moved: Type.Boolean(),
  handovers: Type.Array(HandoverSnapshot),
});

const VISIBILITY = 'staff (not viewers) who may read rental orders (`rentals:read`)';

const HANDOVER_EVENTS = {
  pickup: defineEvent({
    type: 'rental.items_checked_out',
    subject: 'rental_order',
    description:
      'Stock items of an order were handed to the customer (condition noted); `order_moved` when the last one made the order picked up.',
    payload,
    audience: 'staff',
    visibility: VISIBILITY,
  }),
  return: defineEvent({
    type: 'rental.items_checked_in',
    subject: 'rental_order',
    description:
      'Stock items came back, with any late fee and damage charged; `order_moved` when the last one made the order returned.',
    payload,
    audience: 'staff',
    visibility: VISIBILITY,
  }),
} as const;

/** The handover event types, for the catalogue. */
export const rentalCheckoutEvents = Object.values(HANDOVER_EVENTS);

export function recordHandovers(
  tx: Executor,
  ctx: RequestContext,
  kind: 'pickup' | 'return',
  orderId: number,
  status: OrderStatus,
  moved: boolean,
  handovers: Handover[],
): Promise<void> {
  return recordEvent(tx, ctx, HANDOVER_EVENTS[kind], {
    subjectId: orderId,
    payload: {
      order_id: orderId,
      order_status: status,
      order_moved: moved,
      handovers: handovers.map((h) => ({
        id: h.id,
        stock_item_id: h.stockItemId,
        at: h.at.toISOString(),
        condition: h.condition,
        late_minutes: h.lateMinutes,
        late_fee: h.lateFee,
        damage_amount: h.damageAmount,
      })),
    },
  });
}
