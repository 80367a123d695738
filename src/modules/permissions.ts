import type { PermissionGrants } from '../platform/auth/policy.ts';
import { realtimePermissions } from '../platform/realtime/index.ts';
import { auditPermissions } from './audit/index.ts';
import { calendarsPermissions } from './calendars/index.ts';
import { customerImportPermissions, customersPermissions } from './customers/index.ts';
import { identityPermissions } from './identity/index.ts';
import { mailPermissions, notificationsPermissions } from './notifications/index.ts';
import { rentalsPermissions } from './rentals/index.ts';
import { reportsPermissions } from './reports/index.ts';
import { revalidationPermissions } from './revalidation/index.ts';
import { sitesPermissions } from './sites/index.ts';
import { slaPermissions } from './sla/index.ts';
import { ticketsPermissions } from './tickets/index.ts';
import { webhooksPermissions } from './webhooks/index.ts';
import { workflowAdminPermissions } from './workflows/index.ts';
import { workforcePermissions } from './workforce/index.ts';

/** Every module's permission grants: createServices builds the one policy from them all. */
export const permissionGrants: PermissionGrants[] = [
  realtimePermissions,
  auditPermissions,
  identityPermissions,
  sitesPermissions,
  calendarsPermissions,
  notificationsPermissions,
  mailPermissions,
  ticketsPermissions,
  workflowAdminPermissions,
  slaPermissions,
  reportsPermissions,
  workforcePermissions,
  customersPermissions,
  customerImportPermissions,
  webhooksPermissions,
  revalidationPermissions,
  rentalsPermissions,
];
