import { asc, eq } from 'drizzle-orm';
import type { RequestContext } from '../../platform/auth/actor.ts';
import type { Database, Executor } from '../../platform/db/client.ts';
import { forgetStoredResponses } from '../../platform/http/idempotency.ts';
import type { AuditEntry, AuditService } from '../audit/index.ts';
import { changedFields, customerAuditView } from './customers.audit.ts';
import { customersErrors } from './customers.errors.ts';
import { recordCustomerChange } from './customers.events.ts';
import { customerOf, type Customer, type CustomerVault } from './customers.pii.ts';
import * as privacyRepository from './customers.privacy.repository.ts';
import * as repository from './customers.repository.ts';
import { customers } from './customers.tables.ts';

/**
 * Records of other modules that point at a customer (a ticket's requester, a rental
 * order's customer). The owning module provides them (src/modules/services.customers.ts wires them),
 * so this module never reads their tables.
 */
export interface CustomerLink {
  /** The key the privacy export lists these records under (`tickets`, `rental_orders`). */
  name: string;
  /** The customer's records as plain JSON. */
  of(executor: Executor, customerId: number): Promise<Record<string, unknown>[]>;
  /** Points every record of `fromId` at `toId` in the caller's transaction; answers their ids. */
  move(tx: Executor, fromId: number, toId: number): Promise<number[]>;
  /** Runs once a move has committed (cache generations). */
  afterMove?(db: Database): Promise<void>;
}

export interface ConsentChange {
  granted: boolean;
  at: Date;
  source: string | null;
}

/** Everything held about a customer (docs/customers.md, "Privacy operations"). */
export interface PrivacyExport {
  customer: Customer;
  erasedAt: Date | null;
  mergedFrom: number[];
  contacts: Customer[];
  consentHistory: ConsentChange[];
  records: Record<string, Record<string, unknown>[]>;
  audit: AuditEntry[];
}

export interface CustomerPrivacyDeps {
  db: Database;
  audit: Pick<AuditService, 'record' | 'historyOf'>;
  vault: CustomerVault;
  links: readonly CustomerLink[];
  now?: () => Date;
}

const MAX_CONTACTS = 10_000;

/** The names an erased customer keeps: a placeholder, nothing of the person. */
const placeholderOf = (kind: Customer['kind']) =>
  kind === 'organisation'
    ? { firstName: '', lastName: '', company: 'Erased organisation' }
    : { firstName: 'Erased', lastName: 'customer', company: '' };

type AuditSide = Record<string, unknown> | null;

/** The grants and withdrawals of marketing consent, oldest first, from the audit trail (it keeps consent, not PII). */
function consentHistoryOf(entries: AuditEntry[]): ConsentChange[] {
  return entries.flatMap((entry) => {
    const before = entry.before as AuditSide;
    const after = entry.after as AuditSide;
    const granted = after?.marketing_consent;
    if (typeof granted !== 'boolean' || granted === (before?.marketing_consent ?? false)) return [];
    const source = after?.marketing_consent_source;
    return [{ granted, at: entry.at, source: typeof source === 'string' ? source : null }];
  });
}

/**
 * The privacy operations: export everything held about a customer, and erase them.
 * Erasure is crypto-shredding: the customer's data key is destroyed with every
 * ciphertext and blind index, so no copy of the database made afterwards can yield
 * their personal fields, even with the key ring; their id stays, so tickets and orders
 * keep pointing at it, and the audit trail (which never held personal values) stays as
 * it is, with one more entry saying an erasure happened.
 */
export function createCustomerPrivacy({
  db,
  audit,
  vault,
  links,
  now = () => new Date(),
}: CustomerPrivacyDeps) {
  const open = (row: Parameters<typeof customerOf>[1]) => customerOf(vault, row);

  return {
    async erase(ctx: RequestContext, id: number): Promise<Customer> {
      return db.transaction(async (tx) => {
        const row = await repository.customerById(tx, id, { lock: true });
        if (!row) throw customersErrors.CUSTOMERS_NOT_FOUND();
        if (row.erasedAt) return open(row);
        const before = open(row);
        const destroyed = changedFields(undefined, before).filter(
          (field) => !['kind', 'status', 'tags', 'owner_id', 'organisation_id'].includes(field),
        );
        const after = open(await privacyRepository.eraseCustomer(tx, id, placeholderOf(before.kind), now()));
        await forgetStoredResponses(tx, `/api/v2/customers/${id}`);
        await privacyRepository.pruneSearchWords(
          tx,
          `${before.firstName} ${before.lastName} ${before.company}`,
        );
        await audit.record(tx, ctx, {
          action: 'customer.erased',
          resourceType: 'customer',
          resourceId: id,
          before: customerAuditView(before),
          after: { ...customerAuditView(after), fields_destroyed: destroyed },
        });
        await recordCustomerChange(tx, ctx, 'erased', after, destroyed);
        return after;
      });
    },

    /** Everything held about the customer; the read is audited (it reveals every personal field). */
    async exportOf(ctx: RequestContext, id: number): Promise<PrivacyExport> {
      const row = await repository.customerById(db, id);
      if (!row) throw customersErrors.CUSTOMERS_NOT_FOUND();
      const customer = open(row);
      const contacts =
        customer.kind === 'organisation'
          ? await repository.listCustomers(
              db,
              eq(customers.organisationId, id),
              [asc(customers.id)],
              MAX_CONTACTS,
              0,
            )
          : [];
      const records: Record<string, Record<string, unknown>[]> = {};
      for (const link of links) records[link.name] = await link.of(db, id);
      const trail = await audit.historyOf('customer', id);
      await audit.record(db, ctx, {
        action: 'customer.privacy_exported',
        resourceType: 'customer',
        resourceId: id,
        after: {
          records: Object.fromEntries(Object.entries(records).map(([name, list]) => [name, list.length])),
        },
      });
      return {
        customer,
        erasedAt: row.erasedAt,
        mergedFrom: await privacyRepository.mergedInto(db, id),
        contacts: contacts.map(open),
        consentHistory: consentHistoryOf(trail),
        records,
        audit: trail,
      };
    },
  };
}

export type CustomerPrivacy = ReturnType<typeof createCustomerPrivacy>;
