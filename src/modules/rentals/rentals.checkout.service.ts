import type { Readable } from 'node:stream';
import type { RequestContext } from '../../platform/auth/actor.ts';
import type { Database, Executor, Transaction } from '../../platform/db/client.ts';
import { isViolation } from '../../platform/db/errors.ts';
import { generateFileKey, sniffUploadStream, type FileStorage } from '../../platform/files/index.ts';
import type { AuditService } from '../audit/index.ts';
import { NO_OVERLAP } from './rentals.allocation.ts';
import { bookingsOfOrder } from './rentals.bookings.repository.ts';
import { productsByIds } from './rentals.catalog.repository.ts';
import { recordHandovers } from './rentals.checkout.events.ts';
import * as repository from './rentals.checkout.repository.ts';
import type { Handover, RentalPhoto } from './rentals.checkout.tables.ts';
import { rentalsErrors } from './rentals.errors.ts';
import { lateFee, movement } from './rentals.ledger.ts';
import { appendEntries } from './rentals.ledger.repository.ts';
import { rentalsChanged } from './rentals.cache.ts';
import { recordOrderChange } from './rentals.events.ts';
import * as orders from './rentals.orders.repository.ts';
import type { RentalOrder } from './rentals.orders.service.ts';
import type { Booking, OrderStatus, RentalOrderRow } from './rentals.tables.ts';

export interface HandoverItem {
  stockItemId: number;
  condition?: string;
  notes?: string;
  photoIds?: number[];
}

export interface ReturnItem extends HandoverItem {
  damage?: { amount: number; description: string };
  /** The unit goes to maintenance (status) instead of back on the shelf. */
  maintenance?: boolean;
}

export interface CheckoutDeps {
  db: Database;
  audit: Pick<AuditService, 'record'>;
  storage: FileStorage;
  maxPhotoBytes: number;
  /** The order as its events show it (lines with their stock items), read in the handover's transaction. */
  orderIn: (executor: Executor, id: number) => Promise<RentalOrder>;
  now?: () => Date;
}

const MINUTE_MS = 60_000;

const invalid = (message: string, extra?: Record<string, unknown>) =>
  rentalsErrors.RENTALS_HANDOVER_INVALID({ message, extra });

/**
 * Pickup and return, per stock item: each unit handed out or taken back once (a unique
 * key per booking and kind), with the condition seen at the desk and photos. The order
 * is picked up when its last unit is out and returned when its last unit is back. A
 * return past the due time plus the product's grace charges the late fee per started
 * hour or day; damage is charged as entered. The booking then ends at the return (plus
 * the product's after-buffer): an early return frees the unit, a late one records the
 * time it was really out unless another order holds the unit by then.
 */
