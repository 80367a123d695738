import type { RequestContext } from '../../platform/auth/actor.ts';
import type { Database, Transaction } from '../../platform/db/client.ts';
import type { PaymentProvider, ProviderResult } from '../../platform/payments/index.ts';
import type { AuditService } from '../audit/index.ts';
import { movement, type Movement } from './rentals.ledger.ts';
import { appendEntries, summariesOf } from './rentals.ledger.repository.ts';
import { recordPaymentSettled } from './rentals.payments.events.ts';
import * as repository from './rentals.payments.repository.ts';
import type { RentalPayment } from './rentals.payments.tables.ts';

export interface SettlementDeps {
  db: Database;
  audit: Pick<AuditService, 'record'>;
  now: () => Date;
}

/** The ledger movements of a payment that succeeded. */
function movementsOf(payment: RentalPayment): Movement[] {
  switch (payment.kind) {
    case 'payment':
      return [movement.payment(payment.amount)];
    case 'refund':
      return [movement.refund(payment.amount)];
    case 'deposit_hold':
      return [movement.depositHold(payment.amount)];
    case 'deposit_release': {
      const returned = payment.amount - payment.appliedAmount;
      return [
        ...(payment.appliedAmount > 0 ? [movement.paymentFromDeposit(payment.appliedAmount)] : []),
        ...(returned > 0 ? [movement.depositRelease(returned)] : []),
      ];
    }
  }
}

const DESCRIPTIONS = {
  payment: 'Payment',
  refund: 'Refund',
  deposit_hold: 'Deposit held',
  deposit_release: 'Deposit released',
} as const;

/**
 * Settling a payment: the provider's answer is written once. The row is locked and
 * only a pending one moves, so the synchronous answer and the webhook that repeats it
 * (or two retries racing) move the money once. A success appends its ledger entries;
 * either outcome is audited and emitted in the same transaction.
 */
export function createSettlement({ db, audit, now }: SettlementDeps) {
  async function settleIn(
    tx: Transaction,
    ctx: RequestContext,
    paymentId: number,
    result: ProviderResult,
  ): Promise<RentalPayment> {
    const before = await repository.paymentById(tx, paymentId, { lock: true });
    if (!before) throw new Error(`payment ${paymentId} vanished`);
    if (before.status !== 'pending') return before;
    const payment = await repository.settlePayment(tx, paymentId, {
      status: result.status,
      providerRef: result.providerRef,
      failureReason: result.status === 'failed' ? (result.failureReason ?? 'declined') : null,
      at: now(),
    });
    if (payment.status === 'pending') return payment;
    if (payment.status === 'succeeded')
      await appendEntries(
        tx,
        {
          orderId: payment.orderId,
          currency: payment.currency,
          paymentId: payment.id,
          actorId: ctx.actor.userId,
          description: `${DESCRIPTIONS[payment.kind]} (${payment.method}${payment.reference ? `: ${payment.reference}` : ''})`,
        },
        movementsOf(payment),
      );
    const ledger = (await summariesOf(tx, [payment.orderId])).get(payment.orderId);
    if (!ledger) throw new Error('a summary per order');
    await audit.record(tx, ctx, {
      action: `rental_order.${payment.kind}_${payment.status}`,
      resourceType: 'rental_order',
      resourceId: payment.orderId,
      before,
      after: payment,
    });
    await recordPaymentSettled(tx, ctx, payment, ledger);
    return payment;
  }

  return {
    settleIn,
    settle: (ctx: RequestContext, paymentId: number, result: ProviderResult) =>
      db.transaction((tx) => settleIn(tx, ctx, paymentId, result)),

    /** Calls the provider for a pending payment with a key of its own, so a retry is answered, not repeated. */
    async callProvider(
      provider: PaymentProvider,
      payment: RentalPayment,
      parent: RentalPayment | undefined,
      source: string | undefined,
    ): Promise<ProviderResult> {
      const base = { currency: payment.currency, idempotencyKey: `rental-payment-${payment.id}` };
      switch (payment.kind) {
        case 'payment':
        case 'deposit_hold':
          return provider.charge({
            ...base,
            amount: payment.amount,
            reference: `rental-order-${payment.orderId}`,
            hold: payment.kind === 'deposit_hold',
            source,
          });
        case 'refund':
          return provider.refund({
            ...base,
            providerRef: parent?.providerRef ?? null,
            amount: payment.amount,
          });
        case 'deposit_release':
          return provider.releaseHold({
            ...base,
            providerRef: parent?.providerRef ?? null,
            captureAmount: payment.appliedAmount,
          });
      }
    },
  };
}

export type Settlement = ReturnType<typeof createSettlement>;
