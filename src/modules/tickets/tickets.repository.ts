import { and, asc, count, eq, inArray, sql, type SQL } from 'drizzle-orm';
import type { Executor } from '../../platform/db/client.ts';
import { defineList } from '../../platform/http/query.ts';
import {
  incidentTypes,
  ticketAttachments,
  ticketCategories,
  ticketComments,
  tickets,
  ticketWatchers,
  type IncidentType,
  type NewTicket,
  type TicketAttachment,
  type TicketCategory,
  type TicketComment,
} from './tickets.tables.ts';

export * from './tickets.repository.read.ts';

/** Locks the ticket row for the rest of the transaction (a concurrent update waits). */
export async function lockTicket(
  executor: Executor,
  id: number,
  scope?: SQL,
): Promise<{ id: number } | undefined> {
  const [row] = await executor
    .select({ id: tickets.id })
    .from(tickets)
    .where(and(eq(tickets.id, id), scope))
    .for('update');
  return row;
}

/**
 * Inserts a ticket with the next number of its kind, taken from the kind's sequence in
 * the same statement (no lock, so creates never queue; no round trip of its own).
 */
export async function insertTicket(executor: Executor, values: Omit<NewTicket, 'number'>): Promise<number> {
  const sequence = values.kind === 'incident' ? 'ticket_numbers_incident' : 'ticket_numbers_service';
  const [row] = await executor
    .insert(tickets)
    .values({ ...values, number: sql`nextval(${sequence})` })
    .returning({ id: tickets.id });
  if (!row) throw new Error('insert returned no row');
  return row.id;
}

/** Updates when the version still matches; false when it does not. */
export async function updateTicket(
  executor: Executor,
  id: number,
  values: Partial<NewTicket>,
  expectedVersion?: number,
): Promise<boolean> {
  const rows = await executor
    .update(tickets)
    .set({ ...values, version: sql`${tickets.version} + 1`, updatedAt: new Date() })
    .where(
      and(
        eq(tickets.id, id),
        expectedVersion === undefined ? undefined : eq(tickets.version, expectedVersion),
      ),
    )
    .returning({ id: tickets.id });
  return rows.length > 0;
}

export async function deleteTicket(executor: Executor, id: number): Promise<void> {
  await executor.delete(tickets).where(eq(tickets.id, id));
}

// Comments

export function commentsOf(
  executor: Executor,
  ticketId: number,
  includeInternal: boolean,
): Promise<TicketComment[]> {
  return executor
    .select()
    .from(ticketComments)
    .where(
      and(
        eq(ticketComments.ticketId, ticketId),
        includeInternal ? undefined : eq(ticketComments.internal, false),
      ),
    )
    .orderBy(asc(ticketComments.id));
}

export async function commentById(
  executor: Executor,
  ticketId: number,
  id: number,
): Promise<TicketComment | undefined> {
  const [row] = await executor
    .select()
    .from(ticketComments)
    .where(and(eq(ticketComments.ticketId, ticketId), eq(ticketComments.id, id)));
  return row;
}

export async function insertComment(
  executor: Executor,
  values: typeof ticketComments.$inferInsert,
): Promise<TicketComment> {
  const [row] = await executor.insert(ticketComments).values(values).returning();
  if (!row) throw new Error('insert returned no row');
  return row;
}

export async function updateComment(
  executor: Executor,
  id: number,
  body: string,
  expectedVersion?: number,
): Promise<TicketComment | undefined> {
  const [row] = await executor
    .update(ticketComments)
    .set({ body, version: sql`${ticketComments.version} + 1`, updatedAt: new Date() })
    .where(
      and(
        eq(ticketComments.id, id),
        expectedVersion === undefined ? undefined : eq(ticketComments.version, expectedVersion),
      ),
    )
    .returning();
  return row;
}

export async function deleteComment(executor: Executor, id: number): Promise<void> {
  await executor.delete(ticketComments).where(eq(ticketComments.id, id));
}

// Watchers

