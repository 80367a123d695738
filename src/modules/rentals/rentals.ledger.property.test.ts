import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { lateFee, movement, splitRelease, summarize, type Movement } from './rentals.ledger.ts';

/** One desk action, with the amount asked for; the model below applies the service's rules to it. */
const action = fc.oneof(
  fc.record({ kind: fc.constant('pay' as const), amount: fc.integer({ min: 1, max: 50_000 }) }),
  fc.record({
    kind: fc.constant('refund' as const),
    amount: fc.integer({ min: 1, max: 50_000 }),
    of: fc.nat(),
  }),
  fc.record({ kind: fc.constant('fee' as const), amount: fc.integer({ min: 1, max: 20_000 }) }),
  fc.record({ kind: fc.constant('damage' as const), amount: fc.integer({ min: 1, max: 20_000 }) }),
  fc.record({ kind: fc.constant('hold' as const), amount: fc.integer({ min: 1, max: 50_000 }) }),
);

type Step = { kind: 'pay' | 'refund' | 'fee' | 'damage' | 'hold'; amount: number; of?: number };

/**
 * Runs actions through the rules the payments service enforces: pay at most what is
 * due, refund at most what a payment has left, hold at most the missing deposit. Then
 * settles the order as the desk does: the deposit released against the balance, the
 * rest paid in cash (or refunded when overpaid).
 */
function run(total: number, deposit: number, actions: readonly Step[]) {
  const entries: Movement[] = [movement.charge(total)];
  const payments: { amount: number; refunded: number }[] = [];
  for (const step of actions) {
    const summary = summarize(entries);
    if (step.kind === 'pay' && step.amount <= summary.balance) {
      entries.push(movement.payment(step.amount));
      payments.push({ amount: step.amount, refunded: 0 });
    } else if (step.kind === 'refund' && payments.length > 0) {
      const paid = payments[(step.of ?? 0) % payments.length];
      if (paid && step.amount <= paid.amount - paid.refunded) {
        paid.refunded += step.amount;
        entries.push(movement.refund(step.amount));
      }
    } else if (step.kind === 'fee') entries.push(movement.lateFee(step.amount));
    else if (step.kind === 'damage') entries.push(movement.damage(step.amount));
    else if (step.kind === 'hold' && step.amount <= deposit - summary.depositHeld)
      entries.push(movement.depositHold(step.amount));
  }
  return { entries, payments };
}

describe('ledger arithmetic (property)', () => {
  const orders = fc.record({
    total: fc.integer({ min: 0, max: 100_000 }),
    deposit: fc.integer({ min: 0, max: 100_000 }),
    actions: fc.array(action, { maxLength: 40 }),
    apply: fc.boolean(),
  });

  it('keeps balance = charged - paid + refunded, refunds within payments, deposit within its bounds', () => {
    fc.assert(
      fc.property(orders, ({ total, deposit, actions }) => {
        const { entries, payments } = run(total, deposit, actions);
        const summary = summarize(entries);
        expect(summary.balance).toBe(summary.charged - summary.paid + summary.refunded);
        expect(summary.balance).toBe(entries.reduce((sum, e) => sum + e.balanceDelta, 0));
        expect(summary.refunded).toBeLessThanOrEqual(summary.paid);
        for (const p of payments) expect(p.refunded).toBeLessThanOrEqual(p.amount);
        expect(summary.depositHeld).toBeGreaterThanOrEqual(0);
        expect(summary.depositHeld).toBeLessThanOrEqual(deposit);
        expect(summary.balance).toBeGreaterThanOrEqual(0);
        for (const e of entries) expect(Number.isInteger(e.amount) && e.amount >= 0).toBe(true);
      }),
    );
  });

  it('settles every order to zero: the release keeps at most what is owed, the rest is paid or given back', () => {
    fc.assert(
      fc.property(orders, ({ total, deposit, actions, apply }) => {
        const { entries } = run(total, deposit, actions);
        const before = summarize(entries);
        const { applied, returned } = splitRelease(before.depositHeld, before.balance, apply);
        expect(applied + returned).toBe(before.depositHeld);
        expect(applied).toBeLessThanOrEqual(Math.max(0, before.balance));
        if (applied > 0) entries.push(movement.paymentFromDeposit(applied));
        if (returned > 0) entries.push(movement.depositRelease(returned));
        const rest = summarize(entries).balance;
        if (rest > 0) entries.push(movement.payment(rest));
        if (rest < 0) entries.push(movement.refund(-rest));
        const after = summarize(entries);
        expect(after.balance).toBe(0);
        expect(after.depositHeld).toBe(0);
        expect(entries.reduce((sum, e) => sum + e.balanceDelta, 0)).toBe(0);
        expect(after.charged).toBe(before.charged);
      }),
    );
  });

  it('charges no late fee within the grace, and per started unit from the due time past it', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('hour' as const, 'day' as const),
        fc.integer({ min: 0, max: 10_000 }),
        fc.integer({ min: 0, max: 600 }),
        fc.integer({ min: -10_000, max: 20_000 }),
        (unit, amount, graceMinutes, lateMinutes) => {
          const due = new Date('2026-08-11T10:00:00Z');
          const returned = new Date(due.getTime() + lateMinutes * 60_000);
          const { fee, units } = lateFee({ unit, amount, graceMinutes }, due, returned);
          const unitMinutes = unit === 'hour' ? 60 : 1440;
          if (lateMinutes <= graceMinutes || amount === 0) expect(fee).toBe(0);
          else {
            expect(units).toBe(Math.ceil(lateMinutes / unitMinutes));
            expect(fee).toBe(units * amount);
            expect((units - 1) * unitMinutes).toBeLessThan(lateMinutes);
          }
        },
      ),
    );
  });
});
