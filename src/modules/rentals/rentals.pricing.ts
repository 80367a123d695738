/**
 * Rental money, pure. Amounts are integers in minor units of one currency (cents for
 * EUR, yen for JPY); nothing here ever holds a fraction of a minor unit.
 *
 * Rounding: half-even (banker's rounding), applied once per order to the discount and
 * once to the tax, never per line, so the totals add up exactly:
 * subtotal = sum of lines, total = subtotal - discount + tax.
 */

export const HOUR_MS = 3_600_000;
export const HOURS_PER_DAY = 24;
export const HOURS_PER_WEEK = 168;
/** The longest rental priced: a year and a day, in hours (bounds the search below). */
export const MAX_PRICED_HOURS = 366 * HOURS_PER_DAY;

/** Rates per unit in minor units; null when the product is not rented by that unit. */
export interface Rates {
  hourly: number | null;
  daily: number | null;
  weekly: number | null;
}

export interface RateCombination {
  weeks: number;
  days: number;
  hours: number;
}

export interface Cover extends RateCombination {
  amount: number;
}

/** The hours a duration is billed as: every started hour counts. */
export const billedHours = (durationMs: number): number => Math.max(1, Math.ceil(durationMs / HOUR_MS));

export const combinationPrice = (rates: Rates, { weeks, days, hours }: RateCombination): number =>
  weeks * (rates.weekly ?? 0) + days * (rates.daily ?? 0) + hours * (rates.hourly ?? 0);

export const coveredHours = ({ weeks, days, hours }: RateCombination): number =>
  weeks * HOURS_PER_WEEK + days * HOURS_PER_DAY + hours;

/**
 * The cheapest combination of weeks, days and hours (only of the units the product has
 * a rate for) whose length covers `hours`. Exhaustive over weeks and days with the
 * hours made up to cover the rest, which is at most ~10k candidates for a year: exact,
 * not greedy (a week can be cheaper than five days, a day than ten hours). Ties go to
 * the fewest units. Throws when no combination exists (a product without rates).
 */
export function cheapestCover(rates: Rates, hours: number): Cover {
  if (!Number.isInteger(hours) || hours < 1) throw new RangeError('hours must be a positive integer');
  const maxWeeks = rates.weekly === null ? 0 : Math.ceil(hours / HOURS_PER_WEEK);
  let best: Cover | undefined;
  for (let weeks = 0; weeks <= maxWeeks; weeks += 1) {
    const afterWeeks = Math.max(0, hours - weeks * HOURS_PER_WEEK);
    const maxDays = rates.daily === null ? 0 : Math.ceil(afterWeeks / HOURS_PER_DAY);
    for (let days = 0; days <= maxDays; days += 1) {
      const rest = Math.max(0, afterWeeks - days * HOURS_PER_DAY);
      if (rest > 0 && rates.hourly === null) continue;
      const candidate = { weeks, days, hours: rest };
      const amount = combinationPrice(rates, candidate);
      const units = weeks + days + rest;
      if (
        !best ||
        amount < best.amount ||
        (amount === best.amount && units < best.weeks + best.days + best.hours)
      )
        best = { ...candidate, amount };
    }
  }
  if (!best) throw new RangeError('a product needs at least one rate');
  return best;
}

/** Rounds numerator / denominator to the nearest integer, ties to even; exact for any safe integers. */
export function divideHalfEven(numerator: bigint, denominator: bigint): bigint {
  const quotient = numerator / denominator;
  const remainder = numerator % denominator;
  const twice = 2n * (remainder < 0n ? -remainder : remainder);
  if (twice < denominator) return quotient;
  if (twice > denominator || quotient % 2n !== 0n) return quotient + (numerator < 0n ? -1n : 1n);
  return quotient;
}

/** `amount` × `basisPoints` / 10 000, rounded half-even. */
export const basisPointsOf = (amount: number, basisPoints: number): number =>
  Number(divideHalfEven(BigInt(amount) * BigInt(basisPoints), 10_000n));

export type Discount = { kind: 'percent'; basisPoints: number } | { kind: 'amount'; amount: number } | null;

export interface LineInput {
  quantity: number;
  rates: Rates;
  unitDeposit: number;
}

export interface PricedLine extends RateCombination {
  quantity: number;
  unitPrice: number;
  lineTotal: number;
  unitDeposit: number;
}

export interface OrderTotals {
  lines: PricedLine[];
  subtotal: number;
  discountTotal: number;
  taxTotal: number;
  total: number;
  depositTotal: number;
}

/**
 * Prices an order: each line is the cheapest cover of the billed hours times its
 * quantity; the discount (percent in basis points, or an amount capped at the
 * subtotal) and then the tax (basis points of the discounted subtotal) are rounded
 * half-even once. The deposit is held apart and is not part of the total.
 */
export function priceOrder(
  lines: LineInput[],
  durationMs: number,
  discount: Discount,
  taxRateBp: number,
): OrderTotals {
  const hours = billedHours(durationMs);
  const priced = lines.map((line) => {
    const cover = cheapestCover(line.rates, hours);
    return {
      weeks: cover.weeks,
      days: cover.days,
      hours: cover.hours,
      quantity: line.quantity,
      unitPrice: cover.amount,
      lineTotal: cover.amount * line.quantity,
      unitDeposit: line.unitDeposit,
    };
  });
  const subtotal = priced.reduce((sum, line) => sum + line.lineTotal, 0);
  const discountTotal =
    discount === null
      ? 0
      : discount.kind === 'percent'
        ? basisPointsOf(subtotal, Math.min(discount.basisPoints, 10_000))
        : Math.min(discount.amount, subtotal);
  const taxTotal = basisPointsOf(subtotal - discountTotal, taxRateBp);
  const depositTotal = priced.reduce((sum, line) => sum + line.unitDeposit * line.quantity, 0);
  return {
    lines: priced,
    subtotal,
    discountTotal,
    taxTotal,
    total: subtotal - discountTotal + taxTotal,
    depositTotal,
  };
}
