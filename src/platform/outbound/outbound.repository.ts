import { and, asc, count, eq, sql, type SQL } from 'drizzle-orm';
import type { AnyPgColumn, PgTable } from 'drizzle-orm/pg-core';
import type { Executor } from '../db/client.ts';
import { defineList, type ListSpec } from '../http/query.ts';
import { DELIVERY_STATUSES } from './outbound.tables.ts';

type TargetTable = PgTable & {
  id: AnyPgColumn;
  url: AnyPgColumn;
  description: AnyPgColumn;
  enabled: AnyPgColumn;
  version: AnyPgColumn;
};

type DeliveryTable = PgTable & { id: AnyPgColumn; status: AnyPgColumn; createdAt: AnyPgColumn };

/** The list of a target table: filter by enabled, search URL and description, oldest first. */
export const targetListOf = (table: TargetTable): ListSpec =>
  defineList({
    id: table.id,
    filters: { enabled: { column: table.enabled, type: 'boolean' } },
    search: [table.url, table.description],
    sort: { id: { column: table.id } },
    defaultSort: 'id',
  });

/** A delivery log's status filter, which every log's list offers. */
export const deliveryStatusFilter = (table: DeliveryTable) => ({
  column: table.status,
  type: 'string' as const,
  values: [...DELIVERY_STATUSES],
});

/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-assignment -- one generic body for the tables of two modules, whose types Drizzle cannot relate */

/** Plain single-table queries over a target table: list, count, lookup, versioned update and delete. */
export function targetQueries<Row extends object, Insert extends object>(table: TargetTable) {
  const t = table as any;
  const matching = (id: number, expectedVersion?: number) =>
    and(eq(table.id, id), expectedVersion === undefined ? undefined : eq(table.version, expectedVersion));
  return {
    ...pageQueries<Row>(table),

    byId: async (
      executor: Executor,
      id: number,
      options: { lock?: 'update' | 'skip-locked' } = {},
    ): Promise<Row | undefined> => {
      const query = executor.select().from(t).where(eq(table.id, id));
      const [row] = (await (options.lock === 'update'
        ? query.for('update')
        : options.lock === 'skip-locked'
          ? query.for('update', { skipLocked: true })
          : query)) as Row[];
      return row;
    },

    insert: async (executor: Executor, values: Insert): Promise<Row> => {
      const [row] = (await executor.insert(t).values(values).returning()) as Row[];
      if (!row) throw new Error('insert returned nothing');
      return row;
    },

    /** Applies `values` (and bumps the version) when the version matches, any without one; undefined on a conflict. */
    update: async (
      executor: Executor,
      id: number,
      values: Partial<Insert>,
      expectedVersion?: number,
    ): Promise<Row | undefined> => {
      const [row] = (await executor
        .update(t)
        .set({ ...values, version: sql`${table.version} + 1`, updatedAt: new Date() })
        .where(matching(id, expectedVersion))
        .returning()) as Row[];
      return row;
    },

    remove: async (executor: Executor, id: number, expectedVersion?: number): Promise<boolean> => {
      const rows = await executor.delete(t).where(matching(id, expectedVersion)).returning({ id: table.id });
      return rows.length > 0;
    },

    enabledIds: async (executor: Executor): Promise<number[]> => {
      const rows = (await executor
        .select({ id: table.id })
        .from(t)
        .where(eq(table.enabled, true))
        .orderBy(asc(table.id))) as { id: number }[];
      return rows.map((row) => row.id);
    },
  };
}

/** The queries every delivery log has: its page, its count, and pruning. */
export function deliveryLogQueries<Row extends object>(table: DeliveryTable) {
  return {
    ...pageQueries<Row>(table),

    /** Deletes finished deliveries older than `before`, in batches so no one statement locks the whole log. */
    prune: async (executor: Executor, before: Date, batchSize = 5000): Promise<number> => {
      let total = 0;
      for (;;) {
        const result = await executor.execute(
          sql`delete from ${table} where ${table.id} in (select ${table.id} from ${table} where ${table.createdAt} < ${before} and ${table.status} in ('succeeded', 'dead') limit ${batchSize})`,
        );
        total += result.rowCount ?? 0;
        if ((result.rowCount ?? 0) < batchSize) return total;
      }
    },
  };
}

/** A table's page of rows and its count, the pair `listQueries` binds. */
function pageQueries<Row extends object>(table: PgTable) {
  const t = table as any;
  return {
    list: (executor: Executor, where: SQL | undefined, orderBy: SQL[], limit: number, offset: number) =>
      executor
        .select()
        .from(t)
        .where(where)
        .orderBy(...orderBy)
        .limit(limit)
        .offset(offset) as Promise<Row[]>,

    count: async (executor: Executor, where: SQL | undefined): Promise<number> => {
      const [row] = await executor.select({ value: count() }).from(t).where(where);
      return row?.value ?? 0;
    },
  };
}
