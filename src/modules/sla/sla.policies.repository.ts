import { and, count, eq, ne, sql, type SQL } from 'drizzle-orm';
import type { Executor } from '../../platform/db/client.ts';
import { defineList } from '../../platform/http/query.ts';
import { slaPolicies, ticketSlas, type NewSlaPolicy, type SlaPolicy } from './sla.tables.ts';
import { PRIORITIES } from '../tickets/index.ts';

/** The optimistic-locking condition: none when the caller expects no particular version. */
const versioned = (expectedVersion: number | undefined) =>
  expectedVersion === undefined ? undefined : eq(slaPolicies.version, expectedVersion);

export const policyList = defineList({
  id: slaPolicies.id,
  filters: {
    priority: {
      column: slaPolicies.priority,
      type: 'string',
      values: [...PRIORITIES],
    },
    category_id: { column: slaPolicies.categoryId, type: 'integer', description: 'Ticket category id.' },
    is_active: { column: slaPolicies.isActive, type: 'boolean' },
  },
  search: [slaPolicies.name],
  sort: {
    id: { column: slaPolicies.id },
    name: { column: slaPolicies.name },
    created_at: { column: slaPolicies.createdAt },
    updated_at: { column: slaPolicies.updatedAt },
  },
  defaultSort: 'id',
});

export function listPolicies(
  executor: Executor,
  where: SQL | undefined,
  orderBy: SQL[],
  limit: number,
  offset: number,
): Promise<SlaPolicy[]> {
  return executor
    .select()
    .from(slaPolicies)
    .where(where)
    .orderBy(...orderBy)
    .limit(limit)
    .offset(offset);
}

export async function countPolicies(executor: Executor, where: SQL | undefined): Promise<number> {
  const [row] = await executor.select({ value: count() }).from(slaPolicies).where(where);
  return row?.value ?? 0;
}

/** One policy; `lock` takes a row lock for the rest of the transaction (serializes writes to it). */
export async function policyById(
  executor: Executor,
  id: number,
  options: { lock?: boolean } = {},
): Promise<SlaPolicy | undefined> {
  const query = executor.select().from(slaPolicies).where(eq(slaPolicies.id, id));
  const [row] = options.lock ? await query.for('update') : await query;
  return row;
}

/**
 * The active policy other than `exceptId` that covers the same priority and category
 * (null category: "every other category"), as the partial unique index
 * `sla_policies_scope_key` sees it.
 */
export async function activePolicyForScope(
  executor: Executor,
  scope: { priority: string; categoryId: number | null },
  exceptId?: number,
): Promise<SlaPolicy | undefined> {
  const [row] = await executor
    .select()
    .from(slaPolicies)
    .where(
      and(
        eq(slaPolicies.isActive, true),
        eq(slaPolicies.priority, scope.priority as SlaPolicy['priority']),
        sql`coalesce(${slaPolicies.categoryId}, 0) = ${scope.categoryId ?? 0}`,
        exceptId === undefined ? undefined : ne(slaPolicies.id, exceptId),
      ),
    )
    .limit(1);
  return row;
}

/** Whether any ticket's clocks were computed under the policy (open or long resolved). */
export async function policyInUse(executor: Executor, id: number): Promise<boolean> {
  const [row] = await executor
    .select({ ticketId: ticketSlas.ticketId })
    .from(ticketSlas)
    .where(eq(ticketSlas.policyId, id))
    .limit(1);
  return row !== undefined;
}

export async function insertPolicy(executor: Executor, values: NewSlaPolicy): Promise<SlaPolicy> {
  const [row] = await executor.insert(slaPolicies).values(values).returning();
  if (!row) throw new Error('insert returned no row');
  return row;
}

/** Updates a policy (and bumps its version) if the version still matches; undefined when it does not. */
export async function updatePolicy(
  executor: Executor,
  id: number,
  values: Partial<NewSlaPolicy>,
  expectedVersion?: number,
): Promise<SlaPolicy | undefined> {
  const [row] = await executor
    .update(slaPolicies)
    .set({ ...values, version: sql`${slaPolicies.version} + 1`, updatedAt: new Date() })
    .where(and(eq(slaPolicies.id, id), versioned(expectedVersion)))
    .returning();
  return row;
}

export async function deletePolicy(
  executor: Executor,
  id: number,
  expectedVersion?: number,
): Promise<SlaPolicy | undefined> {
  const [row] = await executor
    .delete(slaPolicies)
    .where(and(eq(slaPolicies.id, id), versioned(expectedVersion)))
    .returning();
  return row;
}
