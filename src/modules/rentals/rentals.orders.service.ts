import type { RequestContext } from '../../platform/auth/actor.ts';
import type { Database, Executor, Transaction } from '../../platform/db/client.ts';
import { listing, type Page } from '../../platform/db/list.ts';
import { commonErrors, fieldError, type FieldErrors } from '../../platform/http/errors.ts';
import type { ListParams } from '../../platform/http/query.ts';
import type { AuditService } from '../audit/index.ts';
import type { BusinessCalendar } from '../calendars/index.ts';
import { allocateLine } from './rentals.allocation.ts';
import { bookingsOfOrders, releaseBookings } from './rentals.bookings.repository.ts';
import { productsByIds } from './rentals.catalog.repository.ts';
import { rentalsChanged } from './rentals.cache.ts';
import { rentalsErrors } from './rentals.errors.ts';
import { recordOrderChange } from './rentals.events.ts';
import type { LedgerSummary } from './rentals.ledger.ts';
import { chargeOrder, creditOrder, summariesOf } from './rentals.ledger.repository.ts';
import * as repository from './rentals.orders.repository.ts';
import { periodProblems, resolvePeriod, type RentalPeriod } from './rentals.period.ts';
import { priceOrder, type Discount } from './rentals.pricing.ts';
import { allowedTransitions, ORDER_TRANSITIONS, type OrderTransition } from './rentals.state.ts';
import type { RentalOrderLine, RentalOrderRow, RentalProduct } from './rentals.tables.ts';

export interface OrderInput {
  customerId: number;
  /** 'YYYY-MM-DD' (a shop day, see rentals.period.ts) or an ISO 8601 datetime with offset. */
  rentalStart: string;
  rentalEnd: string;
  items: { productId: number; quantity: number }[];
  discount?: Discount;
  taxRateBp?: number;
  notes?: string;
  /** 'reserved' (the default) books stock at once; 'draft' is a quote that holds nothing. */
  status?: 'draft' | 'reserved';
}

export type OrderLine = RentalOrderLine & { stockItemIds: number[] };
/** `ledger`: the order's payment ledger summed (balance, deposit held), see rentals.ledger.ts. */
export type RentalOrder = RentalOrderRow & { lines: OrderLine[]; ledger: LedgerSummary };

export interface OrdersDeps {
  db: Database;
  audit: Pick<AuditService, 'record'>;
  customerExists: (id: number, executor: Executor) => Promise<boolean>;
  calendarFor: (id: number) => Promise<BusinessCalendar>;
  now?: () => Date;
}

