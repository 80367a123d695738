import { DateTime } from 'luxon';
import type { RequestContext } from '../../platform/auth/actor.ts';
import type { CatalogService } from './rentals.catalog.service.ts';
import type { OrdersService } from './rentals.orders.service.ts';
import type { OrderTransition } from './rentals.state.ts';

const PRODUCTS = [
  {
    category: 'Camera gear',
    name: 'Cinema camera kit',
    sku: 'CAM-CINE-01',
    description: 'Body, two batteries, 2 x 256 GB cards, cage.',
    hourlyRate: 4500,
    dailyRate: 18000,
    weeklyRate: 72000,
    deposit: 150000,
    bufferAfterMinutes: 60,
    serials: ['CINE-0001', 'CINE-0002', 'CINE-0003'],
  },
  {
    category: 'Camera gear',
    name: 'Prime lens set',
    sku: 'LENS-PRIME-5',
    description: '24/35/50/85/135 mm.',
    hourlyRate: null,
    dailyRate: 9000,
    weeklyRate: 36000,
    deposit: 80000,
    bufferAfterMinutes: 30,
    serials: ['PRIME-A', 'PRIME-B', 'PRIME-C'],
  },
  {
    category: 'Lighting',
    name: 'LED panel 1x1',
    sku: 'LIGHT-LED-11',
    description: 'Bi-colour, V-mount.',
    hourlyRate: 800,
    dailyRate: 3500,
    weeklyRate: 14000,
    deposit: 20000,
    bufferAfterMinutes: 0,
    serials: ['LED-01', 'LED-02', 'LED-03', 'LED-04'],
  },
  {
    category: 'Sound',
    name: 'Wireless lavalier pair',
    sku: 'SND-LAV-2',
    description: 'Two transmitters, one receiver, windshields.',
    hourlyRate: null,
    dailyRate: 2500,
    weeklyRate: 10000,
    deposit: 15000,
    bufferAfterMinutes: 15,
    serials: ['LAV-01', 'LAV-02'],
  },
];

/**
 * The demo shop's orders, by week from this one (Monday = day 0) and the path each took:
 * a closed and a returned one in the past, one out now and one overdue, reservations,
 * a draft quote and a cancellation. Only Mondays to Wednesdays: the office calendar's holidays are Thursdays and Fridays until 2027.
 */
const ORDERS: {
  product: number;
  quantity: number;
  start: [week: number, day: number];
  end: [week: number, day: number];
  path: OrderTransition[];
  status?: 'draft';
  notes: string;
}[] = [
  {
    product: 0,
    quantity: 1,
    start: [-4, 1],
    end: [-4, 2],
    path: ['pick_up', 'return', 'close'],
    notes: 'Music video',
  },
  {
    product: 2,
    quantity: 2,
    start: [-2, 1],
    end: [-2, 2],
    path: ['pick_up', 'return'],
    notes: 'Interview set-up',
  },
  {
    product: 1,
    quantity: 1,
    start: [-1, 1],
    end: [1, 2],
    path: ['pick_up'],
    notes: 'Documentary, two weeks',
  },
  {
    product: 3,
    quantity: 1,
    start: [-1, 0],
    end: [-1, 2],
    path: ['pick_up'],
    notes: 'Wedding; not back yet',
  },
  { product: 0, quantity: 1, start: [2, 1], end: [2, 2], path: [], notes: 'Demo shoot' },
  { product: 2, quantity: 1, start: [1, 2], end: [1, 3], path: [], notes: 'Product photos' },
  {
    product: 1,
    quantity: 1,
    start: [3, 1],
    end: [3, 2],
    path: [],
    status: 'draft',
    notes: 'Quote for a feature',
  },
  { product: 3, quantity: 2, start: [2, 2], end: [2, 2], path: ['cancel'], notes: 'Podcast; cancelled' },
];

export interface RentalsSeedServices {
  catalog: CatalogService;
  orders: OrdersService;
  /** The orders service on another clock, to book rentals that began in the past. */
  ordersAt: (clock: () => Date) => OrdersService;
}

/**
 * A small rental shop for the demo: categories, products on the given business
 * calendar with stock (one unit in maintenance), and orders in every status, taken at
 * the desk by `desk` (the staff member their reminders go to).
 */
export async function seedRentals(
  { catalog, orders, ordersAt }: RentalsSeedServices,
  ctx: RequestContext,
  desk: RequestContext,
  calendarId: number,
  customerIds: number[],
): Promise<void> {
  const categories = new Map<string, number>();
  const productIds: number[] = [];
  for (const { category, serials, ...product } of PRODUCTS) {
    if (!categories.has(category))
      categories.set(category, (await catalog.createCategory(ctx, { name: category })).id);
    const created = await catalog.createProduct(ctx, {
      ...product,
      currency: 'EUR',
      categoryId: categories.get(category),
      calendarId,
      bufferBeforeMinutes: 30,
      lateFeeUnit: 'day',
      lateFeeAmount: product.dailyRate,
    });
    productIds.push(created.id);
    for (const serialNumber of serials) await catalog.createStockItem(ctx, created.id, { serialNumber });
  }
  const [lights] = await catalog.stockItemsOf(productIds[2] ?? 0);
  if (lights)
    await catalog.updateStockItem(ctx, lights.productId, lights.id, {
      status: 'maintenance',
      condition: 'Fan noisy, sent for service',
    });

  const monday = DateTime.utc().startOf('week');
  const day = ([week, weekday]: [number, number]) => monday.plus({ weeks: week, days: weekday });
  for (const [index, order] of ORDERS.entries()) {
    const start = day(order.start);
    // Booked a week ahead of its start, on a clock of then: a past rental goes through the same rules.
    const bookedAt = start.minus({ weeks: 1 }).toJSDate();
    const created = await ordersAt(() => bookedAt).createOrder(desk, {
      customerId: customerIds[index % customerIds.length] ?? 0,
      rentalStart: start.toISODate(),
      rentalEnd: day(order.end).toISODate(),
      items: [{ productId: productIds[order.product] ?? 0, quantity: order.quantity }],
      discount: index === 4 ? { kind: 'percent', basisPoints: 500 } : null,
      taxRateBp: 1900,
      notes: order.notes,
      ...(order.status && { status: order.status }),
    });
    for (const step of order.path) await orders.transition(desk, created.id, step);
  }
}
