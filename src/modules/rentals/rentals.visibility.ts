import type { Policy } from '../../platform/auth/policy.ts';
import { visibleBy, type EventVisibilityRules } from '../../platform/realtime/index.ts';
import { rentalCheckoutEvents } from './rentals.checkout.events.ts';
import { rentalsEvents } from './rentals.events.ts';
import { rentalPaymentEvents } from './rentals.payments.events.ts';

/**
 * Rental events as the rentals routes show their objects: catalog, orders, handovers and
 * an order's payments to whoever reads rentals (`rentals:read`, the desk).
 */
export const rentalsEventVisibility = (deps: { policy: Pick<Policy, 'can'> }): EventVisibilityRules =>
  visibleBy([...rentalsEvents, ...rentalPaymentEvents, ...rentalCheckoutEvents], (actor) =>
    deps.policy.can(actor, 'rentals:read'),
  );
