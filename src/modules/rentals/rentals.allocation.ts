import type { Transaction } from '../../platform/db/client.ts';
import { isViolation } from '../../platform/db/errors.ts';
import { freeCandidates, insertBooking } from './rentals.bookings.repository.ts';
import { rentalsErrors } from './rentals.errors.ts';
import { bookedSpan, type RentalPeriod } from './rentals.period.ts';
import type { RentalOrderLine, RentalProduct } from './rentals.tables.ts';

export const NO_OVERLAP = 'rental_bookings_no_overlap';

/**
 * Books `line.quantity` concrete stock items of the line's product for the period
 * widened by the product's buffers. The check for free units is only a hint; the
 * exclusion constraint `rental_bookings_no_overlap` is what refuses a unit another
 * transaction booked first (SQLSTATE 23P01, raised once that transaction commits).
 * Each attempt runs in a savepoint, so a lost race moves on to the next unit; when
 * none is left the whole order fails with RENTALS_UNAVAILABLE naming the product and
 * the period. Returns the booked stock item ids.
 */
export async function allocateLine(
  tx: Transaction,
  orderId: number,
  line: RentalOrderLine,
  product: RentalProduct,
  period: RentalPeriod,
): Promise<number[]> {
  const span = bookedSpan(product, period);
  const booked: number[] = [];
  const lost: number[] = [];
  while (booked.length < line.quantity) {
    const [candidate] = await freeCandidates(tx, product.id, span.start, span.end, [...booked, ...lost]);
    if (!candidate) throw unavailable(product, period, span, line.quantity, booked.length);
    try {
      await tx.transaction((savepoint) =>
        insertBooking(savepoint, {
          orderId,
          orderLineId: line.id,
          stockItemId: candidate.id,
          startsAt: span.start,
          endsAt: span.end,
        }),
      );
      booked.push(candidate.id);
    } catch (error) {
      if (!isViolation(error, '23P01', NO_OVERLAP)) throw error;
      lost.push(candidate.id);
    }
  }
  return booked;
}

function unavailable(
  product: RentalProduct,
  period: RentalPeriod,
  span: RentalPeriod,
  requested: number,
  found: number,
) {
  return rentalsErrors.RENTALS_UNAVAILABLE({
    message:
      `Not enough free units of "${product.name}" (product ${product.id}, SKU ${product.sku}) ` +
      `from ${period.start.toISOString()} to ${period.end.toISOString()}: ${requested} requested, ` +
      `${found} free (units are held ${product.bufferBeforeMinutes} min before and ` +
      `${product.bufferAfterMinutes} min after a rental).`,
    extra: {
      product_id: product.id,
      requested,
      available: found,
      period: { start: period.start.toISOString(), end: period.end.toISOString() },
      held: { start: span.start.toISOString(), end: span.end.toISOString() },
    },
  });
}
