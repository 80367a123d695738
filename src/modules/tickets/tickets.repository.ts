import { and, asc, count, desc, eq, inArray, sql, type SQL, type WithSubquery } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import type { Executor } from '../../platform/db/client.ts';
import { defineList } from '../../platform/http/query.ts';
import {
  incidentTypes,
  PRIORITIES,
  ticketAttachments,
  ticketCategories,
  ticketComments,
  tickets,
  TICKET_KINDS,
  TICKET_STATUSES,
  ticketWatchers,
  type IncidentType,
  type NewTicket,
  type TicketAttachment,
  type TicketCategory,
  type TicketComment,
  type TicketKind,
} from './tickets.tables.ts';

const subcategories = alias(ticketCategories, 'subcategories');

/**
 * What every ticket read returns: the ticket with its incident type and categories
 * (this module's own tables, joined). People, facility and department come from
 * their modules, loaded per page in one query each.
 */
const ticketFields = {
  id: tickets.id,
  kind: tickets.kind,
  number: tickets.number,
  title: tickets.title,
  description: tickets.description,
  status: tickets.status,
  priority: tickets.priority,
  incidentTypeId: tickets.incidentTypeId,
  categoryId: tickets.categoryId,
  subcategoryId: tickets.subcategoryId,
  serviceType: tickets.serviceType,
  departmentId: tickets.departmentId,
  facilityId: tickets.facilityId,
  reporterId: tickets.reporterId,
  requesterCustomerId: tickets.requesterCustomerId,
  assigneeId: tickets.assigneeId,
  // As text: a date is a calendar day, not an instant (node-postgres would make it local midnight).
  dueDate: sql<string | null>`${tickets.dueDate}::text`.as('due_date'),
  resolvedAt: tickets.resolvedAt,
  completedAt: tickets.completedAt,
  closedAt: tickets.closedAt,
  version: tickets.version,
  createdAt: tickets.createdAt,
  updatedAt: tickets.updatedAt,
  incidentTypeName: incidentTypes.name,
  incidentTypeDescription: incidentTypes.description,
  incidentTypeSeverity: incidentTypes.severityLevel,
  incidentTypeVersion: incidentTypes.version,
  incidentTypeCreatedAt: incidentTypes.createdAt,
  categoryName: ticketCategories.name,
  subcategoryName: subcategories.name,
};

function ticketQuery(executor: Executor, ...ctes: WithSubquery[]) {
  return executor
    .with(...ctes)
    .select(ticketFields)
    .from(tickets)
    .leftJoin(incidentTypes, eq(incidentTypes.id, tickets.incidentTypeId))
    .leftJoin(ticketCategories, eq(ticketCategories.id, tickets.categoryId))
    .leftJoin(subcategories, eq(subcategories.id, tickets.subcategoryId));
}

/** A ticket as read: left-joined reference data is null when absent. */
export type TicketRow = Awaited<ReturnType<typeof ticketQuery>>[number];

/** The words of a search (letters and digits), lower-cased; at most 12. */
export const searchWords = (term: string): string[] =>
  term
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean)
    .slice(0, 12);

/**
 * Prefix matching per word (`netw` finds "network"), all words required; with
 * `titleOnly`, only words of the title (weight A) count. A single letter is a word of
 * its own: as a prefix it would match nearly every ticket (tickets.search.ts does the same).
 */
export function prefixQuery(term: string, titleOnly = false): SQL {
  const words = searchWords(term);
  if (words.length === 0) return sql`''::tsquery`;
  const labelled = (word: string) => {
    const labels = `${Array.from(word).length > 1 ? '*' : ''}${titleOnly ? 'A' : ''}`;
    return labels ? `${word}:${labels}` : word;
  };
  return sql`to_tsquery('english', ${words.map(labelled).join(' & ')})`;
}

const exactTitle = (term: string): SQL => sql`lower(${tickets.title}) = lower(${term})`;

/**
 * Full text over title (weight A) and description (B), every word prefix-matched, or
 * the exact title (a title of stop words has no full-text words). Relevance: an exact
 * title match first, then title matches, then the rest, each newest first; relevance
 * pages, and the corrected words when the typed ones match nothing, come from
 * tickets.search.ts.
 */
