import type { RequestContext } from '../../platform/auth/actor.ts';
import type { Database } from '../../platform/db/client.ts';
import { fieldError } from '../../platform/http/errors.ts';
import type { AuditService } from '../audit/index.ts';
import { changedFields, customerAuditView } from './customers.audit.ts';
import { customersErrors } from './customers.errors.ts';
import { recordCustomerMerged } from './customers.events.ts';
import { customerOf, type Customer, type CustomerPii, type CustomerVault } from './customers.pii.ts';
import type { CustomerLink } from './customers.privacy.ts';
import * as privacyRepository from './customers.privacy.repository.ts';
import * as repository from './customers.repository.ts';
import type { NewCustomerRow } from './customers.tables.ts';

export interface CustomerMergeDeps {
  db: Database;
  audit: Pick<AuditService, 'record'>;
  vault: CustomerVault;
  links: readonly CustomerLink[];
}

/** The survivor's personal fields that are empty, filled from the duplicate's (the survivor's own values win). */
function filledFrom(survivor: Customer, duplicate: Customer): Partial<CustomerPii> {
  const fill: Partial<CustomerPii> = {};
  if (survivor.email === null && duplicate.email !== null) fill.email = duplicate.email;
  if (survivor.phone === null && duplicate.phone !== null) fill.phone = duplicate.phone;
  if (survivor.addresses.length === 0 && duplicate.addresses.length > 0) fill.addresses = duplicate.addresses;
  if (survivor.dateOfBirth === null && duplicate.dateOfBirth !== null)
    fill.dateOfBirth = duplicate.dateOfBirth;
  if (survivor.notes === '' && duplicate.notes !== '') fill.notes = duplicate.notes;
  return fill;
}

function clearFilledFrom(survivor: Customer, duplicate: Customer): Partial<NewCustomerRow> {
  return {
    firstName: survivor.firstName || duplicate.firstName,
    lastName: survivor.lastName || duplicate.lastName,
    company: survivor.company || duplicate.company,
    ownerId: survivor.ownerId ?? duplicate.ownerId,
    tags: [...new Set([...survivor.tags, ...duplicate.tags])],
  };
}

/**
 * Merges a duplicate into a survivor in one transaction: both rows locked in id order
 * (two merges of the same pair, either way round, queue rather than deadlock; the
 * second finds the duplicate gone), the duplicate's tickets, rental orders and contacts
 * pointed at the survivor, its tags added and the survivor's empty fields filled from
 * it; then the duplicate is deleted and `customer_merges` keeps the pointer. Audited on
 * both ids and emitted as `customer.merged`.
 */
export function createCustomerMerge({ db, audit, vault, links }: CustomerMergeDeps) {
  const open = (row: Parameters<typeof customerOf>[1]) => customerOf(vault, row);

  return async function merge(
    ctx: RequestContext,
    survivorId: number,
    duplicateId: number,
  ): Promise<Customer> {
    if (survivorId === duplicateId)
      throw fieldError('duplicate_id', 'A customer cannot be merged into itself.');
    const survivor = await db.transaction(async (tx) => {
      const rows = await privacyRepository.lockCustomers(tx, [survivorId, duplicateId]);
      const survivorRow = rows.find((row) => row.id === survivorId);
      const duplicateRow = rows.find((row) => row.id === duplicateId);
      if (!survivorRow) throw customersErrors.CUSTOMERS_NOT_FOUND();
      if (!duplicateRow)
        throw fieldError('duplicate_id', `Invalid pk "${duplicateId}" - object does not exist.`);
      if (survivorRow.erasedAt || duplicateRow.erasedAt) throw customersErrors.CUSTOMERS_ERASED();
      const before = open(survivorRow);
      const duplicate = open(duplicateRow);
      if (before.kind !== duplicate.kind)
        throw customersErrors.CUSTOMERS_MERGE_INVALID({
          message: 'A person and an organisation cannot be merged.',
        });
      if (before.organisationId === duplicate.id || duplicate.organisationId === before.id)
        throw customersErrors.CUSTOMERS_MERGE_INVALID({
          message: 'A contact cannot be merged with its organisation.',
        });

      const moved: Record<string, number> = {};
      const movedIds: Record<string, number[]> = {};
      for (const link of links) {
        movedIds[link.name] = await link.move(tx, duplicateId, survivorId);
      }
      movedIds.contacts = await privacyRepository.moveContacts(tx, duplicateId, survivorId);
      for (const [name, ids] of Object.entries(movedIds)) moved[name] = ids.length;

      // A customer erased of its key cannot be here (refused above): the survivor has its data key.
      const dataKey = vault.dataKeyOf(survivorRow);
      if (!dataKey) throw new Error(`customer ${survivorId} has no data key`);
      const updated = await repository.updateCustomer(tx, survivorId, {
        ...clearFilledFrom(before, duplicate),
        ...vault.seal(dataKey, filledFrom(before, duplicate)),
      });
      if (!updated) throw customersErrors.CUSTOMERS_NOT_FOUND();
      const after = open(updated);
      await privacyRepository.recordMerge(tx, duplicateId, survivorId);
      await repository.deleteCustomer(tx, duplicateId);

      const fields = changedFields(before, after);
      await audit.record(tx, ctx, {
        action: 'customer.merged',
        resourceType: 'customer',
        resourceId: survivorId,
        before: customerAuditView(before),
        after: {
          ...customerAuditView(after),
          duplicate_id: duplicateId,
          moved: movedIds,
          fields_changed: fields,
        },
      });
      await audit.record(tx, ctx, {
        action: 'customer.merged_into',
        resourceType: 'customer',
        resourceId: duplicateId,
        before: customerAuditView(duplicate),
        after: { survivor_id: survivorId },
      });
      await recordCustomerMerged(tx, ctx, after, duplicateId, moved, fields);
      return after;
    });
    for (const link of links) await link.afterMove?.(db);
    return survivor;
  };
}

export type CustomerMerge = ReturnType<typeof createCustomerMerge>;