export async function watchersOf(executor: Executor, ticketId: number): Promise<number[]> {
  const rows = await executor
    .select({ userId: ticketWatchers.userId })
    .from(ticketWatchers)
    .where(eq(ticketWatchers.ticketId, ticketId))
    .orderBy(ticketWatchers.createdAt);
  return rows.map((row) => row.userId);
}

export async function addWatcher(executor: Executor, ticketId: number, userId: number): Promise<boolean> {
  const rows = await executor
    .insert(ticketWatchers)
    .values({ ticketId, userId })
    .onConflictDoNothing()
    .returning({ userId: ticketWatchers.userId });
  return rows.length > 0;
}

export async function removeWatcher(executor: Executor, ticketId: number, userId: number): Promise<boolean> {
  const rows = await executor
    .delete(ticketWatchers)
    .where(and(eq(ticketWatchers.ticketId, ticketId), eq(ticketWatchers.userId, userId)))
    .returning({ userId: ticketWatchers.userId });
  return rows.length > 0;
}

// Attachments

export function attachmentsOf(executor: Executor, ticketId: number): Promise<TicketAttachment[]> {
  return executor
    .select()
    .from(ticketAttachments)
    .where(eq(ticketAttachments.ticketId, ticketId))
    .orderBy(asc(ticketAttachments.id));
}

export async function attachmentById(
  executor: Executor,
  ticketId: number,
  id: number,
): Promise<TicketAttachment | undefined> {
  const [row] = await executor
    .select()
    .from(ticketAttachments)
    .where(and(eq(ticketAttachments.ticketId, ticketId), eq(ticketAttachments.id, id)));
  return row;
}

export async function attachmentByStorageKey(
  executor: Executor,
  storageKey: string,
): Promise<TicketAttachment | undefined> {
  const [row] = await executor
    .select()
    .from(ticketAttachments)
    .where(eq(ticketAttachments.storageKey, storageKey));
  return row;
}

export async function insertAttachment(
  executor: Executor,
  values: typeof ticketAttachments.$inferInsert,
): Promise<TicketAttachment> {
  const [row] = await executor.insert(ticketAttachments).values(values).returning();
  if (!row) throw new Error('insert returned no row');
  return row;
}

export async function deleteAttachment(executor: Executor, id: number): Promise<void> {
  await executor.delete(ticketAttachments).where(eq(ticketAttachments.id, id));
}

// Reference data: incident types and categories

export const incidentTypeList = defineList({
  id: incidentTypes.id,
  filters: { severity_level: { column: incidentTypes.severityLevel, type: 'integer' } },
  search: [incidentTypes.name, incidentTypes.description],
  sort: {
    id: { column: incidentTypes.id },
    name: { column: incidentTypes.name },
    severity_level: { column: incidentTypes.severityLevel },
  },
  defaultSort: 'name',
});

export function listIncidentTypes(
  executor: Executor,
  where: SQL | undefined,
  orderBy: SQL[],
  limit: number,
  offset: number,
): Promise<IncidentType[]> {
  return executor
    .select()
    .from(incidentTypes)
    .where(where)
    .orderBy(...orderBy)
    .limit(limit)
    .offset(offset);
}

export async function countIncidentTypes(executor: Executor, where: SQL | undefined): Promise<number> {
  const [row] = await executor.select({ value: count() }).from(incidentTypes).where(where);
  return row?.value ?? 0;
}

export async function incidentTypeById(executor: Executor, id: number): Promise<IncidentType | undefined> {
  const [row] = await executor.select().from(incidentTypes).where(eq(incidentTypes.id, id));
  return row;
}

export async function incidentTypeByName(
  executor: Executor,
  name: string,
  exceptId?: number,
): Promise<IncidentType | undefined> {
  const [row] = await executor
    .select()
    .from(incidentTypes)
    .where(
      and(
        sql`lower(${incidentTypes.name}) = lower(${name})`,
        exceptId ? sql`${incidentTypes.id} <> ${exceptId}` : undefined,
      ),
    );
  return row;
}

