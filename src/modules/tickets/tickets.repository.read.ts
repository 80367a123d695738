import { and, count, eq, sql, type SQL } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import type { Executor } from '../../platform/db/client.ts';
import { compileSelect, selectBuilder } from '../../platform/db/compiled-select.ts';
import { defineList } from '../../platform/http/query.ts';
import {
  incidentTypes,
  PRIORITIES,
  ticketCategories,
  tickets,
  TICKET_KINDS,
  TICKET_STATUSES,
} from './tickets.tables.ts';

/**
 * Ticket reads: the select every read shares, compiled once (platform/db/compiled-select.ts:
 * a page, a detail and a batch run it as a prepared statement with precomputed row
 * mapping), and the list definition (filters, search, sort) its pages are built from.
 */

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

const ticketSelect = () =>
  selectBuilder
    .select(ticketFields)
    .from(tickets)
    .leftJoin(incidentTypes, eq(incidentTypes.id, tickets.incidentTypeId))
    .leftJoin(ticketCategories, eq(ticketCategories.id, tickets.categoryId))
    .leftJoin(subcategories, eq(subcategories.id, tickets.subcategoryId));

const ticketRows = compileSelect(ticketSelect());
const ticketRowById = compileSelect(ticketSelect().where(eq(tickets.id, sql.placeholder('id'))));
const ticketRowsByIds = compileSelect(
  ticketSelect().where(sql`${tickets.id} = any(${sql.placeholder('ids')})`),
);

/** A ticket as read: left-joined reference data is null when absent. */
export type TicketRow = Awaited<ReturnType<typeof ticketRows.run>>[number];

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
  return ticketRows.runAround(executor, {
    after: sql.join(
      [
        where && sql`where ${where}`,
        orderBy.length > 0 ? sql`order by ${sql.join(orderBy, sql`, `)}` : undefined,
        sql`limit ${limit} offset ${offset}`,
      ].filter((part) => part !== undefined),
      sql` `,
    ),
  });
}

/**
 * The tickets a ranking statement lists (match_id, match_rank and match_created_at, best
 * first: tickets.search.ts), best first, read in that same statement.
 */
export function rankedTicketRows(executor: Executor, ranking: SQL): Promise<TicketRow[]> {
  return ticketRows.runAround(executor, {
    before: sql`with "ranked" as (${ranking})`,
    after: sql`inner join "ranked" on "ranked"."match_id" = ${tickets.id}
      order by "ranked"."match_rank" desc, "ranked"."match_created_at" desc, "ranked"."match_id" desc`,
  });
}

export async function countTickets(executor: Executor, where: SQL | undefined): Promise<number> {
  const [row] = await executor.select({ value: count() }).from(tickets).where(where);
  return row?.value ?? 0;
}

/** One ticket within `scope` (the actor's visibility; none for admins). */
export async function ticketById(
  executor: Executor,
  id: number,
  scope?: SQL,
): Promise<TicketRow | undefined> {
  const [row] = scope
    ? await ticketRows.runAround(executor, { after: sql`where ${and(eq(tickets.id, id), scope)}` })
    : await ticketRowById.run(executor, { id });
  return row;
}

export async function ticketsByIds(executor: Executor, ids: number[], scope?: SQL): Promise<TicketRow[]> {
  if (ids.length === 0) return [];
  return scope
    ? ticketRows.runAround(executor, {
        after: sql`where ${and(sql`${tickets.id} = any(${sql.param(ids)})`, scope)}`,
      })
    : ticketRowsByIds.run(executor, { ids });
}
