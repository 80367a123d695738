import type { Database } from '../../platform/db/client.ts';
import { fieldError } from '../../platform/http/errors.ts';
import type { BusinessCalendar } from '../calendars/index.ts';
import { activeBookingsOverlapping } from './rentals.bookings.repository.ts';
import * as catalog from './rentals.catalog.repository.ts';
import { rentalsErrors } from './rentals.errors.ts';
import { closedIntervals } from './rentals.period.ts';
import type { StockStatus } from './rentals.tables.ts';

/** The longest window one availability query covers. */
export const MAX_WINDOW_DAYS = 93;
const DAY_MS = 86_400_000;

export type BusyReason = 'booked' | 'maintenance' | 'retired' | 'calendar_closed';

export interface BusyInterval {
  start: Date;
  end: Date;
  reason: BusyReason;
  /** The order holding the unit, for `booked` (its span includes the product's buffers). */
  orderId: number | null;
}

export interface Availability {
  productId: number;
  from: Date;
  to: Date;
  /** Units that are not retired. */
  units: number;
  /** Consecutive stretches of [from, to) with the same number of free units; 0 while the shop is closed. */
  intervals: { start: Date; end: Date; free: number; closed: boolean }[];
  items: { id: number; serialNumber: string; status: StockStatus; busy: BusyInterval[] }[];
}

export interface AvailabilityDeps {
  db: Database;
  calendarFor: (id: number) => Promise<BusinessCalendar>;
}

const clip = (start: Date, end: Date, from: Date, to: Date) => ({
  start: start < from ? from : start,
  end: end > to ? to : end,
});

/** Availability of a product's units over a window: bookings (with buffers), maintenance, retirement and closed time. */
export function createAvailability({ db, calendarFor }: AvailabilityDeps) {
  return async function availability(productId: number, from: Date, to: Date): Promise<Availability> {
    if (!(to > from)) throw fieldError('to', '"to" must be after "from".');
    if (to.getTime() - from.getTime() > MAX_WINDOW_DAYS * DAY_MS)
      throw fieldError('to', `Ask for at most ${MAX_WINDOW_DAYS} days at a time.`);
    const product = await catalog.products.byId(db, productId);
    if (!product) throw rentalsErrors.RENTALS_PRODUCT_NOT_FOUND();
    const items = await catalog.stockItemsOf(db, productId);
    const bookings = await activeBookingsOverlapping(
      db,
      items.map((item) => item.id),
      from,
      to,
    );
    const calendar = product.calendarId === null ? null : await calendarFor(product.calendarId);
    const closed = calendar ? closedIntervals(calendar.openIntervals(from, to), from, to) : [];
    const closedBusy: BusyInterval[] = closed.map(({ start, end }) => ({
      start,
      end,
      reason: 'calendar_closed',
      orderId: null,
    }));

    const busyOf = new Map<number, BusyInterval[]>();
    for (const item of items) {
      const busy: BusyInterval[] =
        item.status === 'available' ? [] : [{ start: from, end: to, reason: item.status, orderId: null }];
      busyOf.set(item.id, busy);
    }
    for (const booking of bookings) {
      busyOf.get(booking.stockItemId)?.push({
        ...clip(booking.startsAt, booking.endsAt, from, to),
        reason: 'booked',
        orderId: booking.orderId,
      });
    }

    const points = new Set<number>([from.getTime(), to.getTime()]);
    for (const busy of [...[...busyOf.values()].flat(), ...closedBusy]) {
      points.add(busy.start.getTime());
      points.add(busy.end.getTime());
    }
    const sorted = [...points].sort((a, b) => a - b);
    const intervals: Availability['intervals'] = [];
    for (let index = 0; index + 1 < sorted.length; index += 1) {
      const start = sorted[index] ?? 0;
      const end = sorted[index + 1] ?? 0;
      const isClosed = closed.some((c) => c.start.getTime() <= start && c.end.getTime() >= end);
      const free = isClosed
        ? 0
        : items.filter((item) =>
            (busyOf.get(item.id) ?? []).every((b) => b.end.getTime() <= start || b.start.getTime() >= end),
          ).length;
      const last = intervals.at(-1);
      if (last && last.free === free && last.closed === isClosed && last.end.getTime() === start)
        last.end = new Date(end);
      else intervals.push({ start: new Date(start), end: new Date(end), free, closed: isClosed });
    }

    return {
      productId,
      from,
      to,
      units: items.filter((item) => item.status !== 'retired').length,
      intervals,
      items: items.map((item) => ({
        id: item.id,
        serialNumber: item.serialNumber,
        status: item.status,
        busy: [...(busyOf.get(item.id) ?? []), ...closedBusy].sort(
          (a, b) => a.start.getTime() - b.start.getTime(),
        ),
      })),
    };
  };
}

export type AvailabilityService = ReturnType<typeof createAvailability>;
