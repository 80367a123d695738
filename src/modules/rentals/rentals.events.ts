import { Type, type TObject } from '@sinclair/typebox';
import type { RequestContext } from '../../platform/auth/actor.ts';
import type { Executor } from '../../platform/db/client.ts';
import { defineEvent, recordEvent, type EventDefinition } from '../../platform/events/index.ts';
import type { RentalOrder } from './rentals.orders.service.ts';
import { ORDER_STATUSES, STOCK_STATUSES } from './rentals.tables.ts';
import type { RentalCategory, RentalProduct, StockItem } from './rentals.tables.ts';

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) =>
  Type.Union([schema, Type.Null()]);

const CategorySnapshot = Type.Object({ id: Type.Integer(), name: Type.String(), version: Type.Integer() });

const ProductSnapshot = Type.Object({
  id: Type.Integer(),
  category_id: Nullable(Type.Integer()),
  name: Type.String(),
  sku: Type.String(),
  currency: Type.String(),
  hourly_rate: Nullable(Type.Integer()),
  daily_rate: Nullable(Type.Integer()),
  weekly_rate: Nullable(Type.Integer()),
  deposit: Type.Integer(),
  active: Type.Boolean(),
  version: Type.Integer(),
});

const StockItemSnapshot = Type.Object({
  id: Type.Integer(),
  product_id: Type.Integer(),
  serial_number: Type.String(),
  condition: Type.String(),
  status: Type.Union(STOCK_STATUSES.map((status) => Type.Literal(status))),
  version: Type.Integer(),
});

const OrderStatus = Type.Union(ORDER_STATUSES.map((status) => Type.Literal(status)));

/** An order as events carry it: enough to route and refresh (status, period, money, held units). */
const OrderSnapshot = Type.Object({
  id: Type.Integer(),
  customer_id: Type.Integer(),
  status: OrderStatus,
  rental_start: Type.String({ format: 'date-time' }),
  rental_end: Type.String({ format: 'date-time' }),
  currency: Type.String(),
  total: Type.Integer(),
  deposit_total: Type.Integer(),
  lines: Type.Array(
    Type.Object({
      product_id: Type.Integer(),
      quantity: Type.Integer(),
      stock_item_ids: Type.Array(Type.Integer()),
    }),
  ),
  version: Type.Integer(),
});

type Verb = 'created' | 'updated' | 'deleted';
const VERBS: readonly Verb[] = ['created', 'updated', 'deleted'];
const CATALOG_VISIBILITY = 'everyone on staff who may read the rental catalog (`rentals:read`)';
const ORDER_VISIBILITY = 'staff (not viewers) who may read rental orders (`rentals:read`)';

function catalogEvents(
  entity: 'category' | 'product' | 'stock_item',
  subject: string,
  payload: TObject,
  label: string,
) {
  return Object.fromEntries(
    VERBS.map((verb) => [
      verb,
      defineEvent({
        type: `rental.${entity}_${verb}`,
        subject,
        description:
          verb === 'deleted'
            ? `A ${label} was deleted; the snapshot is its last state.`
            : `A ${label} was ${verb === 'created' ? 'created' : 'changed'}.`,
        payload,
        audience: 'all',
        visibility: CATALOG_VISIBILITY,
      }),
    ]),
  ) as Record<Verb, EventDefinition>;
}

const CATEGORY_EVENTS = catalogEvents(
  'category',
  'rental_category',
  Type.Object({ category: CategorySnapshot }),
  'rental category',
);
const PRODUCT_EVENTS = catalogEvents(
  'product',
  'rental_product',
  Type.Object({ product: ProductSnapshot }),
  'rental product',
);
const STOCK_ITEM_EVENTS = catalogEvents(
  'stock_item',
  'rental_stock_item',
  Type.Object({ stock_item: StockItemSnapshot }),
  'stock item (one serial-numbered unit)',
);

