import { Type, type Static } from '@sinclair/typebox';
import { DateTime, Nullable } from '../../platform/http/schemas.ts';
import type { Ledger } from './rentals.payments.service.ts';
import { PAYMENT_METHODS, RENTAL_LEDGER_KINDS, type RentalPayment } from './rentals.payments.tables.ts';

const Amount = Type.Integer({
  minimum: 1,
  maximum: 2_000_000_000,
  description: 'Minor units of the order currency.',
});
const Method = Type.Union(
  PAYMENT_METHODS.map((method) => Type.Literal(method)),
  { description: 'cash and bank_transfer are recorded by staff; card goes through the card processor.' },
);
const Reference = Type.String({
  maxLength: 500,
  description: 'Receipt number, transfer reference or reason.',
});
const Source = Type.String({
  maxLength: 500,
  description: "The card processor's token for the card (method card).",
});

export const IdempotencyHeaders = Type.Object({
  'idempotency-key': Type.String({
    minLength: 1,
    maxLength: 255,
    description: 'Required: a retry with the same key answers the first result and moves no money twice.',
  }),
});

export const PaymentCreateBody = Type.Object(
  { amount: Amount, method: Method, reference: Type.Optional(Reference), source: Type.Optional(Source) },
  { title: 'RentalPaymentCreate', additionalProperties: false },
);
export const RefundCreateBody = Type.Object(
  {
    payment: Type.Integer({ minimum: 1, description: 'The payment refunded.' }),
    amount: Amount,
    reason: Type.Optional(Reference),
  },
  { title: 'RentalRefundCreate', additionalProperties: false },
);
export const DepositHoldBody = Type.Object(
  {
    amount: Type.Optional(Amount),
    method: Method,
    reference: Type.Optional(Reference),
    source: Type.Optional(Source),
  },
  { title: 'RentalDepositHold', additionalProperties: false },
);
export const DepositReleaseBody = Type.Object(
  {
    hold: Type.Optional(
      Type.Integer({ minimum: 1, description: 'The hold released, when the order holds several.' }),
    ),
    apply_to_balance: Type.Optional(
      Type.Boolean({
        description: 'Keep what the order owes (damage, late fees) from the deposit; default true.',
      }),
    ),
    reference: Type.Optional(Reference),
  },
  { title: 'RentalDepositRelease', additionalProperties: false },
);

export const Payment = Type.Object(
  {
    id: Type.Integer(),
    order: Type.Integer(),
    kind: Type.String({ description: 'payment, refund, deposit_hold or deposit_release.' }),
    provider: Type.String(),
    method: Type.String(),
    status: Type.String({ description: 'pending (the processor answers by webhook), succeeded or failed.' }),
    amount: Type.Integer(),
    applied_amount: Type.Integer({
      description: 'Of a deposit release: the part kept to settle the balance.',
    }),
    currency: Type.String(),
    parent: Nullable(Type.Integer({ description: "A refund's payment, a release's hold." })),
    provider_ref: Nullable(Type.String()),
    reference: Type.String(),
    failure_reason: Nullable(Type.String()),
    created_at: DateTime,
    settled_at: Nullable(DateTime),
  },
  { title: 'RentalPayment' },
);

export const LedgerBody = Type.Object(
  {
    order: Type.Integer(),
    currency: Type.String(),
    balance_due: Type.Integer({ description: 'Sum of the entries’ balance deltas: what the customer owes.' }),
    charged: Type.Integer(),
    paid: Type.Integer(),
    refunded: Type.Integer(),
    deposit_held: Type.Integer(),
    entries: Type.Array(
      Type.Object(
        {
          id: Type.Integer(),
          kind: Type.Union(RENTAL_LEDGER_KINDS.map((kind) => Type.Literal(kind))),
          amount: Type.Integer(),
          balance_delta: Type.Integer(),
          deposit_delta: Type.Integer(),
          payment: Nullable(Type.Integer()),
          stock_item: Nullable(Type.Integer()),
          description: Type.String(),
          created_at: DateTime,
        },
        { title: 'RentalLedgerEntry' },
      ),
    ),
    payments: Type.Array(Payment),
  },
  { title: 'RentalLedger' },
);

export const WebhookAck = Type.Object(
  { outcome: Type.Union([Type.Literal('processed'), Type.Literal('duplicate'), Type.Literal('ignored')]) },
  { title: 'CardWebhookAck' },
);

export function presentPayment(payment: RentalPayment): Static<typeof Payment> {
  return {
    id: payment.id,
    order: payment.orderId,
    kind: payment.kind,
    provider: payment.provider,
    method: payment.method,
    status: payment.status,
    amount: payment.amount,
    applied_amount: payment.appliedAmount,
    currency: payment.currency,
    parent: payment.parentId,
    provider_ref: payment.providerRef,
    reference: payment.reference,
    failure_reason: payment.failureReason,
    created_at: payment.createdAt.toISOString(),
    settled_at: payment.settledAt?.toISOString() ?? null,
  };
}

export function presentLedger(orderId: number, ledger: Ledger): Static<typeof LedgerBody> {
  return {
    order: orderId,
    currency: ledger.currency,
    balance_due: ledger.summary.balance,
    charged: ledger.summary.charged,
    paid: ledger.summary.paid,
    refunded: ledger.summary.refunded,
    deposit_held: ledger.summary.depositHeld,
    entries: ledger.entries.map((entry) => ({
      id: entry.id,
      kind: entry.kind,
      amount: entry.amount,
      balance_delta: entry.balanceDelta,
      deposit_delta: entry.depositDelta,
      payment: entry.paymentId,
      stock_item: entry.stockItemId,
      description: entry.description,
      created_at: entry.createdAt.toISOString(),
    })),
    payments: ledger.payments.map(presentPayment),
  };
}
