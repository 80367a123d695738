import type { RequestContext } from '../../platform/auth/actor.ts';
import type { Database, Transaction } from '../../platform/db/client.ts';
import { fieldError } from '../../platform/http/errors.ts';
import type { PaymentProvider } from '../../platform/payments/index.ts';
import type { AuditService } from '../audit/index.ts';
import { splitRelease, summarize, type LedgerSummary } from './rentals.ledger.ts';
import { entriesOf } from './rentals.ledger.repository.ts';
import { rentalsErrors } from './rentals.errors.ts';
import * as orders from './rentals.orders.repository.ts';
import { createSettlement } from './rentals.payments.settlement.ts';
import * as repository from './rentals.payments.repository.ts';
import type {
  NewRentalPayment,
  PaymentKind,
  PaymentMethod,
  RentalLedgerEntry,
  RentalPayment,
} from './rentals.payments.tables.ts';
import type { OrderStatus, RentalOrderRow } from './rentals.tables.ts';

export interface PaymentsDeps {
  db: Database;
  audit: Pick<AuditService, 'record'>;
  /** The card processor adapter; undefined when none is configured (card payments are then refused). */
  card?: PaymentProvider;
  manual: PaymentProvider;
  now?: () => Date;
}

export interface MoneyIn {
  amount: number;
  method: PaymentMethod;
  reference?: string;
  /** The card processor's token for the card. */
  source?: string;
}

export interface Ledger {
  currency: string;
  summary: LedgerSummary;
  entries: RentalLedgerEntry[];
  payments: RentalPayment[];
}

const PAYABLE: readonly OrderStatus[] = ['reserved', 'picked_up', 'returned'];
const HOLDABLE: readonly OrderStatus[] = ['reserved', 'picked_up'];
const RELEASABLE: readonly OrderStatus[] = ['returned', 'closed', 'cancelled'];

const money = (amount: number, currency: string) => `${amount} ${currency} (minor units)`;

/**
 * Payments of rental orders: partial payments up to what is due, refunds never above
 * what a payment brought in, a deposit held and released (part of it kept for what the
 * order owes). Each call carries the client's Idempotency-Key, stored on the payment row
 * under a unique key: a retry (any process, any user) finds the first attempt instead of
 * paying twice. The provider is called outside the transaction; its answer is settled
 * once (rentals.payments.settlement.ts), whether it comes back at once or by webhook.
 */