const orderEvent = (type: string, description: string, withFrom: boolean) =>
  defineEvent({
    type,
    subject: 'rental_order',
    description,
    payload: withFrom
      ? Type.Object({ order: OrderSnapshot, from: OrderStatus })
      : Type.Object({ order: OrderSnapshot }),
    audience: 'staff',
    visibility: ORDER_VISIBILITY,
  });

/** Order events by the status the order reached; `created` is its creation (as draft or reserved). */
const ORDER_EVENTS = {
  created: orderEvent('rental.order_created', 'An order was created, as a draft (quote) or reserved.', false),
  reserved: orderEvent('rental.order_reserved', 'A draft was reserved: its stock items are booked.', true),
  picked_up: orderEvent('rental.order_picked_up', 'The customer picked the order up.', true),
  returned: orderEvent('rental.order_returned', 'The order came back.', true),
  closed: orderEvent('rental.order_closed', 'The order was closed.', true),
  cancelled: orderEvent(
    'rental.order_cancelled',
    'The order was cancelled; its bookings are released.',
    true,
  ),
} as const;

/** The rentals module's event types, for the catalogue. */
export const rentalsEvents: EventDefinition[] = [
  ...Object.values(CATEGORY_EVENTS),
  ...Object.values(PRODUCT_EVENTS),
  ...Object.values(STOCK_ITEM_EVENTS),
  ...Object.values(ORDER_EVENTS),
];

const category = (row: RentalCategory) => ({
  category: { id: row.id, name: row.name, version: row.version },
});
const product = (row: RentalProduct) => ({
  product: {
    id: row.id,
    category_id: row.categoryId,
    name: row.name,
    sku: row.sku,
    currency: row.currency,
    hourly_rate: row.hourlyRate,
    daily_rate: row.dailyRate,
    weekly_rate: row.weeklyRate,
    deposit: row.deposit,
    active: row.active,
    version: row.version,
  },
});
const stockItem = (row: StockItem) => ({
  stock_item: {
    id: row.id,
    product_id: row.productId,
    serial_number: row.serialNumber,
    condition: row.condition,
    status: row.status,
    version: row.version,
  },
});

const CATALOG = {
  rental_category: { events: CATEGORY_EVENTS, snapshot: category },
  rental_product: { events: PRODUCT_EVENTS, snapshot: product },
  rental_stock_item: { events: STOCK_ITEM_EVENTS, snapshot: stockItem },
} as const;

export type CatalogResource = keyof typeof CATALOG;

/** Records a catalog change (category, product, stock item) in its transaction. */
export function recordCatalogChange(
  tx: Executor,
  ctx: RequestContext,
  resource: CatalogResource,
  verb: Verb,
  row: RentalCategory | RentalProduct | StockItem,
): Promise<void> {
  const { events, snapshot } = CATALOG[resource];
  return recordEvent(tx, ctx, events[verb], {
    subjectId: row.id,
    payload: (snapshot as (row: unknown) => Record<string, unknown>)(row),
  });
}

const orderSnapshot = (order: RentalOrder) => ({
  id: order.id,
  customer_id: order.customerId,
  status: order.status,
  rental_start: order.rentalStart.toISOString(),
  rental_end: order.rentalEnd.toISOString(),
  currency: order.currency,
  total: order.total,
  deposit_total: order.depositTotal,
  lines: order.lines.map((line) => ({
    product_id: line.productId,
    quantity: line.quantity,
    stock_item_ids: line.stockItemIds,
  })),
  version: order.version,
});

/** Records an order's creation, or its move from `from` to its current status, in its transaction. */
export function recordOrderChange(
  tx: Executor,
  ctx: RequestContext,
  order: RentalOrder,
  from?: RentalOrder['status'],
): Promise<void> {
  if (from === undefined)
    return recordEvent(tx, ctx, ORDER_EVENTS.created, {
      subjectId: order.id,
      payload: { order: orderSnapshot(order) },
    });
  if (order.status === 'draft') throw new Error('no order moves back to draft');
  return recordEvent(tx, ctx, ORDER_EVENTS[order.status], {
    subjectId: order.id,
    payload: { order: orderSnapshot(order), from },
  });
}
