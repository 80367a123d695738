import { eq } from 'drizzle-orm';
import type { Actor, RequestContext } from '../../platform/auth/actor.ts';
import type { Policy } from '../../platform/auth/policy.ts';
import type { Database, Executor } from '../../platform/db/client.ts';
import type { Page } from '../../platform/db/list.ts';
import { commonErrors, fieldError } from '../../platform/http/errors.ts';
import type { AuditService } from '../audit/index.ts';
import type { IdentityService } from '../identity/index.ts';
import { changedFields, customerAuditView } from './customers.audit.ts';
import { customersErrors } from './customers.errors.ts';
import { recordCustomerChange, recordCustomerDeleted } from './customers.events.ts';
import { createCustomerListing, type CustomerQuery } from './customers.listing.ts';
import { customerOf, type Customer, type CustomerPii, type CustomerVault } from './customers.pii.ts';
import { customerViewFor } from './customers.policy.ts';
import { survivorOf } from './customers.privacy.repository.ts';
import * as repository from './customers.repository.ts';
import { customers, type CustomerRow, type NewCustomerRow } from './customers.tables.ts';
import { validatedInput, type CustomerInput } from './customers.validation.ts';

export interface CustomersDeps {
  db: Database;
  audit: Pick<AuditService, 'record'>;
  identity: Pick<IdentityService, 'peopleByUserIds'>;
  vault: CustomerVault;
  /** Runs in a create's transaction once the customer exists (the welcome e-mail is queued there). */
  onCreated?: (tx: Executor, customer: Customer) => Promise<unknown>;
  /** Who sees e-mail and phone in clear (`customers:pii`). */
  policy: Pick<Policy, 'can'>;
  now?: () => Date;
}

const DEFAULT_CONSENT_SOURCE = 'api';

/** The clear columns an input sets (PII goes through the vault). */
function clearColumns(
  input: CustomerInput,
  before: Customer | undefined,
  now: Date,
): Partial<NewCustomerRow> {
  const values: Partial<NewCustomerRow> = {
    kind: input.kind,
    firstName: input.firstName,
    lastName: input.lastName,
    company: input.company,
    organisationId: input.organisationId,
    status: input.status,
    tags: input.tags,
    ownerId: input.ownerId,
  };
  const current = before?.marketingConsent ?? false;
  if (input.marketingConsent !== undefined && input.marketingConsent !== current) {
    // The time and source of the latest grant or withdrawal.
    values.marketingConsent = input.marketingConsent;
    values.marketingConsentAt = now;
    values.marketingConsentSource = input.marketingConsentSource ?? DEFAULT_CONSENT_SOURCE;
  }
  return values;
}

const piiOf = (input: CustomerInput): Partial<CustomerPii> => ({
  email: input.email,
  phone: input.phone,
  addresses: input.addresses,
  dateOfBirth: input.dateOfBirth,
  notes: input.notes,
});

/**
 * Customers: people and organisations with their contacts. Every write runs in one
 * transaction with its audit row (no personal values in it: customers.audit.ts);
 * updates are optimistic (a stale version is a VERSION_CONFLICT carrying the current
 * customer). PII is sealed and opened by the vault; nothing else sees key material.
 */
