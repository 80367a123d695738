/**
 * Rentals: the catalog (categories, products with rates, buffers and rules, stock
 * items), availability over a period, and orders whose stock is held by bookings that
 * a database exclusion constraint keeps from ever overlapping. Money is integer minor
 * units (rentals.pricing.ts). See docs/rentals.md.
 */
export { createCatalogService, type CatalogService } from './rentals.catalog.service.ts';
export { catalogRoutesV1, type CatalogRouteOptions } from './rentals.catalog.routes.v1.ts';
export { catalogRoutesV2 } from './rentals.catalog.routes.v2.ts';
export { createAvailability, type AvailabilityService } from './rentals.availability.ts';
export { availabilityRoutesV1, availabilityRoutesV2 } from './rentals.availability.routes.ts';
export { createOrdersService, type OrdersService, type RentalOrder } from './rentals.orders.service.ts';
export { ordersRoutesV1, ordersRoutesV2 } from './rentals.orders.routes.ts';
export { seedRentals } from './rentals.seed.ts';
export { rentalsPermissions } from './rentals.policy.ts';
export type { OrderStatus, RentalProduct, StockItem, StockStatus } from './rentals.tables.ts';
export { rentalCustomerLinks } from './rentals.customers.ts';