export function createPaymentsService({ db, audit, card, manual, now = () => new Date() }: PaymentsDeps) {
  const settlement = createSettlement({ db, audit, now });

  function providerFor(method: PaymentMethod): PaymentProvider {
    if (method !== 'card') return manual;
    if (!card) throw fieldError('method', 'Card payments are not configured (CARD_PROCESSOR_URL).');
    return card;
  }

  function assertStatus(order: RentalOrderRow, allowed: readonly OrderStatus[], what: string) {
    if (!allowed.includes(order.status))
      throw rentalsErrors.RENTALS_PAYMENT_NOT_ALLOWED({
        message: `An order in status "${order.status}" cannot ${what}; it can when ${allowed.join(', ')}.`,
        extra: { status: order.status },
      });
  }

  const summaryOf = async (tx: Transaction, orderId: number) => summarize(await entriesOf(tx, orderId));

  /**
   * The shared path of every call: under the order's lock, the payment with this key is
   * found (a retry) or validated and inserted pending; then the provider is called and
   * its answer settled. A provider that did not answer leaves the row pending, and the
   * retry with the same key calls it again with the same provider key.
   */
  async function run(
    ctx: RequestContext,
    orderId: number,
    kind: PaymentKind,
    idempotencyKey: string,
    source: string | undefined,
    validate: (
      tx: Transaction,
      order: RentalOrderRow,
    ) => Promise<Omit<NewRentalPayment, 'orderId' | 'kind' | 'idempotencyKey' | 'currency'>>,
  ): Promise<RentalPayment> {
    const payment = await db.transaction(async (tx) => {
      const order = await orders.orderById(tx, orderId, { lock: true });
      if (!order) throw rentalsErrors.RENTALS_ORDER_NOT_FOUND();
      const existing = await repository.paymentByKey(tx, orderId, kind, idempotencyKey);
      if (existing) return existing;
      const values = await validate(tx, order);
      return repository.insertPayment(tx, {
        ...values,
        orderId,
        kind,
        idempotencyKey,
        currency: order.currency,
        createdBy: ctx.actor.userId > 0 ? ctx.actor.userId : null,
      });
    });
    if (payment.status !== 'pending' || payment.providerRef !== null) return payment;
    const parent = payment.parentId === null ? undefined : await repository.paymentById(db, payment.parentId);
    const provider = payment.provider === 'card' ? providerFor('card') : manual;
    const result = await settlement.callProvider(provider, payment, parent, source);
    return settlement.settle(ctx, payment.id, result);
  }

  return {
    settlement,

    /** A payment toward what the order owes; partial payments welcome, never more than is due. */
    pay(ctx: RequestContext, orderId: number, input: MoneyIn, idempotencyKey: string) {
      return run(ctx, orderId, 'payment', idempotencyKey, input.source, async (tx, order) => {
        assertStatus(order, PAYABLE, 'take payments');
        const due =
          (await summaryOf(tx, order.id)).balance - (await repository.pendingTotal(tx, order.id, 'payment'));
        if (input.amount > due)
          throw rentalsErrors.RENTALS_OVERPAYMENT({
            message: `Only ${money(Math.max(0, due), order.currency)} is due on order ${order.id}; ${money(input.amount, order.currency)} was offered.`,
            extra: { due: Math.max(0, due) },
          });
        return {
          provider: providerFor(input.method).name,
          method: input.method,
          amount: input.amount,
          reference: input.reference ?? '',
        };
      });
    },

    /** Gives back part or all of a payment: the refunds of a payment never add up to more than it. */
    refund(
      ctx: RequestContext,
      orderId: number,
      input: { paymentId: number; amount: number; reason?: string },
      idempotencyKey: string,
    ) {
      return run(ctx, orderId, 'refund', idempotencyKey, undefined, async (tx, order) => {
        const paid = await repository.paymentById(tx, input.paymentId, { lock: true });
        if (!paid || paid.orderId !== order.id || paid.kind !== 'payment')
          throw fieldError('payment', `Payment ${input.paymentId} is not a payment of order ${order.id}.`);
        if (paid.status !== 'succeeded')
          throw fieldError(
            'payment',
            `Payment ${paid.id} is ${paid.status}; only a received payment is refunded.`,
          );
        const refundable = paid.amount - (await repository.liveChildrenTotal(tx, paid.id));
        if (input.amount > refundable)
          throw rentalsErrors.RENTALS_REFUND_EXCEEDS_PAID({
            message: `Payment ${paid.id} brought ${money(paid.amount, paid.currency)}; ${money(refundable, paid.currency)} of it can still be refunded, not ${input.amount}.`,
            extra: { refundable },
          });
        return {
          provider: paid.provider,
          method: paid.method,
          amount: input.amount,
          parentId: paid.id,
          reference: input.reason ?? '',
        };
      });
    },

    /** Takes the deposit (cash) or authorises it (card); by default what is still missing of the order's deposit. */
    holdDeposit(
      ctx: RequestContext,
      orderId: number,
      input: Omit<MoneyIn, 'amount'> & { amount?: number },
      idempotencyKey: string,
    ) {
      return run(ctx, orderId, 'deposit_hold', idempotencyKey, input.source, async (tx, order) => {
        assertStatus(order, HOLDABLE, 'hold a deposit');
        const missing =
          order.depositTotal -
          (await summaryOf(tx, order.id)).depositHeld -
          (await repository.pendingTotal(tx, order.id, 'deposit_hold'));
        const amount = input.amount ?? missing;
        if (missing <= 0 || amount > missing || amount <= 0)
          throw rentalsErrors.RENTALS_DEPOSIT_NOT_DUE({
            message: `Order ${order.id} asks a deposit of ${money(order.depositTotal, order.currency)}; ${money(Math.max(0, missing), order.currency)} of it is not held yet.`,
            extra: { missing: Math.max(0, missing) },
          });
        return {
          provider: providerFor(input.method).name,
          method: input.method,
          amount,
          reference: input.reference ?? '',
        };
      });
    },

    /**
     * Releases a held deposit once the order is back (or cancelled). With
     * `applyToBalance` (the default) the part that settles what the order owes (damage,
     * late fees, an unpaid rest) is kept, as a payment from the deposit; the rest goes
     * back. A card hold is captured for the kept part and voided for the rest.
     */
    releaseDeposit(
      ctx: RequestContext,
      orderId: number,
      input: { holdId?: number; applyToBalance?: boolean; reference?: string },
      idempotencyKey: string,
    ) {
      return run(ctx, orderId, 'deposit_release', idempotencyKey, undefined, async (tx, order) => {
        assertStatus(order, RELEASABLE, 'release its deposit');
        const all = await repository.paymentsOf(tx, order.id);
        const open: RentalPayment[] = [];
        for (const hold of all.filter((p) => p.kind === 'deposit_hold' && p.status === 'succeeded'))
          if ((await repository.liveChildrenTotal(tx, hold.id)) === 0) open.push(hold);
        const hold = input.holdId === undefined ? open[0] : open.find((p) => p.id === input.holdId);
        if (!hold || (input.holdId === undefined && open.length > 1))
          throw rentalsErrors.RENTALS_DEPOSIT_NOT_HELD({
            message:
              open.length > 1 && input.holdId === undefined
                ? `Order ${order.id} holds ${open.length} deposits (${open.map((p) => p.id).join(', ')}); name the one to release (hold).`
                : `Order ${order.id} holds no deposit${input.holdId === undefined ? '' : ` ${input.holdId}`} to release.`,
            extra: { holds: open.map((p) => p.id) },
          });
        const { applied } = splitRelease(
          hold.amount,
          (await summaryOf(tx, order.id)).balance,
          input.applyToBalance ?? true,
        );
        return {
          provider: hold.provider,
          method: hold.method,
          amount: hold.amount,
          appliedAmount: applied,
          parentId: hold.id,
          reference: input.reference ?? '',
        };
      });
    },

    /** The order's ledger entries (oldest first), its payments and what they sum to. */
    async ledger(orderId: number): Promise<Ledger> {
      const order = await orders.orderById(db, orderId);
      if (!order) throw rentalsErrors.RENTALS_ORDER_NOT_FOUND();
      const [entries, payments] = await Promise.all([
        entriesOf(db, orderId),
        repository.paymentsOf(db, orderId),
      ]);
      return { currency: order.currency, summary: summarize(entries), entries, payments };
    },
  };
}

export type PaymentsService = ReturnType<typeof createPaymentsService>;
