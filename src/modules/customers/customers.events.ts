import { Type } from '@sinclair/typebox';
import type { RequestContext } from '../../platform/auth/actor.ts';
import type { Executor } from '../../platform/db/client.ts';
import { defaultTags, defineEvent, recordEvent, recordEvents } from '../../platform/events/index.ts';
import type { Customer } from './customers.pii.ts';

const nullableInt = Type.Union([Type.Integer(), Type.Null()]);

/** What an event says of a customer: ids and classification, never a personal value (names included). */
const CustomerSnapshot = Type.Object({
  id: Type.Integer(),
  kind: Type.String(),
  status: Type.String(),
  organisation_id: nullableInt,
  owner_id: nullableInt,
  version: Type.Integer(),
});

const Fields = Type.Array(Type.String(), {
  description: 'Wire names of the fields set or changed; never their values.',
});

const visibility = 'staff (not viewers); payloads carry ids and field names, no personal data';

const customerCreated = defineEvent({
  type: 'customer.created',
  subject: 'customer',
  description: 'A customer (or an organisation contact) was created; `fields` names those given a value.',
  payload: Type.Object({ customer: CustomerSnapshot, fields: Fields }),
  audience: 'staff',
  visibility,
});

const customerUpdated = defineEvent({
  type: 'customer.updated',
  subject: 'customer',
  description:
    'A customer changed (marketing consent included); `fields` names what changed, never the values.',
  payload: Type.Object({ customer: CustomerSnapshot, fields: Fields }),
  audience: 'staff',
  visibility,
});

const customerDeleted = defineEvent({
  type: 'customer.deleted',
  subject: 'customer',
  description: "A customer was deleted; an organisation's contacts stay, unlinked.",
  payload: Type.Object({ customer: CustomerSnapshot }),
  audience: 'staff',
  visibility,
});

const customerErased = defineEvent({
  type: 'customer.erased',
  subject: 'customer',
  description:
    'A customer was erased: their personal fields destroyed (data key deleted), the id and its links kept.',
  payload: Type.Object({ customer: CustomerSnapshot, fields: Fields }),
  audience: 'staff',
  visibility,
});

const customerMerged = defineEvent({
  type: 'customer.merged',
  subject: 'customer',
  description:
    'A duplicate was merged into this customer: its tickets, rental orders, contacts and tags moved here, and it was deleted (`GET` of its id answers where it went).',
  payload: Type.Object({
    customer: CustomerSnapshot,
    duplicate_id: Type.Integer(),
    moved: Type.Record(Type.String(), Type.Integer(), {
      description: 'How many records moved, by kind (tickets, rental_orders, contacts).',
    }),
    fields: Fields,
  }),
  audience: 'staff',
  visibility,
  // What showed the duplicate (a ticket's requester) is stale too: it points at the survivor now.
  tags: (payload, subjectId) => [
    ...defaultTags('customer', subjectId),
    ...defaultTags('customer', String(payload.duplicate_id)),
  ],
});

/** The customers module's event types, for the catalogue. */
export const customersEvents = [
  customerCreated,
  customerUpdated,
  customerDeleted,
  customerErased,
  customerMerged,
];

const snapshotOf = (customer: Customer) => ({
  id: customer.id,
  kind: customer.kind,
  status: customer.status,
  organisation_id: customer.organisationId,
  owner_id: customer.ownerId,
  version: customer.version,
});

const DEFINITIONS = { created: customerCreated, updated: customerUpdated, erased: customerErased };

/** Records a create, update or erasure in its transaction, with the names of the fields concerned. */
export function recordCustomerChange(
  tx: Executor,
  ctx: RequestContext,
  verb: keyof typeof DEFINITIONS,
  customer: Customer,
  fields: string[],
): Promise<void> {
  return recordEvent(tx, ctx, DEFINITIONS[verb], {
    subjectId: customer.id,
    payload: { customer: snapshotOf(customer), fields },
  });
}

/** Records the creation of many customers (an import's batch) in one statement. */
export function recordCustomersCreated(
  tx: Executor,
  ctx: RequestContext,
  created: readonly { customer: Customer; fields: string[] }[],
): Promise<void> {
  return recordEvents(
    tx,
    ctx,
    customerCreated,
    created.map(({ customer, fields }) => ({
      subjectId: customer.id,
      payload: { customer: snapshotOf(customer), fields },
    })),
  );
}

export function recordCustomerDeleted(tx: Executor, ctx: RequestContext, customer: Customer): Promise<void> {
  return recordEvent(tx, ctx, customerDeleted, {
    subjectId: customer.id,
    payload: { customer: snapshotOf(customer) },
  });
}

export function recordCustomerMerged(
  tx: Executor,
  ctx: RequestContext,
  survivor: Customer,
  duplicateId: number,
  moved: Record<string, number>,
  fields: string[],
): Promise<void> {
  return recordEvent(tx, ctx, customerMerged, {
    subjectId: survivor.id,
    payload: { customer: snapshotOf(survivor), duplicate_id: duplicateId, moved, fields },
  });
}
