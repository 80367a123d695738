/**
 * Audit: the append-only trail of every change. Other modules call `record()` inside
 * their write transaction; admins read the trail at `/api/v2/audit-log`.
 */
export { createAuditService, type AuditService, type AuditRecord } from './audit.service.ts';
export { auditPermissions } from './audit.policy.ts';
export { auditRoutesV2, presentAuditEntry } from './audit.routes.ts';
export { AuditEntrySchema } from './audit.schemas.ts';
export type { AuditEntry } from './audit.tables.ts';
