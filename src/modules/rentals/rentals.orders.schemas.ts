import { Type, type Static } from '@sinclair/typebox';
import { DateTime, Nullable, Version } from '../../platform/http/schemas.ts';
import type { OrderInput, RentalOrder } from './rentals.orders.service.ts';
import { allowedTransitions } from './rentals.state.ts';

const Id = Type.Integer({ minimum: 1, maximum: 2_147_483_647 });
const When = Type.String({
  minLength: 10,
  maxLength: 40,
  description:
    'A date YYYY-MM-DD (pickup at opening, return by closing of that day in the product calendar) or an ISO 8601 datetime with offset.',
});
const Discount = Type.Union([
  Type.Object({
    kind: Type.Literal('percent'),
    basis_points: Type.Integer({ minimum: 0, maximum: 10_000, description: '1000 = 10 %.' }),
  }),
  Type.Object({ kind: Type.Literal('amount'), amount: Type.Integer({ minimum: 0, maximum: 2_000_000_000 }) }),
]);

export const OrderCreateBody = Type.Object(
  {
    customer: Id,
    rental_start: When,
    rental_end: When,
    items: Type.Array(Type.Object({ product: Id, quantity: Type.Integer({ minimum: 1, maximum: 1000 }) }), {
      minItems: 1,
      maxItems: 100,
    }),
    discount: Type.Optional(Nullable(Discount)),
    tax_rate_bp: Type.Optional(Type.Integer({ minimum: 0, maximum: 10_000, description: '1900 = 19 %.' })),
    notes: Type.Optional(Type.String({ maxLength: 4000 })),
    status: Type.Optional(
      Type.Union([Type.Literal('draft'), Type.Literal('reserved')], {
        description: 'reserved (default) books stock now; draft is a quote holding nothing.',
      }),
    ),
  },
  { additionalProperties: true },
);
export type OrderCreateBody = Static<typeof OrderCreateBody>;

export const TransitionBody = Type.Object(
  { version: Type.Optional(Version) },
  { additionalProperties: true },
);

const TransitionName = Type.Union(
  ['reserve', 'pick_up', 'return', 'close', 'cancel'].map((name) => Type.Literal(name)),
);

export const Order = Type.Object(
  {
    id: Type.Integer(),
    customer: Type.Integer(),
    status: Type.String(),
    rental_start: DateTime,
    rental_end: DateTime,
    currency: Type.String(),
    items: Type.Array(
      Type.Object({
        id: Type.Integer(),
        product: Type.Integer(),
        quantity: Type.Integer(),
        unit_price: Type.Integer(),
        line_total: Type.Integer(),
        unit_deposit: Type.Integer(),
        breakdown: Type.Object({ weeks: Type.Integer(), days: Type.Integer(), hours: Type.Integer() }),
        stock_items: Type.Array(Type.Integer(), { description: 'Units held by active bookings.' }),
      }),
    ),
    discount: Nullable(Discount),
    tax_rate_bp: Type.Integer(),
    subtotal: Type.Integer(),
    discount_total: Type.Integer(),
    tax_total: Type.Integer(),
    total: Type.Integer(),
    deposit_total: Type.Integer(),
    balance_due: Type.Integer({
      description:
        'What the customer owes now, summed from the payment ledger (GET .../ledger); negative when overpaid.',
    }),
    paid_total: Type.Integer({
      description: 'Payments received, including deposit kept to settle the balance.',
    }),
    deposit_held: Type.Integer({ description: 'Deposit the shop holds now.' }),
    notes: Type.String(),
    allowed_transitions: Type.Array(TransitionName),
    version: Type.Integer(),
    created_at: DateTime,
    updated_at: DateTime,
  },
  { title: 'RentalOrder' },
);

export function presentOrder(order: RentalOrder): Static<typeof Order> {
  return {
    id: order.id,
    customer: order.customerId,
    status: order.status,
    rental_start: order.rentalStart.toISOString(),
    rental_end: order.rentalEnd.toISOString(),
    currency: order.currency,
    items: order.lines.map((line) => ({
      id: line.id,
      product: line.productId,
      quantity: line.quantity,
      unit_price: line.unitPrice,
      line_total: line.lineTotal,
      unit_deposit: line.unitDeposit,
      breakdown: line.breakdown,
      stock_items: line.stockItemIds,
    })),
    discount:
      order.discountKind === 'percent'
        ? { kind: 'percent', basis_points: order.discountValue }
        : order.discountKind === 'amount'
          ? { kind: 'amount', amount: order.discountValue }
          : null,
    tax_rate_bp: order.taxRateBp,
    subtotal: order.subtotal,
    discount_total: order.discountTotal,
    tax_total: order.taxTotal,
    total: order.total,
    deposit_total: order.depositTotal,
    balance_due: order.ledger.balance,
    paid_total: order.ledger.paid,
    deposit_held: order.ledger.depositHeld,
    notes: order.notes,
    allowed_transitions: allowedTransitions(order.status),
    version: order.version,
    created_at: order.createdAt.toISOString(),
    updated_at: order.updatedAt.toISOString(),
  };
}

export function orderInput(body: OrderCreateBody): OrderInput {
  const discount = body.discount;
  return {
    customerId: body.customer,
    rentalStart: body.rental_start,
    rentalEnd: body.rental_end,
    items: body.items.map((item) => ({ productId: item.product, quantity: item.quantity })),
    discount:
      discount == null
        ? null
        : discount.kind === 'percent'
          ? { kind: 'percent', basisPoints: discount.basis_points }
          : { kind: 'amount', amount: discount.amount },
    taxRateBp: body.tax_rate_bp,
    notes: body.notes,
    status: body.status,
  };
}
