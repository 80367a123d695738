/**
 * Rentals: the catalog (categories, products with rates, buffers and rules, stock
 * items), availability over a period, and orders whose stock is held by bookings that
 * a database exclusion constraint keeps from ever overlapping. Money is integer minor
 * units (rentals.pricing.ts). See docs/rentals.md.
 */
export { createCatalogService, type CatalogService } from './rentals.catalog.service.ts';
export { catalogRoutesV1 } from './rentals.catalog.routes.v1.ts';
export type { CatalogRouteOptions } from './rentals.catalog.routes.ts';
export { catalogRoutesV2 } from './rentals.catalog.routes.v2.ts';
export { createAvailability, type AvailabilityService } from './rentals.availability.ts';
export { availabilityRoutesV1, availabilityRoutesV2 } from './rentals.availability.routes.ts';
export { createOrdersService, type OrdersService, type RentalOrder } from './rentals.orders.service.ts';
export { ordersRoutesV1, ordersRoutesV2 } from './rentals.orders.routes.ts';
export { createPaymentsService, type PaymentsService } from './rentals.payments.service.ts';
export { createCardWebhooks, type CardWebhooks } from './rentals.payments.webhooks.ts';
export { paymentsRoutesV2 } from './rentals.payments.routes.ts';
export { rentalPaymentEvents } from './rentals.payments.events.ts';
export { createCheckoutService, type CheckoutService } from './rentals.checkout.service.ts';
export { checkoutRoutesV2 } from './rentals.checkout.routes.ts';
export { rentalCheckoutEvents } from './rentals.checkout.events.ts';
export { createOrderEditing, type OrderEditing } from './rentals.orders.edit.ts';
export { orderEditRoutesV2 } from './rentals.orders.edit.routes.ts';
export { seedRentals } from './rentals.seed.ts';
export { rentalsPermissions } from './rentals.policy.ts';
export { rentalsEvents } from './rentals.events.ts';
export { createReminders, type Reminders } from './rentals.reminders.ts';
export { createRentalsJobs } from './rentals.reminders.jobs.ts';
export { outstandingBalance } from './rentals.balance.ts';
export { createRentalsReports, type HealthSummary, type RentalsReports } from './rentals.dashboard.ts';
export { rentalsReportsRoutesV2 } from './rentals.dashboard.routes.ts';
export type { OrderStatus, RentalProduct, StockItem, StockStatus } from './rentals.tables.ts';
export { rentalCustomerLinks } from './rentals.customers.ts';
export { rentalsEventVisibility } from './rentals.visibility.ts';
