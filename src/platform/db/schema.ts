/**
 * Every table of every module, for drizzle-kit and typed relational queries. Modules
 * own their tables (`<module>.tables.ts`); this file only gathers them.
 */
export * from '../../modules/audit/audit.tables.ts';
export * from '../../modules/identity/identity.tables.ts';
export * from '../../modules/identity/identity.tables.mfa.ts';
export * from '../../modules/identity/identity.oidc.tables.ts';
export * from '../../modules/identity/identity.tables.passkeys.ts';
export * from '../../modules/identity/identity.tables.jwt.ts';
export * from '../../modules/sites/sites.tables.ts';
export * from '../http/idempotency.tables.ts';
export * from '../../modules/tickets/tickets.tables.ts';
export * from '../../modules/workforce/workforce.tables.ts';
export * from '../cache/generations.tables.ts';
export * from '../../modules/calendars/calendars.tables.ts';
export * from '../../modules/workflows/workflows.tables.ts';
export * from '../../modules/sla/sla.tables.ts';
export * from '../../modules/notifications/notifications.tables.ts';
export * from '../../modules/customers/customers.tables.ts';
export * from '../../modules/customers/customers.jobs.tables.ts';
export * from '../events/events.tables.ts';
export * from '../../modules/webhooks/webhooks.tables.ts';
export * from '../../modules/rentals/rentals.tables.ts';
export * from '../../modules/rentals/rentals.payments.tables.ts';
export * from '../../modules/rentals/rentals.checkout.tables.ts';
export * from '../../modules/revalidation/revalidation.tables.ts';