export function createCheckoutService({
  db,
  audit,
  storage,
  maxPhotoBytes,
  orderIn,
  now = () => new Date(),
}: CheckoutDeps) {
  async function prepare(tx: Transaction, orderId: number, status: OrderStatus, verb: string) {
    const order = await orders.orderById(tx, orderId, { lock: true });
    if (!order) throw rentalsErrors.RENTALS_ORDER_NOT_FOUND();
    if (order.status !== status)
      throw invalid(`Order ${orderId} is ${order.status}; items are ${verb} while it is ${status}.`, {
        status: order.status,
      });
    const bookings = (await bookingsOfOrder(tx, orderId)).filter((b) => b.releasedAt === null);
    const handovers = await repository.handoversOf(tx, orderId);
    return { order, bookings, handovers };
  }

  function bookingOf(bookings: Booking[], stockItemId: number, orderId: number): Booking {
    const booking = bookings.find((b) => b.stockItemId === stockItemId);
    if (!booking) throw invalid(`Stock item ${stockItemId} is not held by order ${orderId}.`);
    return booking;
  }

  async function attach(tx: Transaction, order: RentalOrderRow, handover: Handover, photoIds: number[]) {
    const unique = [...new Set(photoIds)];
    if ((await repository.attachPhotos(tx, order.id, handover.id, unique)) !== unique.length)
      throw invalid(
        `Photos ${unique.join(', ')} must be photos of order ${order.id} not yet used in a handover.`,
      );
  }

  async function finish(
    tx: Transaction,
    ctx: RequestContext,
    kind: 'pickup' | 'return',
    order: RentalOrderRow,
    made: Handover[],
    allDone: boolean,
    at: Date,
  ) {
    const to: OrderStatus = kind === 'pickup' ? 'picked_up' : 'returned';
    if (allDone) {
      await orders.setStatus(tx, order.id, to, at);
      await recordOrderChange(tx, ctx, await orderIn(tx, order.id), order.status);
    }
    await audit.record(tx, ctx, {
      action: kind === 'pickup' ? 'rental_order.items_picked_up' : 'rental_order.items_returned',
      resourceType: 'rental_order',
      resourceId: order.id,
      before: { status: order.status },
      after: { status: allDone ? to : order.status, handovers: made },
    });
    await recordHandovers(tx, ctx, kind, order.id, allDone ? to : order.status, allDone, made);
  }

  /** The dashboard counts units out and overdue: its cache goes once a handover commits. */
  async function afterCommit<T>(work: Promise<T>): Promise<T> {
    const result = await work;
    await rentalsChanged(db);
    return result;
  }

  return {
    /** Stores a desk photo of an order (type sniffed from the bytes); used later by a pickup or return. */
    async addPhoto(
      ctx: RequestContext,
      orderId: number,
      upload: { filename: string; stream: Readable },
    ): Promise<RentalPhoto> {
      if (!(await orders.orderById(db, orderId))) throw rentalsErrors.RENTALS_ORDER_NOT_FOUND();
      const sniffed = await sniffUploadStream(upload.stream, upload.filename);
      const key = generateFileKey('rentals');
      const stored = await storage.put(key, sniffed.stream, { maxBytes: maxPhotoBytes });
      try {
        return await db.transaction(async (tx) => {
          const photo = await repository.insertPhoto(tx, {
            orderId,
            filename: upload.filename.slice(0, 255),
            contentType: sniffed.mime,
            size: stored.size,
            sha256: stored.sha256,
            storageKey: key,
            uploaderId: ctx.actor.userId > 0 ? ctx.actor.userId : null,
          });
          await audit.record(tx, ctx, {
            action: 'rental_order.photo_added',
            resourceType: 'rental_order',
            resourceId: orderId,
            after: photo,
          });
          return photo;
        });
      } catch (error) {
        await storage.delete(key);
        throw error;
      }
    },

    async openPhoto(orderId: number, photoId: number): Promise<{ photo: RentalPhoto; stream: Readable }> {
      const photo = await repository.photoById(db, orderId, photoId);
      if (!photo) throw rentalsErrors.RENTALS_PHOTO_NOT_FOUND();
      return { photo, stream: await storage.get(photo.storageKey) };
    },

    async handovers(orderId: number): Promise<{ handovers: Handover[]; photos: RentalPhoto[] }> {
      if (!(await orders.orderById(db, orderId))) throw rentalsErrors.RENTALS_ORDER_NOT_FOUND();
      const [handovers, photos] = await Promise.all([
        repository.handoversOf(db, orderId),
        repository.photosOf(db, orderId),
      ]);
      return { handovers, photos };
    },

    /** Hands stock items of a reserved order to the customer; the last one out makes it picked up. */
    pickUp(ctx: RequestContext, orderId: number, items: HandoverItem[] | undefined): Promise<Handover[]> {
      return afterCommit(
        db.transaction(async (tx) => {
          const { order, bookings, handovers } = await prepare(tx, orderId, 'reserved', 'picked up');
          const at = now();
          const made: Handover[] = [];
          for (const item of items ?? outstanding(bookings, handovers, 'pickup')) {
            const booking = bookingOf(bookings, item.stockItemId, orderId);
            if ([...handovers, ...made].some((h) => h.bookingId === booking.id))
              throw invalid(`Stock item ${item.stockItemId} of order ${orderId} is already picked up.`);
            const handover = await repository.insertHandover(tx, {
              orderId,
              bookingId: booking.id,
              stockItemId: item.stockItemId,
              kind: 'pickup',
              at,
              condition: item.condition ?? '',
              notes: item.notes ?? '',
              actorId: ctx.actor.userId > 0 ? ctx.actor.userId : null,
            });
            await attach(tx, order, handover, item.photoIds ?? []);
            await repository.updateStockItem(tx, item.stockItemId, { condition: item.condition }, at);
            made.push(handover);
          }
          await finish(
            tx,
            ctx,
            'pickup',
            order,
            made,
            handovers.length + made.length === bookings.length,
            at,
          );
          return made;
        }),
      );
    },

    /** Takes stock items back: late fees and damage charged to the ledger; the last one back makes the order returned. */
    returnItems(ctx: RequestContext, orderId: number, items: ReturnItem[] | undefined): Promise<Handover[]> {
      return afterCommit(
        db.transaction(async (tx) => {
          const { order, bookings, handovers } = await prepare(tx, orderId, 'picked_up', 'returned');
          const lines = await orders.linesOfOrders(tx, [orderId]);
          const products = new Map(
            (
              await productsByIds(
                tx,
                lines.map((line) => line.productId),
              )
            ).map((p) => [p.id, p]),
          );
          const at = now();
          const made: Handover[] = [];
          for (const item of items ?? outstanding(bookings, handovers, 'return')) {
            const booking = bookingOf(bookings, item.stockItemId, orderId);
            const already = [...handovers, ...made].filter((h) => h.bookingId === booking.id);
            if (already.some((h) => h.kind === 'return'))
              throw invalid(`Stock item ${item.stockItemId} of order ${orderId} is already returned.`);
            const product = products.get(
              lines.find((line) => line.id === booking.orderLineId)?.productId ?? 0,
            );
            if (!product) throw rentalsErrors.RENTALS_PRODUCT_NOT_FOUND();
            const late = lateFee(
              {
                unit: product.lateFeeUnit,
                amount: product.lateFeeAmount,
                graceMinutes: product.lateFeeGraceMinutes,
              },
              order.rentalEnd,
              at,
            );
            const damage = item.damage?.amount ?? 0;
            const handover = await repository.insertHandover(tx, {
              orderId,
              bookingId: booking.id,
              stockItemId: item.stockItemId,
              kind: 'return',
              at,
              condition: item.condition ?? '',
              notes: [item.notes, item.damage?.description].filter(Boolean).join('\n'),
              lateMinutes: late.lateMinutes,
              lateFee: late.fee,
              damageAmount: damage,
              actorId: ctx.actor.userId > 0 ? ctx.actor.userId : null,
            });
            await attach(tx, order, handover, item.photoIds ?? []);
            const entry = {
              orderId,
              currency: order.currency,
              stockItemId: item.stockItemId,
              actorId: ctx.actor.userId,
            };
            if (late.fee > 0)
              await appendEntries(
                tx,
                {
                  ...entry,
                  description: `Late return of ${product.name}: ${late.units} ${product.lateFeeUnit}(s) late`,
                },
                [movement.lateFee(late.fee)],
              );
            if (damage > 0)
              await appendEntries(
                tx,
                { ...entry, description: `Damage: ${item.damage?.description ?? ''}` },
                [movement.damage(damage)],
              );
            await repository.updateStockItem(
              tx,
              item.stockItemId,
              { condition: item.condition, status: item.maintenance ? 'maintenance' : undefined },
              at,
            );
            await endBooking(tx, booking, new Date(at.getTime() + product.bufferAfterMinutes * MINUTE_MS));
            made.push(handover);
          }
          const back = handovers.filter((h) => h.kind === 'return').length + made.length;
          await finish(tx, ctx, 'return', order, made, back === bookings.length, at);
          return made;
        }),
      );
    },
  };
}

/** The units of the order not handed over that way yet: what a pickup or return naming no items covers. */
function outstanding(bookings: Booking[], handovers: Handover[], kind: 'pickup' | 'return'): ReturnItem[] {
  return bookings
    .filter((b) => !handovers.some((h) => h.bookingId === b.id && h.kind === kind))
    .map((b) => ({ stockItemId: b.stockItemId }));
}

/**
 * Ends a returned unit's booking at `end`. Shortening always fits the exclusion
 * constraint; lengthening (a late return) is tried in a savepoint and kept as booked
 * when another order already holds the unit from then (23P01).
 */
async function endBooking(tx: Transaction, booking: Booking, end: Date): Promise<void> {
  const endsAt = new Date(Math.max(end.getTime(), booking.startsAt.getTime() + MINUTE_MS));
  if (endsAt.getTime() === booking.endsAt.getTime()) return;
  try {
    await tx.transaction((savepoint) => repository.setBookingEnd(savepoint, booking.id, endsAt));
  } catch (error) {
    if (!isViolation(error, '23P01', NO_OVERLAP)) throw error;
  }
}

export type CheckoutService = ReturnType<typeof createCheckoutService>;
