import type { RequestContext } from '../../platform/auth/actor.ts';
import type { Executor } from '../../platform/db/client.ts';
import type { TicketRow } from './tickets.repository.ts';
import type { FieldErrors } from '../../platform/http/errors.ts';
import type { TicketComment, TicketStatus } from './tickets.tables.ts';

/**
 * Who made a change: a person through the ticket API (`user`), a person acting through a
 * workflow transition (`transition`), or the system on its own (`automation`:
 * assignment, escalation). Listeners use it to tell their own changes from others'.
 */
export type ChangeSource = 'user' | 'transition' | 'automation';

/**
 * A v1 status change taken to its end by the lifecycle a listener runs (a workflow):
 * the ticket as the last step left it, or why the status cannot be reached, with the
 * statuses the caller could reach instead and, when only missing request fields stand in
 * the way, which.
 */
export type StatusWalk =
  | { ticket: TicketRow }
  | { refused: { reason: string; reachable: TicketStatus[]; missingFields?: FieldErrors } };

/** One change as listeners hear it. */
export interface TicketChange {
  before: TicketRow;
  after: TicketRow;
  source: ChangeSource;
}

/**
 * What other modules hear about tickets, inside the transaction that made the change
 * and after it is written (workflows and SLA clocks react in the same commit; a throw
 * rolls the change back). Until the outbox exists these are direct calls, wired in
 * src/modules/services.desk.ts, in the order listed there. A listener that changes the ticket
 * itself (a workflow entering its first step) answers the row as it left it, the others
 * undefined; the next listener and the caller get that row without reading it again.
 */
export interface TicketHooks {
  created?(tx: Executor, ctx: RequestContext, ticket: TicketRow): Promise<TicketRow | undefined>;
  changed?(
    tx: Executor,
    ctx: RequestContext,
    change: { before: TicketRow; after: TicketRow; source: ChangeSource },
  ): Promise<TicketRow | undefined>;
  /**
   * Many tickets created at once (an import): the same effect as `created` on each, in
   * order, with a few statements for all of them. Answers the rows as they were left,
   * in the same order. A listener without it hears `created` once per ticket.
   */
  createdMany?(tx: Executor, ctx: RequestContext, tickets: TicketRow[]): Promise<TicketRow[]>;
  /** Many changes at once (an import's assignments): the same effect as `changed` on each, in order. */
  changedMany?(tx: Executor, ctx: RequestContext, changes: TicketChange[]): Promise<TicketRow[]>;
  commented?(tx: Executor, ctx: RequestContext, ticket: TicketRow, comment: TicketComment): Promise<void>;
  deleted?(tx: Executor, ctx: RequestContext, ticket: TicketRow): Promise<void>;
  /**
   * Takes a locked ticket to `status` step by step, by the actions `ctx.actor` may take,
   * each step a full change (audit, listeners); undefined when the ticket runs no
   * lifecycle of this listener's (then the kind's own lifecycle applies).
   */
  walkToStatus?(
    tx: Executor,
    ctx: RequestContext,
    ticket: TicketRow,
    status: TicketStatus,
  ): Promise<StatusWalk | undefined>;
}

/** Calls each listener's hook in order; `created` and `changed` answer the ticket as the last listener left it. */
export function runHooks(listeners: readonly TicketHooks[]) {
  return {
    async created(tx: Executor, ctx: RequestContext, ticket: TicketRow): Promise<TicketRow> {
      let current = ticket;
      for (const hooks of listeners) {
        const changed = await hooks.created?.(tx, ctx, current);
        if (changed) current = changed;
      }
      return current;
    },
    async changed(
      tx: Executor,
      ctx: RequestContext,
      { before, after, source }: { before: TicketRow; after: TicketRow; source: ChangeSource },
    ): Promise<TicketRow> {
      let current = after;
      for (const hooks of listeners) {
        const changed = await hooks.changed?.(tx, ctx, { before, after: current, source });
        if (changed) current = changed;
      }
      return current;
    },
    async createdMany(tx: Executor, ctx: RequestContext, tickets: TicketRow[]): Promise<TicketRow[]> {
      let current = tickets;
      for (const hooks of listeners) {
        if (hooks.createdMany) current = await hooks.createdMany(tx, ctx, current);
        else if (hooks.created) {
          const next: TicketRow[] = [];
          for (const ticket of current) next.push((await hooks.created(tx, ctx, ticket)) ?? ticket);
          current = next;
        }
      }
      return current;
    },
    async changedMany(tx: Executor, ctx: RequestContext, changes: TicketChange[]): Promise<TicketRow[]> {
      let current = changes.map((change) => change.after);
      for (const hooks of listeners) {
        const heard = changes.map((change, index) => ({ ...change, after: current[index] ?? change.after }));
        if (hooks.changedMany) current = await hooks.changedMany(tx, ctx, heard);
        else if (hooks.changed) {
          const next: TicketRow[] = [];
          for (const change of heard) next.push((await hooks.changed(tx, ctx, change)) ?? change.after);
          current = next;
        }
      }
      return current;
    },
    async commented(tx: Executor, ctx: RequestContext, ticket: TicketRow, comment: TicketComment) {
      for (const hooks of listeners) await hooks.commented?.(tx, ctx, ticket, comment);
    },
    async deleted(tx: Executor, ctx: RequestContext, ticket: TicketRow) {
      for (const hooks of listeners) await hooks.deleted?.(tx, ctx, ticket);
    },
    /** The first listener that runs the ticket's lifecycle walks it; undefined when none does. */
    async walkToStatus(
      tx: Executor,
      ctx: RequestContext,
      ticket: TicketRow,
      status: TicketStatus,
    ): Promise<StatusWalk | undefined> {
      for (const hooks of listeners) {
        const walk = await hooks.walkToStatus?.(tx, ctx, ticket, status);
        if (walk) return walk;
      }
      return undefined;
    },
  };
}