/** Orders: priced at creation, stock allocated on reserve, a lifecycle the server enforces. */
export function createOrdersService({
  db,
  audit,
  customerExists,
  calendarFor,
  now = () => new Date(),
}: OrdersDeps) {
  /** Orders with their lines and, per line, the stock items its active bookings hold: two queries per page. */
  async function hydrate(executor: Executor, rows: RentalOrderRow[]): Promise<RentalOrder[]> {
    const ids = rows.map((row) => row.id);
    const [lines, bookings, ledgers] = await Promise.all([
      repository.linesOfOrders(executor, ids),
      bookingsOfOrders(executor, ids),
      summariesOf(executor, ids),
    ]);
    return rows.map((row) => ({
      ...row,
      ledger: ledgers.get(row.id) ?? { charged: 0, paid: 0, refunded: 0, balance: 0, depositHeld: 0 },
      lines: lines
        .filter((line) => line.orderId === row.id)
        .map((line) => ({
          ...line,
          stockItemIds: bookings
            .filter((b) => b.orderLineId === line.id && b.releasedAt === null)
            .map((b) => b.stockItemId),
        })),
    }));
  }

  const orderListing = listing(repository.orderList, {
    rows: async (where, orderBy, limit, offset) =>
      hydrate(db, await repository.listOrders(db, where, orderBy, limit, offset)),
    count: (where) => repository.countOrders(db, where),
  });

  async function calendarOf(product: RentalProduct): Promise<BusinessCalendar | null> {
    return product.calendarId === null ? null : calendarFor(product.calendarId);
  }

  /** Checks the request against the catalog and prices it; throws field errors a client can act on. */
  async function prepare(input: OrderInput) {
    if (input.items.length === 0) throw fieldError('items', 'An order needs at least one item.');
    const products = await productsByIds(db, [...new Set(input.items.map((item) => item.productId))]);
    const byId = new Map(products.map((product) => [product.id, product]));
    const lines = input.items.map((item, index) => {
      const product = byId.get(item.productId);
      if (!product || !product.active)
        throw fieldError(
          'items',
          `Item ${index + 1}: product ${item.productId} does not exist or is not rented out.`,
        );
      return { product, quantity: item.quantity };
    });
    const currencies = new Set(products.map((product) => product.currency));
    if (currencies.size > 1)
      throw fieldError(
        'items',
        `One order is in one currency; these products are in ${[...currencies].join(', ')}.`,
      );
    const first = lines[0]?.product;
    if (!first) throw fieldError('items', 'An order needs at least one item.');
    const period = resolvePeriod(input.rentalStart, input.rentalEnd, await calendarOf(first));
    const fields: FieldErrors = {};
    for (const product of products) {
      for (const [field, messages] of Object.entries(
        periodProblems(product, await calendarOf(product), period, now()),
      ))
        (fields[field] ??= []).push(...messages);
    }
    if (Object.keys(fields).length > 0) throw commonErrors.VALIDATION_FAILED({ fields });
    const totals = priceOrder(
      lines.map(({ product, quantity }) => ({
        quantity,
        unitDeposit: product.deposit,
        rates: { hourly: product.hourlyRate, daily: product.dailyRate, weekly: product.weeklyRate },
      })),
      period.end.getTime() - period.start.getTime(),
      input.discount ?? null,
      input.taxRateBp ?? 0,
    );
    return { lines, period, totals, currency: first.currency, byId };
  }

  async function reserveLines(
    tx: Transaction,
    order: RentalOrderRow,
    lines: RentalOrderLine[],
    products: Map<number, RentalProduct>,
  ) {
    const period: RentalPeriod = { start: order.rentalStart, end: order.rentalEnd };
    for (const line of lines) {
      const product = products.get(line.productId);
      if (!product) throw rentalsErrors.RENTALS_PRODUCT_NOT_FOUND();
      await allocateLine(tx, order.id, line, product, period);
    }
  }

  async function loaded(executor: Executor, id: number): Promise<RentalOrder> {
    const row = await repository.orderById(executor, id);
    if (!row) throw rentalsErrors.RENTALS_ORDER_NOT_FOUND();
    const [order] = await hydrate(executor, [row]);
    if (!order) throw rentalsErrors.RENTALS_ORDER_NOT_FOUND();
    return order;
  }

  return {
    listOrders: (params: ListParams): Promise<Page<RentalOrder>> => orderListing.page(params),
    allOrders: (params: ListParams) => orderListing.all(params),
    getOrder: (id: number) => loaded(db, id),
    /** An order read through `executor` (inside another module's transaction). */
    orderIn: loaded,
    /** Checks an order request against the catalog and prices it, writing nothing (draft edits). */
    price: prepare,

    /** Creates an order, priced from the catalog; reserved (stock booked) unless a draft is asked for. */
    async createOrder(ctx: RequestContext, input: OrderInput): Promise<RentalOrder> {
      const { lines, period, totals, currency, byId } = await prepare(input);
      if (!(await customerExists(input.customerId, db)))
        throw fieldError('customer', `Invalid pk "${input.customerId}" - object does not exist.`);
      const status = input.status ?? 'reserved';
      const created = await db.transaction(async (tx) => {
        const row = await repository.insertOrder(tx, {
          customerId: input.customerId,
          createdBy: ctx.actor.userId > 0 ? ctx.actor.userId : null,
          reservedAt: status === 'reserved' ? now() : null,
          status,
          rentalStart: period.start,
          rentalEnd: period.end,
          currency,
          discountKind: input.discount?.kind ?? null,
          discountValue:
            input.discount == null
              ? 0
              : input.discount.kind === 'percent'
                ? input.discount.basisPoints
                : input.discount.amount,
          taxRateBp: input.taxRateBp ?? 0,
          subtotal: totals.subtotal,
          discountTotal: totals.discountTotal,
          taxTotal: totals.taxTotal,
          total: totals.total,
          depositTotal: totals.depositTotal,
          notes: input.notes ?? '',
        });
        const inserted = await repository.insertLines(
          tx,
          lines.map(({ product }, index) => {
            const priced = totals.lines[index];
            if (!priced) throw new Error('a priced line per line');
            return {
              orderId: row.id,
              productId: product.id,
              quantity: priced.quantity,
              unitPrice: priced.unitPrice,
              lineTotal: priced.lineTotal,
              unitDeposit: priced.unitDeposit,
              breakdown: { weeks: priced.weeks, days: priced.days, hours: priced.hours },
            };
          }),
        );
        if (status === 'reserved') {
          await reserveLines(tx, row, inserted, byId);
          await chargeOrder(tx, row, ctx.actor.userId);
        }
        const order = await loaded(tx, row.id);
        await audit.record(tx, ctx, {
          action: 'rental_order.created',
          resourceType: 'rental_order',
          resourceId: row.id,
          after: order,
        });
        await recordOrderChange(tx, ctx, order);
        return order;
      });
      await rentalsChanged(db);
      return created;
    },

    /**
     * Moves an order along its lifecycle. An illegal move is RENTALS_TRANSITION_NOT_ALLOWED
     * naming the allowed ones; reserve books stock (and can fail with RENTALS_UNAVAILABLE),
     * cancel releases it.
     */
    async transition(
      ctx: RequestContext,
      id: number,
      name: OrderTransition,
      expectedVersion?: number,
    ): Promise<RentalOrder> {
      const moved = await db.transaction(async (tx) => {
        const before = await repository.orderById(tx, id, { lock: true });
        if (!before) throw rentalsErrors.RENTALS_ORDER_NOT_FOUND();
        if (expectedVersion !== undefined && before.version !== expectedVersion)
          throw commonErrors.VERSION_CONFLICT({ extra: { current: await loaded(tx, id) } });
        const allowed = allowedTransitions(before.status);
        if (!allowed.includes(name))
          throw rentalsErrors.RENTALS_TRANSITION_NOT_ALLOWED({
            message: `An order in status "${before.status}" cannot ${name.replace('_', ' ')}; allowed: ${allowed.length > 0 ? allowed.join(', ') : 'none'}.`,
            extra: { status: before.status, allowed_transitions: allowed },
          });
        const at = now();
        if (name === 'reserve') {
          const lines = await repository.linesOfOrders(tx, [id]);
          const products = await productsByIds(
            tx,
            lines.map((line) => line.productId),
          );
          await reserveLines(tx, before, lines, new Map(products.map((p) => [p.id, p])));
          await chargeOrder(tx, before, ctx.actor.userId);
        }
        if (name === 'cancel') {
          await releaseBookings(tx, id, at);
          await creditOrder(tx, before, ctx.actor.userId);
        }
        const row = await repository.setStatus(tx, id, ORDER_TRANSITIONS[name].to, at);
        if (!row) throw rentalsErrors.RENTALS_ORDER_NOT_FOUND();
        const after = await loaded(tx, id);
        await audit.record(tx, ctx, {
          action: `rental_order.${name}`,
          resourceType: 'rental_order',
          resourceId: id,
          before,
          after,
        });
        await recordOrderChange(tx, ctx, after, before.status);
        return after;
      });
      await rentalsChanged(db);
      return moved;
    },
  };
}

export type OrdersService = ReturnType<typeof createOrdersService>;
