/**
 * Ledger arithmetic, pure. An order's ledger moves two accounts, in integer minor units:
 * the **balance** (what the customer owes: charges and fees raise it, payments lower it,
 * refunds raise it again) and the **deposit** the shop holds for it. Both are sums of
 * the entries; nothing else is stored.
 */
import type { RentalLedgerKind } from './rentals.payments.tables.ts';

export interface Movement {
  kind: RentalLedgerKind;
  /** The magnitude as a person reads it (never negative). */
  amount: number;
  balanceDelta: number;
  depositDelta: number;
}

/** The entries a kind of movement makes. A `charge` can be a credit (`credit: true`), when an order is cancelled. */
export const movement = {
  charge: (amount: number, credit = false): Movement => ({
    kind: 'charge',
    amount,
    balanceDelta: credit ? -amount : amount,
    depositDelta: 0,
  }),
  lateFee: (amount: number): Movement => ({
    kind: 'late_fee',
    amount,
    balanceDelta: amount,
    depositDelta: 0,
  }),
  damage: (amount: number): Movement => ({ kind: 'damage', amount, balanceDelta: amount, depositDelta: 0 }),
  payment: (amount: number): Movement => ({
    kind: 'payment',
    amount,
    balanceDelta: -amount,
    depositDelta: 0,
  }),
  /** Part of the held deposit kept to pay what the order owes: leaves the deposit, settles the balance. */
  paymentFromDeposit: (amount: number): Movement => ({
    kind: 'payment',
    amount,
    balanceDelta: -amount,
    depositDelta: -amount,
  }),
  refund: (amount: number): Movement => ({ kind: 'refund', amount, balanceDelta: amount, depositDelta: 0 }),
  depositHold: (amount: number): Movement => ({
    kind: 'deposit_hold',
    amount,
    balanceDelta: 0,
    depositDelta: amount,
  }),
  depositRelease: (amount: number): Movement => ({
    kind: 'deposit_release',
    amount,
    balanceDelta: 0,
    depositDelta: -amount,
  }),
};

export interface LedgerSummary {
  /** Charges (net of credits), late fees and damage. */
  charged: number;
  /** Payments, including deposit kept to settle the balance. */
  paid: number;
  refunded: number;
  /** What the customer owes now; negative when the shop owes them (overpaid). */
  balance: number;
  depositHeld: number;
}

export function summarize(entries: readonly Movement[]): LedgerSummary {
  const summary: LedgerSummary = { charged: 0, paid: 0, refunded: 0, balance: 0, depositHeld: 0 };
  for (const entry of entries) {
    summary.balance += entry.balanceDelta;
    summary.depositHeld += entry.depositDelta;
    if (entry.kind === 'charge' || entry.kind === 'late_fee' || entry.kind === 'damage')
      summary.charged += entry.balanceDelta;
    else if (entry.kind === 'payment') summary.paid += entry.amount;
    else if (entry.kind === 'refund') summary.refunded += entry.amount;
  }
  return summary;
}

/**
 * How a held deposit goes back: the part that settles what the order still owes (when
 * asked to, and never more than is held) is kept, the rest is returned.
 */
export function splitRelease(
  held: number,
  balance: number,
  applyToBalance: boolean,
): { applied: number; returned: number } {
  const applied = applyToBalance ? Math.min(held, Math.max(0, balance)) : 0;
  return { applied, returned: held - applied };
}

export const HOUR_MS = 3_600_000;
const UNIT_MS = { hour: HOUR_MS, day: 24 * HOUR_MS } as const;

/**
 * The late fee of one unit returned at `returnedAt`: nothing within the grace after the
 * due return; past it, `amount` per started hour or day counted from the due return.
 */
export function lateFee(
  rule: { unit: 'hour' | 'day' | null; amount: number; graceMinutes: number },
  due: Date,
  returnedAt: Date,
): { lateMinutes: number; units: number; fee: number } {
  const lateMs = returnedAt.getTime() - due.getTime();
  const lateMinutes = Math.max(0, Math.floor(lateMs / 60_000));
  if (lateMs <= rule.graceMinutes * 60_000 || rule.unit === null || rule.amount === 0)
    return { lateMinutes, units: 0, fee: 0 };
  const units = Math.ceil(lateMs / UNIT_MS[rule.unit]);
  return { lateMinutes, units, fee: units * rule.amount };
}
