import { eq, sql, type SQL } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import { LRUCache } from 'lru-cache';
import type { Executor } from '../db/client.ts';
import { cacheGenerations } from './generations.tables.ts';

const dialect = new PgDialect({ casing: 'snake_case' });

/** A stable text key for a WHERE clause: its SQL with parameters. */
export function sqlKey(where: SQL | undefined): string {
  if (!where) return '';
  const { sql: text, params } = dialect.sqlToQuery(where);
  return `${text}|${JSON.stringify(params)}`;
}

/**
 * Marks a collection changed. Call it right after the writing transaction commits, not
 * inside it: inside, every writer would queue on this one row until its commit. A count
 * computed between the commit and the bump is filed under the old generation, which the
 * bump retires at once.
 */
export async function bumpGeneration(tx: Executor, name: string): Promise<void> {
  await tx
    .insert(cacheGenerations)
    .values({ name, generation: 1 })
    .onConflictDoUpdate({
      target: cacheGenerations.name,
      set: { generation: sql`${cacheGenerations.generation} + 1` },
    });
}

/**
 * Exact counts for DRF pages without counting on every request: a count is computed
 * once per (collection generation, filter) and reused until a write bumps the
 * generation. The generation is read from PostgreSQL on each call (a primary-key
 * lookup), so every API process sees a write at once; only the computed numbers are
 * kept in this process.
 */
export function createCountCache(options: { max?: number; ttlMs?: number } = {}) {
  // The TTL bounds staleness should a process die between a commit and its bump.
  const cache = new LRUCache<string, number>({ max: options.max ?? 5000, ttl: options.ttlMs ?? 60_000 });
  return {
    async count(
      executor: Executor,
      name: string,
      where: SQL | undefined,
      compute: () => Promise<number>,
    ): Promise<number> {
      const [row] = await executor
        .select({ generation: cacheGenerations.generation })
        .from(cacheGenerations)
        .where(eq(cacheGenerations.name, name));
      const key = `${name}:${row?.generation ?? 0}:${sqlKey(where)}`;
      const cached = cache.get(key);
      if (cached !== undefined) return cached;
      const value = await compute();
      cache.set(key, value);
      return value;
    },
  };
}

export type CountCache = ReturnType<typeof createCountCache>;
