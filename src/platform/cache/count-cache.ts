import type { SQL } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import type { Executor } from '../db/client.ts';
import { createGenerationCache } from './generation-cache.ts';

export { bumpGeneration } from './generation-cache.ts';

const dialect = new PgDialect({ casing: 'snake_case' });

/** A stable text key for a WHERE clause: its SQL with parameters. */
export function sqlKey(where: SQL | undefined): string {
  if (!where) return '';
  const { sql: text, params } = dialect.sqlToQuery(where);
  return `${text}|${JSON.stringify(params)}`;
}

/**
 * Exact counts for DRF pages without counting on every request: a count is computed
 * once per (generations of its collections, filter) and reused until a write moves one
 * of them: a bump after commit (generation-cache.ts), or, for `tag:<tag>`, the commit
 * of an event carrying the tag (the outbox trigger sets it, tagged-cache.ts), which
 * costs the writer no statement of its own.
 */
export function createCountCache(options: { max?: number; ttlMs?: number } = {}) {
  const cache = createGenerationCache<number>({ max: options.max ?? 5000, ttlMs: options.ttlMs ?? 60_000 });
  return {
    count(
      executor: Executor,
      collections: readonly string[],
      where: SQL | undefined,
      compute: () => Promise<number>,
    ): Promise<number> {
      return cache.get(executor, collections, sqlKey(where), compute);
    },
  };
}

export type CountCache = ReturnType<typeof createCountCache>;
