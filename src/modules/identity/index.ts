/**
 * Identity: users (roles admin | manager | agent | viewer, departments), profiles,
 * sessions, personal API tokens. Other modules embed people through
 * `peopleByUserIds()` and present them with `presentProfileV1` / `presentUserV2`;
 * flat exports join `peopleForExport()` / `departmentsForExport()` instead.
 */
export {
  createIdentityService,
  type IdentityService,
  type PersonInput,
  type PersonRef,
} from './identity.service.ts';
export { createIdentityJobs } from './identity.jobs.ts';
export { createAccountJobs, SEND_EMAIL_CHANGE, SEND_PASSWORD_RESET } from './identity.jobs.account.ts';
export { endAllCredentials } from './identity.credentials.ts';
export { relyingPartyOf } from './identity.passkeys.ts';
export { identityPermissions } from './identity.policy.ts';
export {
  identityRoutesRoot,
  identityRoutesV1,
  identityRoutesV2,
  type IdentityRouteOptions,
} from './identity.routes.ts';
export { departmentsForExport, peopleForExport } from './identity.export.ts';
export { presentProfileV1, presentUserV1, presentUserV2 } from './identity.presenters.ts';
export { ProfileV1, UserV1, UserV2 } from './identity.schemas.ts';
export type { Person, PublicUser } from './identity.repository.ts';
export type { Department, User } from './identity.tables.ts';
export { identityEvents } from './identity.events.ts';
export { identityEventVisibility } from './identity.visibility.ts';
