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
 * src/modules/index.ts, in the order listed there.
 */
export interface TicketHooks {
  created?(tx: Executor, ctx: RequestContext, ticket: TicketRow): Promise<void>;
  changed?(
    tx: Executor,
    ctx: RequestContext,
    change: { before: TicketRow; after: TicketRow; source: ChangeSource },
  ): Promise<void>;
  commented?(tx: Executor, ctx: RequestContext, ticket: TicketRow, comment: TicketComment): Promise<void>;
  deleted?(tx: Executor, ctx: RequestContext, ticket: TicketRow): Promise<void>;
}

/** Calls each listener's hook in order. */
export function runHooks(listeners: readonly TicketHooks[]) {
  return {
    async created(tx: Executor, ctx: RequestContext, ticket: TicketRow) {
      for (const hooks of listeners) await hooks.created?.(tx, ctx, ticket);
    },
    async changed(
      tx: Executor,
      ctx: RequestContext,
      change: { before: TicketRow; after: TicketRow; source: ChangeSource },
    ) {
      for (const hooks of listeners) await hooks.changed?.(tx, ctx, change);
    },
    async commented(tx: Executor, ctx: RequestContext, ticket: TicketRow, comment: TicketComment) {
      for (const hooks of listeners) await hooks.commented?.(tx, ctx, ticket, comment);
    },
    async deleted(tx: Executor, ctx: RequestContext, ticket: TicketRow) {
      for (const hooks of listeners) await hooks.deleted?.(tx, ctx, ticket);
    },
  };
}
