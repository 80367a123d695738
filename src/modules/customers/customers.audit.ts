import type { Customer } from './customers.pii.ts';

/**
 * What the audit log keeps of a customer: no personal values at all (names, e-mail,
 * phone, addresses, birth date, notes), only what classifies the record, so that
 * erasing a customer leaves an audit trail that needs no editing (it is append-only).
 * Which personal fields a change touched is recorded by name.
 */
export function customerAuditView(customer: Customer) {
  return {
    kind: customer.kind,
    status: customer.status,
    tags: customer.tags,
    owner_id: customer.ownerId,
    organisation_id: customer.organisationId,
    marketing_consent: customer.marketingConsent,
    marketing_consent_source: customer.marketingConsentSource,
    version: customer.version,
  };
}

const TRACKED = {
  first_name: (c: Customer) => c.firstName,
  last_name: (c: Customer) => c.lastName,
  company: (c: Customer) => c.company,
  email: (c: Customer) => c.email,
  phone: (c: Customer) => c.phone,
  addresses: (c: Customer) => JSON.stringify(c.addresses),
  date_of_birth: (c: Customer) => c.dateOfBirth,
  notes: (c: Customer) => c.notes,
  kind: (c: Customer) => c.kind,
  status: (c: Customer) => c.status,
  tags: (c: Customer) => JSON.stringify(c.tags),
  owner_id: (c: Customer) => c.ownerId,
  organisation_id: (c: Customer) => c.organisationId,
  marketing_consent: (c: Customer) => c.marketingConsent,
} as const;

const EMPTY_VALUES: unknown[] = [null, '', '[]', false];

/** The wire names of the fields that differ (on create: those given a value). */
export function changedFields(before: Customer | undefined, after: Customer): string[] {
  return Object.entries(TRACKED)
    .filter(([, read]) => (before ? read(before) !== read(after) : !EMPTY_VALUES.includes(read(after))))
    .map(([name]) => name);
}
