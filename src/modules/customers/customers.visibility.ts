import type { Policy } from '../../platform/auth/policy.ts';
import { visibleBy, type EventVisibilityRules } from '../../platform/realtime/index.ts';
import { customersEvents } from './customers.events.ts';

/**
 * Customer events carry ids and changed field names, never personal values, so whoever
 * may list customers (`customers:read`) may see them; the record itself is read through
 * the API, masked or not by the caller's `customers:pii`.
 */
export const customersEventVisibility = (deps: { policy: Pick<Policy, 'can'> }): EventVisibilityRules =>
  visibleBy(customersEvents, (actor) => deps.policy.can(actor, 'customers:read'));