export const ticketList = defineList({
  id: tickets.id,
  filters: {
    kind: { column: tickets.kind, type: 'string', values: TICKET_KINDS },
    status: { column: tickets.status, type: 'string', values: TICKET_STATUSES },
    priority: { column: tickets.priority, type: 'string', values: PRIORITIES },
    assignee: { column: tickets.assigneeId, type: 'integer', description: 'User id of the assignee.' },
    reporter: { column: tickets.reporterId, type: 'integer', description: 'User id of the reporter.' },
    requester_customer: {
      column: tickets.requesterCustomerId,
      type: 'integer',
      description: 'Id of the requester customer.',
    },
    facility: { column: tickets.facilityId, type: 'integer' },
    department: { column: tickets.departmentId, type: 'integer' },
    incident_type: { column: tickets.incidentTypeId, type: 'integer' },
    category: { column: tickets.categoryId, type: 'integer' },
    created_after: {
      column: tickets.createdAt,
      type: 'datetime',
      op: 'gte',
      description: 'Created at or after (ISO 8601 or YYYY-MM-DD).',
    },
    created_before: {
      column: tickets.createdAt,
      type: 'datetime',
      op: 'lte',
      description: 'Created at or before.',
    },
    updated_after: {
      column: tickets.updatedAt,
      type: 'datetime',
      op: 'gte',
      description: 'Updated at or after.',
    },
    updated_before: {
      column: tickets.updatedAt,
      type: 'datetime',
      op: 'lte',
      description: 'Updated at or before.',
    },
  },
  search: [tickets.title],
  searchCondition: (term) => sql`(${tickets.search} @@ ${prefixQuery(term)} or ${exactTitle(term)})`,
  // The same tiers as tickets.search.ts pages: exact title, then title matches, then the rest.
  rank: (term) =>
    sql`(${exactTitle(term)})::int * 2 + (${tickets.search} @@ ${prefixQuery(term, true)})::int`,
  sort: {
    id: { column: tickets.id },
    number: { column: tickets.number },
    created_at: { column: tickets.createdAt },
    updated_at: { column: tickets.updatedAt },
    priority: { column: tickets.priority },
    status: { column: tickets.status },
    title: { column: tickets.title },
    due_date: { column: tickets.dueDate, nullable: true },
  },
  defaultSort: '-created_at',
});

export function listTicketRows(
  executor: Executor,
  where: SQL | undefined,
  orderBy: SQL[],
  limit: number,
  offset: number,
): Promise<TicketRow[]> {
  return ticketQuery(executor)
    .where(where)
    .orderBy(...orderBy)
    .limit(limit)
    .offset(offset);
}

/**
 * The tickets a ranking statement lists (match_id, match_rank and match_created_at, best
 * first: tickets.search.ts), best first, read in that same statement.
 */
export function rankedTicketRows(executor: Executor, ranking: SQL): Promise<TicketRow[]> {
  const ranked = executor
    .$with('ranked', {
      id: sql<number>`match_id`.as('match_id'),
      rank: sql<number>`match_rank`.as('match_rank'),
      createdAt: sql<Date>`match_created_at`.as('match_created_at'),
    })
    .as(ranking);
  return ticketQuery(executor, ranked)
    .innerJoin(ranked, eq(ranked.id, tickets.id))
    .orderBy(desc(ranked.rank), desc(ranked.createdAt), desc(ranked.id));
}

export async function countTickets(executor: Executor, where: SQL | undefined): Promise<number> {
  const [row] = await executor.select({ value: count() }).from(tickets).where(where);
  return row?.value ?? 0;
}

export async function ticketById(
  executor: Executor,
  id: number,
  scope?: SQL,
): Promise<TicketRow | undefined> {
  const [row] = await ticketQuery(executor).where(and(eq(tickets.id, id), scope));
  return row;
}

export async function ticketsByIds(executor: Executor, ids: number[], scope?: SQL): Promise<TicketRow[]> {
  if (ids.length === 0) return [];
  return ticketQuery(executor).where(and(sql`${tickets.id} = any(${sql.param(ids)})`, scope));
}

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

/** The next number of a kind, from its sequence (no lock, so creates never queue). */
export async function nextNumber(executor: Executor, kind: TicketKind): Promise<number> {
  const sequence = kind === 'incident' ? 'ticket_numbers_incident' : 'ticket_numbers_service';
  const { rows } = await executor.execute<{ value: number }>(sql`select nextval(${sequence}) as value`);
  const value = rows[0]?.value;
  if (value === undefined) throw new Error('the ticket number sequence returned no value');
  return value;
}

export async function insertTicket(executor: Executor, values: NewTicket): Promise<number> {
  const [row] = await executor.insert(tickets).values(values).returning({ id: tickets.id });
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
