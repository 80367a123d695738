import { eq, sql } from 'drizzle-orm';
import { bumpGeneration } from '../../platform/cache/count-cache.ts';
import type { Database, Executor } from '../../platform/db/client.ts';
import { ticketNumber } from './tickets.service.ts';
import { tickets } from './tickets.tables.ts';

/**
 * A customer's tickets (those they requested) as the customers module needs them:
 * listed in a privacy export, moved onto the survivor of a merge. Wired in
 * src/modules/services.customers.ts, so the customers module never reads this table itself.
 */
export const ticketRequesterLinks = {
  name: 'tickets',

  async of(executor: Executor, customerId: number): Promise<Record<string, unknown>[]> {
    const rows = await executor
      .select({
        id: tickets.id,
        kind: tickets.kind,
        number: tickets.number,
        title: tickets.title,
        description: tickets.description,
        status: tickets.status,
        createdAt: tickets.createdAt,
      })
      .from(tickets)
      .where(eq(tickets.requesterCustomerId, customerId))
      .orderBy(tickets.id);
    return rows.map((row) => ({
      id: row.id,
      number: ticketNumber(row.kind, row.number),
      kind: row.kind,
      title: row.title,
      description: row.description,
      status: row.status,
      created_at: row.createdAt.toISOString(),
    }));
  },

  /** Moves every ticket of `fromId` to `toId` in the caller's transaction (a new version each); answers their ids. */
  async move(tx: Executor, fromId: number, toId: number): Promise<number[]> {
    const rows = await tx
      .update(tickets)
      .set({ requesterCustomerId: toId, version: sql`${tickets.version} + 1`, updatedAt: new Date() })
      .where(eq(tickets.requesterCustomerId, fromId))
      .returning({ id: tickets.id });
    return rows.map((row) => row.id);
  },

  /** Cached ticket counts (per filter, requester included) are stale once a move commits. */
  async afterMove(db: Database): Promise<void> {
    await bumpGeneration(db, 'tickets');
  },
};
