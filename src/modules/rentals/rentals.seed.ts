import { DateTime } from 'luxon';
import type { RequestContext } from '../../platform/auth/actor.ts';
import type { CatalogService } from './rentals.catalog.service.ts';
import type { OrdersService } from './rentals.orders.service.ts';

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
    serials: ['PRIME-A', 'PRIME-B'],
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
];

/**
 * A small rental shop for the demo: categories, products on the given business
 * calendar with stock, one unit in maintenance, and one reserved order.
 */
export async function seedRentals(
  { catalog, orders }: { catalog: CatalogService; orders: OrdersService },
  ctx: RequestContext,
  calendarId: number,
  customerId: number,
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
  // Two weeks ahead, Tuesday to Wednesday: open days of the office calendar (its holidays fall on other weekdays).
  const tuesday = DateTime.utc().plus({ weeks: 2 }).startOf('week').plus({ days: 1 });
  await orders.createOrder(ctx, {
    customerId,
    rentalStart: tuesday.toISODate(),
    rentalEnd: tuesday.plus({ days: 1 }).toISODate(),
    items: [
      { productId: productIds[0] ?? 0, quantity: 1 },
      { productId: productIds[1] ?? 0, quantity: 1 },
    ],
    discount: { kind: 'percent', basisPoints: 500 },
    taxRateBp: 1900,
    notes: 'Demo shoot',
  });
}
