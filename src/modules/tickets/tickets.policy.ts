import { and, eq, exists, or, sql, type SQL } from 'drizzle-orm';
import type { Actor } from '../../platform/auth/actor.ts';
import { inScope, type PermissionGrants } from '../../platform/auth/policy.ts';
import type { AuditEntry } from '../audit/index.ts';
import { tickets, ticketWatchers, type Ticket } from './tickets.tables.ts';

/**
 * Viewers read and report; agents work the tickets of their department or assigned
 * to them; managers run their department's tickets; admins everything. `canWork` and
 * `canManage` also need the `tickets:work` / `tickets:manage` scope when an API key acts.
 */
export const ticketsPermissions = {
  'tickets:read': ['manager', 'agent', 'viewer'],
  'tickets:create': ['manager', 'agent', 'viewer'],
  'tickets:work': ['manager', 'agent'],
  'tickets:manage': ['manager'],
  // Who reports for others (staff) may load many tickets at once.
  'tickets:import': ['manager', 'agent'],
  'ticket-types:read': ['manager', 'agent', 'viewer'],
  'ticket-types:write': [],
} as const satisfies PermissionGrants;

const isAdmin = (actor: Actor) => actor.role === 'admin' || actor.isSuperuser;

/**
 * The tickets an actor can see: their department's, the ones they reported, are
 * assigned or watch. Everything else is "not found" to them.
 */
export function ticketScope(actor: Actor): SQL | undefined {
  if (isAdmin(actor)) return undefined;
  const watching = exists(
    sql`(select 1 from ${ticketWatchers} where ${and(eq(ticketWatchers.ticketId, tickets.id), eq(ticketWatchers.userId, actor.userId))})`,
  );
  return or(
    actor.departmentId === null ? undefined : eq(tickets.departmentId, actor.departmentId),
    eq(tickets.assigneeId, actor.userId),
    eq(tickets.reporterId, actor.userId),
    watching,
  );
}

/** Change status, fields, comment internally: agents on their department's or their own tickets. */
export function canWork(actor: Actor, ticket: Pick<Ticket, 'departmentId' | 'assigneeId'>): boolean {
  if (!inScope(actor, 'tickets:work')) return false;
  if (isAdmin(actor)) return true;
  if (actor.role !== 'agent' && actor.role !== 'manager') return false;
  return (
    ticket.assigneeId === actor.userId ||
    (actor.departmentId !== null && ticket.departmentId === actor.departmentId)
  );
}

/**
 * The departments whose tickets an actor runs (and reads the figures of): undefined for
 * all (admins), a manager's own department, none for anyone else.
 */
export function managedDepartments(actor: Actor): number[] | undefined {
  if (isAdmin(actor)) return undefined;
  return actor.role === 'manager' && actor.departmentId !== null ? [actor.departmentId] : [];
}

/** Delete, reassign to others, bulk changes: the department's manager or an admin. */
export function canManage(actor: Actor, ticket: Pick<Ticket, 'departmentId'>): boolean {
  if (!inScope(actor, 'tickets:manage')) return false;
  const departments = managedDepartments(actor);
  return (
    departments === undefined || (ticket.departmentId !== null && departments.includes(ticket.departmentId))
  );
}

/**
 * Internal notes are for staff: the one rule of who sees a comment, applied wherever a
 * comment shows (the comments as a query, history entries about comments below).
 */
export const seesInternal = (actor: Actor): boolean => actor.role !== 'viewer';

export const seesComment = (actor: Actor, comment: { internal: boolean }): boolean =>
  !comment.internal || seesInternal(actor);

/** The audit actions about one comment, and which snapshot of the entry holds it. */
export const COMMENT_ACTIONS = {
  'ticket.commented': 'after',
  'ticket.comment_deleted': 'before',
} as const satisfies Record<string, 'before' | 'after'>;

const isCommentAction = (action: string): action is keyof typeof COMMENT_ACTIONS =>
  Object.hasOwn(COMMENT_ACTIONS, action);

/**
 * Whether `actor` may see an entry of a ticket's history: one about a comment only when
 * they may see the comment (so a viewer learns neither a note's text nor that it exists).
 * A snapshot that does not say it is public counts as internal.
 */
export function seesHistoryEntry(
  actor: Actor,
  entry: Pick<AuditEntry, 'action' | 'before' | 'after'>,
): boolean {
  if (!isCommentAction(entry.action)) return true;
  const comment = entry[COMMENT_ACTIONS[entry.action]] as { internal?: unknown } | null;
  return seesComment(actor, { internal: comment?.internal !== false });
}

/**
 * `ticketScope` on a row in hand, without the watchers (which need a query): true means
 * the actor may read the ticket; false means only that the rule could not tell.
 */
export function readsWithoutWatching(
  actor: Actor,
  ticket: Pick<Ticket, 'departmentId' | 'assigneeId' | 'reporterId'>,
): boolean {
  return (
    isAdmin(actor) ||
    (actor.departmentId !== null && ticket.departmentId === actor.departmentId) ||
    ticket.assigneeId === actor.userId ||
    ticket.reporterId === actor.userId
  );
}

/** A key naming everything `ticketScope(actor)` depends on: actors with equal keys see the same tickets. */
export const ticketScopeKey = (actor: Actor): string =>
  isAdmin(actor) ? 'all' : `user:${actor.userId}:department:${actor.departmentId ?? 'none'}`;