export function createCustomersService({
  db,
  audit,
  identity,
  vault,
  onCreated,
  policy,
  now = () => new Date(),
}: CustomersDeps) {
  const listing = createCustomerListing(db, vault);
  const open = (row: CustomerRow) => customerOf(vault, row);

  /** Relations an input names must exist: the owner (a user) and the organisation (an organisation). */
  async function checkRelations(executor: Executor, input: CustomerInput, id?: number): Promise<void> {
    if (typeof input.ownerId === 'number') {
      const [owner] = await identity.peopleByUserIds([input.ownerId], executor);
      if (!owner) throw fieldError('owner_id', `Invalid pk "${input.ownerId}" - object does not exist.`);
    }
    if (typeof input.organisationId === 'number') {
      const organisation = await repository.customerById(executor, input.organisationId);
      if (!organisation || organisation.kind !== 'organisation' || organisation.id === id)
        throw fieldError('organisation_id', `Invalid pk "${input.organisationId}" - not an organisation.`);
    }
  }

  async function create(ctx: RequestContext, given: CustomerInput): Promise<Customer> {
    const input = validatedInput(given, true);
    return db.transaction(async (tx) => {
      await checkRelations(tx, input);
      const { dataKey, columns } = vault.newDataKey();
      const row = await repository.insertCustomer(tx, {
        ...clearColumns(input, undefined, now()),
        ...columns,
        ...vault.seal(dataKey, piiOf(input)),
      });
      const customer = open(row);
      const fieldsSet = changedFields(undefined, customer);
      await audit.record(tx, ctx, {
        action: 'customer.created',
        resourceType: 'customer',
        resourceId: row.id,
        after: { ...customerAuditView(customer), fields_set: fieldsSet },
      });
      await onCreated?.(tx, customer);
      await recordCustomerChange(tx, ctx, 'created', customer, fieldsSet);
      return customer;
    });
  }

  async function update(
    ctx: RequestContext,
    id: number,
    given: CustomerInput,
    expectedVersion?: number,
  ): Promise<Customer> {
    return db.transaction(async (tx) => {
      const beforeRow = await repository.customerById(tx, id, { lock: true });
      if (!beforeRow) throw customersErrors.CUSTOMERS_NOT_FOUND();
      if (beforeRow.erasedAt) throw customersErrors.CUSTOMERS_ERASED();
      const before = open(beforeRow);
      const input = validatedInput(given, false, before);
      await checkRelations(tx, input, id);
      if (input.kind === 'person' && before.kind === 'organisation') {
        const contacts = await repository.countCustomers(tx, eq(customers.organisationId, id));
        if (contacts > 0) throw customersErrors.CUSTOMERS_HAS_CONTACTS({ extra: { contacts } });
      }
      // An erased customer has no data key: new values get a new one.
      const existingKey = vault.dataKeyOf(beforeRow);
      const fresh = existingKey ? undefined : vault.newDataKey();
      const dataKey = existingKey ?? (fresh as NonNullable<typeof fresh>).dataKey;
      const row = await repository.updateCustomer(
        tx,
        id,
        { ...clearColumns(input, before, now()), ...fresh?.columns, ...vault.seal(dataKey, piiOf(input)) },
        expectedVersion,
      );
      if (!row) throw commonErrors.VERSION_CONFLICT({ extra: { current: before } });
      const after = open(row);
      const fieldsChanged = changedFields(before, after);
      await audit.record(tx, ctx, {
        action: 'customer.updated',
        resourceType: 'customer',
        resourceId: id,
        before: customerAuditView(before),
        after: { ...customerAuditView(after), fields_changed: fieldsChanged },
      });
      await recordCustomerChange(tx, ctx, 'updated', after, fieldsChanged);
      return after;
    });
  }

  return {
    create,
    update,

    list(query: CustomerQuery): Promise<Page<Customer>> {
      return listing.page(query);
    },

    all(query: CustomerQuery): AsyncIterable<Customer> {
      return listing.all(query);
    },

    /** One customer; the id of a merged one is a CUSTOMERS_MERGED naming the customer it went into. */
    async get(id: number): Promise<Customer> {
      const row = await repository.customerById(db, id);
      if (row) return open(row);
      const mergedInto = await survivorOf(db, id);
      if (mergedInto === undefined) throw customersErrors.CUSTOMERS_NOT_FOUND();
      throw customersErrors.CUSTOMERS_MERGED({ extra: { merged_into_id: mergedInto } });
    },

    /** How `actor` may see customers: e-mail and phone masked without `customers:pii`. */
    viewFor(actor: Actor): (customer: Customer) => Customer {
      return customerViewFor(policy, actor);
    },

    /**
     * Customers by id, decrypted, for modules that embed one (a ticket's requester, an
     * order's customer): one query for any number; missing ids are left out.
     */
    async getMany(ids: number[]): Promise<Customer[]> {
      return (await repository.customersByIds(db, [...new Set(ids)])).map(open);
    },

    /**
     * Customers by id as `actor` reads them one by one at GET /api/v2/customers/{id}, for
     * a module embedding them in a page: one query for any number, e-mail and phone masked
     * without `customers:pii`, missing ids left out. Null, with nothing read, for an actor
     * without `customers:read`: the embedder shows their ids only.
     */
    async readableByIds(actor: Actor, ids: number[]): Promise<Customer[] | null> {
      if (!policy.can(actor, 'customers:read')) return null;
      const view = customerViewFor(policy, actor);
      return (await repository.customersByIds(db, [...new Set(ids)])).map((row) => view(open(row)));
    },

    /** Whether a customer exists (a reference check before storing its id elsewhere). */
    async exists(id: number, executor: Executor = db): Promise<boolean> {
      return (await repository.existingIds(executor, [id])).length === 1;
    },

    /**
     * The customers whose e-mail or phone is exactly this (e-mail in any case, phone in
     * any spelling of the same number), through the blind indexes: duplicate detection.
     */
    findByEmail: (email: string): Promise<Customer[]> => listing.lookup('email', email),
    findByPhone: (phone: string): Promise<Customer[]> => listing.lookup('phone', phone),

    /** Deletes a customer; an organisation's contacts stay, unlinked (their ids in the audit entry). */
    async remove(ctx: RequestContext, id: number, expectedVersion?: number): Promise<void> {
      await db.transaction(async (tx) => {
        const beforeRow = await repository.customerById(tx, id, { lock: true });
        if (!beforeRow) throw customersErrors.CUSTOMERS_NOT_FOUND();
        const before = open(beforeRow);
        if (expectedVersion !== undefined && before.version !== expectedVersion)
          throw commonErrors.VERSION_CONFLICT({ extra: { current: before } });
        const unlinked = before.kind === 'organisation' ? await repository.unlinkContacts(tx, id) : [];
        await repository.deleteCustomer(tx, id);
        await audit.record(tx, ctx, {
          action: 'customer.deleted',
          resourceType: 'customer',
          resourceId: id,
          before: customerAuditView(before),
          after: unlinked.length > 0 ? { contacts_unlinked: unlinked } : undefined,
        });
        await recordCustomerDeleted(tx, ctx, before);
      });
    },

    /** An organisation's contacts (people linked to it), as a list with the usual filters. */
    async listContacts(organisationId: number, query: CustomerQuery): Promise<Page<Customer>> {
      await organisation(organisationId);
      return listing.page(query, eq(customers.organisationId, organisationId));
    },

    async *allContacts(organisationId: number, query: CustomerQuery): AsyncGenerator<Customer> {
      await organisation(organisationId);
      yield* listing.all(query, eq(customers.organisationId, organisationId));
    },

    /** Creates a person as a contact of the organisation. */
    async createContact(
      ctx: RequestContext,
      organisationId: number,
      input: CustomerInput,
    ): Promise<Customer> {
      await organisation(organisationId);
      return create(ctx, { ...input, kind: 'person', organisationId });
    },
  };

  async function organisation(id: number): Promise<CustomerRow> {
    const row = await repository.customerById(db, id);
    if (!row || row.kind !== 'organisation') throw customersErrors.CUSTOMERS_NOT_AN_ORGANISATION();
    return row;
  }
}

export type CustomersService = ReturnType<typeof createCustomersService>;
