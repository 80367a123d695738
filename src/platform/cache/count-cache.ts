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
 * once per (collection generation, filter) and reused until a write bumps the
 * generation (see generation-cache.ts).
 */
export function createCountCache(options: { max?: number; ttlMs?: number } = {}) {
  const cache = createGenerationCache<number>({ max: options.max ?? 5000, ttlMs: options.ttlMs ?? 60_000 });
  return {
    count(
      executor: Executor,
      name: string,
      where: SQL | undefined,
      compute: () => Promise<number>,
    ): Promise<number> {
      return cache.get(executor, [name], sqlKey(where), compute);
    },
  };
}

export type CountCache = ReturnType<typeof createCountCache>;
