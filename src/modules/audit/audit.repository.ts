import { and, count, eq, type SQL } from 'drizzle-orm';
import type { Executor } from '../../platform/db/client.ts';
import { defineList } from '../../platform/http/query.ts';
import { auditLog, type AuditEntry } from './audit.tables.ts';

export const auditList = defineList({
  id: auditLog.id,
  filters: {
    resource_type: { column: auditLog.resourceType, type: 'string' },
    resource_id: { column: auditLog.resourceId, type: 'string' },
    actor: { column: auditLog.actorId, type: 'integer', description: 'User id of the actor.' },
    action: { column: auditLog.action, type: 'string' },
    request_id: { column: auditLog.requestId, type: 'string' },
  },
  search: [auditLog.action, auditLog.actorLabel],
  sort: { id: { column: auditLog.id }, at: { column: auditLog.at } },
  defaultSort: '-id',
});

export function insertEntry(executor: Executor, entry: typeof auditLog.$inferInsert): Promise<unknown> {
  return executor.insert(auditLog).values(entry);
}

export function listEntries(
  executor: Executor,
  where: SQL | undefined,
  orderBy: SQL[],
  limit: number,
  offset: number,
): Promise<AuditEntry[]> {
  return executor
    .select()
    .from(auditLog)
    .where(where)
    .orderBy(...orderBy)
    .limit(limit)
    .offset(offset);
}

export async function countEntries(executor: Executor, where: SQL | undefined): Promise<number> {
  const [row] = await executor.select({ value: count() }).from(auditLog).where(where);
  return row?.value ?? 0;
}

export function entriesOf(
  executor: Executor,
  resourceType: string,
  resourceId: string,
): Promise<AuditEntry[]> {
  return executor
    .select()
    .from(auditLog)
    .where(and(eq(auditLog.resourceType, resourceType), eq(auditLog.resourceId, resourceId)))
    .orderBy(auditLog.id);
}
