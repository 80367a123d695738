import type { Actor } from '../../platform/auth/actor.ts';
import type { Customer, CustomersService } from '../customers/index.ts';
import type { TicketView } from './tickets.types.ts';

/** Where the requester customers come from: the customers module, as the caller may read them. */
export type RequesterCustomerSource = Pick<CustomersService, 'readableByIds'>;

/** A page's requester customers by id as the caller may read them; null when they may read none. */
export type RequesterCustomers = ReadonlyMap<number, Customer> | null;

/**
 * With `expand=requester_customer`, the requester customers of these tickets: one read
 * for the page whatever its size. Not expanded, nothing is read (and nothing decrypted).
 */
export async function requesterCustomersOf(
  source: RequesterCustomerSource,
  actor: Actor,
  expand: ReadonlySet<string>,
  views: readonly TicketView[],
): Promise<RequesterCustomers> {
  if (!expand.has('requester_customer')) return null;
  const ids = views.flatMap((view) => (view.requesterCustomerId === null ? [] : [view.requesterCustomerId]));
  if (ids.length === 0) return new Map();
  const customers = await source.readableByIds(actor, ids);
  return customers && new Map(customers.map((customer) => [customer.id, customer]));
}
