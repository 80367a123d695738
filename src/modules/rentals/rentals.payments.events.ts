import { Type } from '@sinclair/typebox';
import type { RequestContext } from '../../platform/auth/actor.ts';
import type { Executor } from '../../platform/db/client.ts';
import { defineEvent, recordEvent } from '../../platform/events/index.ts';
import type { LedgerSummary } from './rentals.ledger.ts';
import type { RentalPayment } from './rentals.payments.tables.ts';

const PaymentSnapshot = Type.Object({
  id: Type.Integer(),
  order_id: Type.Integer(),
  kind: Type.Union(['payment', 'refund', 'deposit_hold', 'deposit_release'].map((k) => Type.Literal(k))),
  provider: Type.Union([Type.Literal('manual'), Type.Literal('card')]),
  method: Type.String(),
  status: Type.Union(['pending', 'succeeded', 'failed'].map((k) => Type.Literal(k))),
  amount: Type.Integer(),
  applied_amount: Type.Integer(),
  currency: Type.String(),
  parent_id: Type.Union([Type.Integer(), Type.Null()]),
  failure_reason: Type.Union([Type.String(), Type.Null()]),
});

const OrderBalance = Type.Object({
  order_id: Type.Integer(),
  balance_due: Type.Integer(),
  deposit_held: Type.Integer(),
});

const VISIBILITY = 'staff (not viewers) who may read rental orders (`rentals:read`)';

const paymentEvent = (type: string, description: string) =>
  defineEvent({
    type,
    subject: 'rental_order',
    description,
    payload: Type.Object({ payment: PaymentSnapshot, order: OrderBalance }),
    audience: 'staff',
    visibility: VISIBILITY,
  });

const PAYMENT_EVENTS = {
  payment: paymentEvent(
    'rental.payment_received',
    'A payment toward an order succeeded (cash, transfer or card).',
  ),
  refund: paymentEvent('rental.payment_refunded', 'Part or all of a payment went back to the customer.'),
  deposit_hold: paymentEvent(
    'rental.deposit_held',
    "An order's deposit was taken (cash) or authorised (card).",
  ),
  deposit_release: paymentEvent(
    'rental.deposit_released',
    'A held deposit went back; `applied_amount` of it was kept to settle what the order owed.',
  ),
  failed: paymentEvent(
    'rental.payment_failed',
    'A payment, refund or deposit call was declined by the provider.',
  ),
} as const;

/** The payment event types, for the catalogue. */
export const rentalPaymentEvents = Object.values(PAYMENT_EVENTS);

/** Records a payment's outcome in the transaction that settled it (succeeded or failed). */
export function recordPaymentSettled(
  tx: Executor,
  ctx: RequestContext,
  payment: RentalPayment,
  ledger: LedgerSummary,
): Promise<void> {
  const definition = payment.status === 'failed' ? PAYMENT_EVENTS.failed : PAYMENT_EVENTS[payment.kind];
  return recordEvent(tx, ctx, definition, {
    subjectId: payment.orderId,
    payload: {
      payment: {
        id: payment.id,
        order_id: payment.orderId,
        kind: payment.kind,
        provider: payment.provider,
        method: payment.method,
        status: payment.status,
        amount: payment.amount,
        applied_amount: payment.appliedAmount,
        currency: payment.currency,
        parent_id: payment.parentId,
        failure_reason: payment.failureReason,
      },
      order: { order_id: payment.orderId, balance_due: ledger.balance, deposit_held: ledger.depositHeld },
    },
  });
}
