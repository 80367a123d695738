import {
  createCustomerImporter,
  createCustomerImports,
  createCustomerMerge,
  createCustomerPrivacy,
  createCustomersService,
  createCustomerVault,
  createDuplicateFinder,
  customerKeysFrom,
  queueWelcome,
  RUN_CUSTOMER_IMPORT,
} from './customers/index.ts';
import type { IdentityService } from './identity/index.ts';
import { rentalCustomerLinks } from './rentals/index.ts';
import type { Platform } from './services.platform.ts';
import type { ServiceSettings } from './services.ts';
import { ticketRequesterLinks } from './tickets/index.ts';

/** Customers, with their encrypted fields' vault, imports, privacy requests, merges and duplicates. */
export function wireCustomers(
  { db, audit, now, policy }: Platform,
  identity: IdentityService,
  settings: ServiceSettings,
) {
  const customerVault = createCustomerVault(customerKeysFrom(settings), settings.customerPhoneRegion);
  const customers = createCustomersService({
    db,
    audit,
    identity,
    vault: customerVault,
    policy,
    onCreated: queueWelcome,
    now,
  });
  const customerImporter = createCustomerImporter({
    db,
    audit,
    identity,
    vault: customerVault,
    phoneRegion: settings.customerPhoneRegion,
    now,
  });
  const customerImports = createCustomerImports({
    db,
    vault: customerVault,
    runImport: customerImporter,
    job: RUN_CUSTOMER_IMPORT,
  });
  // The records of other modules that point at a customer: exported with them, moved by a merge.
  const customerLinks = [ticketRequesterLinks, rentalCustomerLinks];
  const customerPrivacy = createCustomerPrivacy({
    db,
    audit,
    vault: customerVault,
    links: customerLinks,
    now,
  });
  const customerMerge = createCustomerMerge({ db, audit, vault: customerVault, links: customerLinks });
  const customerDuplicates = createDuplicateFinder(db, customerVault);
  return {
    customerVault,
    customers,
    customerImporter,
    customerImports,
    customerPrivacy,
    customerMerge,
    customerDuplicates,
  };
}