export async function insertIncidentType(
  executor: Executor,
  values: typeof incidentTypes.$inferInsert,
): Promise<IncidentType> {
  const [row] = await executor.insert(incidentTypes).values(values).returning();
  if (!row) throw new Error('insert returned no row');
  return row;
}

export async function updateIncidentType(
  executor: Executor,
  id: number,
  values: Partial<typeof incidentTypes.$inferInsert>,
  expectedVersion?: number,
): Promise<IncidentType | undefined> {
  const [row] = await executor
    .update(incidentTypes)
    .set({ ...values, version: sql`${incidentTypes.version} + 1`, updatedAt: new Date() })
    .where(
      and(
        eq(incidentTypes.id, id),
        expectedVersion === undefined ? undefined : eq(incidentTypes.version, expectedVersion),
      ),
    )
    .returning();
  return row;
}

export async function deleteIncidentType(executor: Executor, id: number): Promise<void> {
  await executor.delete(incidentTypes).where(eq(incidentTypes.id, id));
}

export const categoryList = defineList({
  id: ticketCategories.id,
  filters: {
    parent: {
      column: ticketCategories.parentId,
      type: 'integer',
      description: 'Parent category id (subcategories).',
    },
  },
  search: [ticketCategories.name],
  sort: { id: { column: ticketCategories.id }, name: { column: ticketCategories.name } },
  defaultSort: 'name',
});

export function listCategories(
  executor: Executor,
  where: SQL | undefined,
  orderBy: SQL[],
  limit: number,
  offset: number,
): Promise<TicketCategory[]> {
  return executor
    .select()
    .from(ticketCategories)
    .where(where)
    .orderBy(...orderBy)
    .limit(limit)
    .offset(offset);
}

export async function countCategories(executor: Executor, where: SQL | undefined): Promise<number> {
  const [row] = await executor.select({ value: count() }).from(ticketCategories).where(where);
  return row?.value ?? 0;
}

export async function categoryById(executor: Executor, id: number): Promise<TicketCategory | undefined> {
  const [row] = await executor.select().from(ticketCategories).where(eq(ticketCategories.id, id));
  return row;
}

/** Which of `ids` name an incident type. */
export async function incidentTypeIdsIn(executor: Executor, ids: number[]): Promise<Set<number>> {
  if (ids.length === 0) return new Set();
  const rows = await executor
    .select({ id: incidentTypes.id })
    .from(incidentTypes)
    .where(sql`${incidentTypes.id} = any(${sql.param(ids)})`);
  return new Set(rows.map((row) => row.id));
}

export function categoriesByIds(executor: Executor, ids: number[]): Promise<TicketCategory[]> {
  if (ids.length === 0) return Promise.resolve([]);
  return executor
    .select()
    .from(ticketCategories)
    .where(sql`${ticketCategories.id} = any(${sql.param(ids)})`);
}

export async function insertCategory(
  executor: Executor,
  values: typeof ticketCategories.$inferInsert,
): Promise<TicketCategory> {
  const [row] = await executor.insert(ticketCategories).values(values).returning();
  if (!row) throw new Error('insert returned no row');
  return row;
}

/** Open (open or in progress) tickets per assignee, for these people; absent people hold none. */
export async function openLoadByAssignee(
  executor: Executor,
  userIds: number[],
  beforeTicketId?: number,
): Promise<Map<number, number>> {
  if (userIds.length === 0) return new Map();
  const rows = await executor
    .select({ userId: tickets.assigneeId, open: count() })
    .from(tickets)
    .where(
      and(
        inArray(tickets.assigneeId, userIds),
        inArray(tickets.status, ['open', 'in_progress']),
        beforeTicketId === undefined ? undefined : sql`${tickets.id} < ${beforeTicketId}`,
      ),
    )
    .groupBy(tickets.assigneeId);
  return new Map(rows.flatMap((row) => (row.userId === null ? [] : [[row.userId, row.open]])));
}
