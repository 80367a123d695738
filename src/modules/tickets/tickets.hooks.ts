import type { RequestContext } from '../../platform/auth/actor.ts';
import type { Executor } from '../../platform/db/client.ts';
import type { TicketRow } from './tickets.repository.ts';
import type { TicketComment } from './tickets.tables.ts';

/**
 * Who made a change: a person through the ticket API (`user`), a person acting through a
 * workflow transition (`transition`), or the system on its own (`automation`:
 * assignment, escalation). Listeners use it to tell their own changes from others'.
 */
export type ChangeSource = 'user' | 'transition' | 'automation';

/**
 * What other modules hear about tickets, inside the transaction that made the change
 * and after it is written (workflows and SLA clocks react in the same commit; a throw
 * rolls the change back). Until the outbox exists these are direct calls, wired in
 * src/modules/index.ts, in the order listed there. A listener that changes the ticket
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
  commented?(tx: Executor, ctx: RequestContext, ticket: TicketRow, comment: TicketComment): Promise<void>;
  deleted?(tx: Executor, ctx: RequestContext, ticket: TicketRow): Promise<void>;
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
    async commented(tx: Executor, ctx: RequestContext, ticket: TicketRow, comment: TicketComment) {
      for (const hooks of listeners) await hooks.commented?.(tx, ctx, ticket, comment);
    },
    async deleted(tx: Executor, ctx: RequestContext, ticket: TicketRow) {
      for (const hooks of listeners) await hooks.deleted?.(tx, ctx, ticket);
    },
  };
}
