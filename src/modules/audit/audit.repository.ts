import { and, count, eq, sql, type SQL } from 'drizzle-orm';
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

/**
 * Many entries in one statement: one array parameter per column (`unnest`), so the text,
 * and with it the prepared statement, is the same whatever the number of rows.
 */
export async function insertEntries(
  executor: Executor,
  entries: (typeof auditLog.$inferInsert)[],
): Promise<void> {
  const column = <T>(pick: (entry: typeof auditLog.$inferInsert) => T) => sql.param(entries.map(pick));
  await executor.execute(sql`
    insert into ${auditLog} (actor_id, actor_label, action, resource_type, resource_id, before, after, request_id, ip, user_agent)
    select * from unnest(${column((e) => e.actorId ?? null)}::int[], ${column((e) => e.actorLabel)}::text[],
      ${column((e) => e.action)}::text[], ${column((e) => e.resourceType)}::text[], ${column((e) => e.resourceId)}::text[],
      ${column((e) => (e.before == null ? null : JSON.stringify(e.before)))}::jsonb[], ${column((e) => (e.after == null ? null : JSON.stringify(e.after)))}::jsonb[],
      ${column((e) => e.requestId ?? null)}::text[], ${column((e) => e.ip ?? null)}::text[], ${column((e) => e.userAgent ?? null)}::text[])`);
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
