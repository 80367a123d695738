import { sql } from 'drizzle-orm';
import type { Executor } from '../../platform/db/client.ts';
import { tickets, type NewTicket, type TicketKind } from './tickets.tables.ts';

// Many tickets at once (imports): one statement each, whatever the number of tickets.

/**
 * Inserts tickets with the next numbers of their kinds, in order: one array parameter
 * per column (`unnest`), so the text, and its prepared statement, is the same for every
 * batch. Answers the new ids in the order of `values` (serial ids are drawn in row order).
 */
export async function insertTickets(
  executor: Executor,
  values: (Omit<NewTicket, 'number'> & { kind: TicketKind })[],
): Promise<number[]> {
  if (values.length === 0) return [];
  const column = <T>(pick: (row: (typeof values)[number]) => T) => sql.param(values.map(pick));
  const { rows } = await executor.execute<{ id: number }>(sql`
    insert into ${tickets} (kind, number, title, description, status, priority, incident_type_id, category_id,
      subcategory_id, service_type, department_id, facility_id, reporter_id, assignee_id, due_date)
    select v.kind, nextval(case v.kind when 'incident' then 'ticket_numbers_incident' else 'ticket_numbers_service' end),
      v.title, v.description, v.status, v.priority, v.incident_type_id, v.category_id, v.subcategory_id, v.service_type,
      v.department_id, v.facility_id, v.reporter_id, v.assignee_id, v.due_date
    from unnest(${column((r) => r.kind)}::text[], ${column((r) => r.title)}::text[], ${column((r) => r.description ?? '')}::text[],
      ${column((r) => r.status ?? 'open')}::text[], ${column((r) => r.priority ?? 'medium')}::text[],
      ${column((r) => r.incidentTypeId ?? null)}::int[], ${column((r) => r.categoryId ?? null)}::int[],
      ${column((r) => r.subcategoryId ?? null)}::int[], ${column((r) => r.serviceType ?? null)}::text[],
      ${column((r) => r.departmentId ?? null)}::int[], ${column((r) => r.facilityId ?? null)}::int[],
      ${column((r) => r.reporterId ?? null)}::int[], ${column((r) => r.assigneeId ?? null)}::int[],
      ${column((r) => r.dueDate ?? null)}::date[])
      as v(kind, title, description, status, priority, incident_type_id, category_id, subcategory_id, service_type,
        department_id, facility_id, reporter_id, assignee_id, due_date)
    returning id`);
  return rows.map((row) => row.id).sort((a, b) => a - b);
}

/** Sets the assignee of many tickets (version and update time move as in `updateTicket`). */
export async function assignTickets(
  executor: Executor,
  changes: { id: number; assigneeId: number | null }[],
  at: Date,
): Promise<void> {
  if (changes.length === 0) return;
  await executor.execute(sql`
    update ${tickets} as t set assignee_id = v.assignee_id, version = t.version + 1, updated_at = ${at}
    from unnest(${sql.param(changes.map((change) => change.id))}::int[],
      ${sql.param(changes.map((change) => change.assigneeId))}::int[]) as v(id, assignee_id)
    where t.id = v.id`);
}
