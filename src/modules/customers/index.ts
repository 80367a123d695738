/**
 * Customers: people and organisations (with their contacts), their personal data
 * encrypted at rest under per-customer data keys, found by name (prefix, typos) and by
 * exact e-mail or phone through blind indexes. Other modules (a ticket's requester, a
 * rental's customer) store customer ids and read them through `getMany(ids)`,
 * `readableByIds(actor, ids)` (as that reader may see them) and `exists(id)`; an
 * importer finds duplicates with `findByEmail` / `findByPhone`.
 * See README.md beside this file and docs/customers.md.
 */
export { createCustomersService, type CustomersService } from './customers.service.ts';
export { customersPermissions } from './customers.policy.ts';
export { customersRoutesV1, type CustomersRouteOptions } from './customers.routes.v1.ts';
export { customersRoutesV2 } from './customers.routes.v2.ts';
export { presentCustomerV1, presentCustomerV2 } from './customers.presenters.ts';
export { CustomerIdRefV2, CustomerV1, CustomerV2 } from './customers.schemas.ts';
export { createCustomerVault, type Customer, type CustomerVault, type Address } from './customers.pii.ts';
export { customerKeysFrom, generateKeyLine, type CustomerKeys } from './customers.keyring.ts';
export { createKeyRotation, type KeyRotation, type RotationProgress } from './customers.rotation.ts';
export { createCustomersWelcomeJobs, queueWelcome, SEND_WELCOME } from './customers.welcome.ts';
export {
  createCustomerImporter,
  IMPORT_MODES as CUSTOMER_IMPORT_MODES,
  type CustomerImporter,
  type ImportMode as CustomerImportMode,
  type ImportOutcome as CustomerImportOutcome,
} from './customers.import.ts';
export { parseImport as parseCustomerImport } from './customers.import.parse.ts';
export { createCustomerImports, IMPORT_BATCH_SIZE, IMPORT_MAX_ROWS } from './customers.import.records.ts';
export { createCustomerImportJobs, RUN_CUSTOMER_IMPORT } from './customers.import.jobs.ts';
export { customerImportPermissions, customerImportRoutesV2 } from './customers.import.routes.ts';
export { seedCustomers } from './customers.seed.ts';
export { customersEvents } from './customers.events.ts';
export { createCustomerPrivacy, type CustomerLink, type CustomerPrivacy } from './customers.privacy.ts';
export { createCustomerMerge, type CustomerMerge } from './customers.merge.ts';
export { createDuplicateFinder, type DuplicateFinder } from './customers.duplicates.ts';
export { customerPrivacyRoutesV2 } from './customers.routes.v2.privacy.ts';
export type { CustomerInput } from './customers.validation.ts';
export type { CustomerKind, CustomerStatus } from './customers.tables.ts';
export { customersEventVisibility } from './customers.visibility.ts';
