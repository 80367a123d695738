import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  basisPointsOf,
  billedHours,
  cheapestCover,
  combinationPrice,
  coveredHours,
  divideHalfEven,
  HOUR_MS,
  priceOrder,
  type Discount,
  type Rates,
} from './rentals.pricing.ts';

const rate = fc.option(fc.integer({ min: 0, max: 1_000_000 }), { nil: null });
const rates: fc.Arbitrary<Rates> = fc
  .record({ hourly: rate, daily: rate, weekly: rate })
  .filter((r) => r.hourly !== null || r.daily !== null || r.weekly !== null);
const hours = fc.integer({ min: 1, max: 24 * 120 });

/** Any combination the product can be rented by (units without a rate are not allowed). */
const combinationFor = (r: Rates) =>
  fc.record({
    weeks: r.weekly === null ? fc.constant(0) : fc.integer({ min: 0, max: 25 }),
    days: r.daily === null ? fc.constant(0) : fc.integer({ min: 0, max: 150 }),
    hours: r.hourly === null ? fc.constant(0) : fc.integer({ min: 0, max: 3000 }),
  });

describe('cheapestCover', () => {
  it('covers the duration with units the product has rates for', () => {
    fc.assert(
      fc.property(rates, hours, (r, h) => {
        const cover = cheapestCover(r, h);
        expect(coveredHours(cover)).toBeGreaterThanOrEqual(h);
        if (r.weekly === null) expect(cover.weeks).toBe(0);
        if (r.daily === null) expect(cover.days).toBe(0);
        if (r.hourly === null) expect(cover.hours).toBe(0);
        expect(cover.amount).toBe(combinationPrice(r, cover));
      }),
    );
  });

  it('is never more than any other combination that covers the duration', () => {
    fc.assert(
      fc.property(
        rates.chain((r) => fc.tuple(fc.constant(r), hours, combinationFor(r))),
        ([r, h, other]) => {
          fc.pre(coveredHours(other) >= h);
          expect(cheapestCover(r, h).amount).toBeLessThanOrEqual(combinationPrice(r, other));
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('takes a week when it is cheaper than the days it spans, and hours when cheaper than a day', () => {
    const r = { hourly: 500, daily: 3000, weekly: 12000 };
    expect(cheapestCover(r, 5 * 24)).toMatchObject({ weeks: 1, days: 0, hours: 0, amount: 12000 });
    expect(cheapestCover(r, 3)).toMatchObject({ weeks: 0, days: 0, hours: 3, amount: 1500 });
    expect(cheapestCover(r, 7)).toMatchObject({ weeks: 0, days: 1, hours: 0, amount: 3000 });
    expect(cheapestCover(r, 7 * 24 + 2)).toMatchObject({ weeks: 1, days: 0, hours: 2, amount: 13000 });
  });

  it('bills every started hour', () => {
    expect(billedHours(1)).toBe(1);
    expect(billedHours(HOUR_MS)).toBe(1);
    expect(billedHours(HOUR_MS + 1)).toBe(2);
  });
});

describe('rounding', () => {
  it('rounds half to even', () => {
    expect(divideHalfEven(5n, 2n)).toBe(2n);
    expect(divideHalfEven(7n, 2n)).toBe(4n);
    expect(divideHalfEven(-5n, 2n)).toBe(-2n);
    expect(divideHalfEven(11n, 4n)).toBe(3n);
    expect(basisPointsOf(1005, 1000)).toBe(100); // 100.5 -> 100
    expect(basisPointsOf(1015, 1000)).toBe(102); // 101.5 -> 102
  });

  it('is within half a unit of the exact value', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1e12 }), fc.integer({ min: 0, max: 10_000 }), (amount, bp) => {
        const exact = (amount * bp) / 10_000;
        expect(Math.abs(basisPointsOf(amount, bp) - exact)).toBeLessThanOrEqual(0.5 + 1e-6 * exact);
      }),
    );
  });
});

const discount: fc.Arbitrary<Discount> = fc.oneof(
  fc.constant(null),
  fc.record({ kind: fc.constant('percent' as const), basisPoints: fc.integer({ min: 0, max: 10_000 }) }),
  fc.record({ kind: fc.constant('amount' as const), amount: fc.integer({ min: 0, max: 10_000_000 }) }),
);
const line = fc.record({
  quantity: fc.integer({ min: 1, max: 20 }),
  rates,
  unitDeposit: fc.integer({ min: 0, max: 100_000 }),
});

describe('priceOrder', () => {
  it('has totals that always add up and are never negative', () => {
    fc.assert(
      fc.property(
        fc.array(line, { minLength: 1, maxLength: 6 }),
        fc.integer({ min: 1, max: 60 * 24 * HOUR_MS }),
        discount,
        fc.integer({ min: 0, max: 5_000 }),
        (lines, durationMs, d, taxBp) => {
          const totals = priceOrder(lines, durationMs, d, taxBp);
          const sum = totals.lines.reduce((acc, l) => acc + l.lineTotal, 0);
          expect(totals.subtotal).toBe(sum);
          for (const l of totals.lines) expect(l.lineTotal).toBe(l.unitPrice * l.quantity);
          expect(totals.total).toBe(totals.subtotal - totals.discountTotal + totals.taxTotal);
          expect(totals.discountTotal).toBeGreaterThanOrEqual(0);
          expect(totals.discountTotal).toBeLessThanOrEqual(totals.subtotal);
          expect(totals.taxTotal).toBeGreaterThanOrEqual(0);
          expect(totals.total).toBeGreaterThanOrEqual(0);
          expect(Number.isInteger(totals.total)).toBe(true);
          expect(totals.depositTotal).toBe(lines.reduce((acc, l) => acc + l.unitDeposit * l.quantity, 0));
        },
      ),
      { numRuns: 500 },
    );
  });

  it('prices an example order exactly', () => {
    const totals = priceOrder(
      [{ quantity: 2, rates: { hourly: 1000, daily: 5000, weekly: 20000 }, unitDeposit: 10000 }],
      5 * 24 * HOUR_MS,
      { kind: 'percent', basisPoints: 1000 },
      1900,
    );
    expect(totals).toMatchObject({
      subtotal: 40000,
      discountTotal: 4000,
      taxTotal: 6840,
      total: 42840,
      depositTotal: 20000,
    });
  });
});
