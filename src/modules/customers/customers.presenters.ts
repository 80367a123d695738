import type { Static } from '@sinclair/typebox';
import type { Customer } from './customers.pii.ts';
import type { CustomerV1, CustomerV2 } from './customers.schemas.ts';

export const displayName = (customer: Customer) =>
  customer.kind === 'organisation'
    ? customer.company
    : [customer.firstName, customer.lastName].filter(Boolean).join(' ');

const common = (customer: Customer) => ({
  id: customer.id,
  kind: customer.kind,
  first_name: customer.firstName,
  last_name: customer.lastName,
  company: customer.company,
  display_name: displayName(customer),
  email: customer.email,
  phone: customer.phone,
  addresses: customer.addresses,
  date_of_birth: customer.dateOfBirth,
  notes: customer.notes,
  tags: customer.tags,
  status: customer.status,
});

export const presentCustomerV1 = (customer: Customer): Static<typeof CustomerV1> => ({
  ...common(customer),
  organisation: customer.organisationId,
  owner: customer.ownerId,
  marketing_consent: customer.marketingConsent,
  marketing_consent_at: customer.marketingConsentAt?.toISOString() ?? null,
  marketing_consent_source: customer.marketingConsentSource,
  version: customer.version,
  created_at: customer.createdAt.toISOString(),
  updated_at: customer.updatedAt.toISOString(),
});

export const presentCustomerV2 = (customer: Customer): Static<typeof CustomerV2> => ({
  ...common(customer),
  organisation_id: customer.organisationId,
  owner_id: customer.ownerId,
  marketing_consent: {
    granted: customer.marketingConsent,
    at: customer.marketingConsentAt?.toISOString() ?? null,
    source: customer.marketingConsentSource,
  },
  version: customer.version,
  created_at: customer.createdAt.toISOString(),
  updated_at: customer.updatedAt.toISOString(),
});
