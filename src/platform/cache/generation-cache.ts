import { inArray, sql } from 'drizzle-orm';
import { LRUCache } from 'lru-cache';
import type { Executor } from '../db/client.ts';
import { cacheGenerations } from './generations.tables.ts';

/**
 * Marks a collection changed. Call it right after the writing transaction commits, not
 * inside it: inside, every writer would queue on this one row until its commit. A value
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

/** The current generation of each collection (0 for one never bumped), in one primary-key lookup. */
export async function readGenerations(executor: Executor, names: readonly string[]): Promise<number[]> {
  const rows = await executor
    .select({ name: cacheGenerations.name, generation: cacheGenerations.generation })
    .from(cacheGenerations)
    .where(inArray(cacheGenerations.name, [...names]));
  const byName = new Map(rows.map((row) => [row.name, row.generation]));
  return names.map((name) => byName.get(name) ?? 0);
}

/** What a generation cache may hold: anything but null and undefined (which mean "not cached"). */
export type Cacheable = object | string | number | boolean | bigint;

/**
 * Values computed from some collections, kept in this process until a write to any of
 * them bumps its generation. The generations are read from PostgreSQL on each call (a
 * primary-key lookup), so every API process sees a write at once; only the computed
 * values live here. Concurrent calls for the same key and generations share one
 * computation. The TTL bounds staleness should a process die between a commit and its
 * bump.
 */
export function createGenerationCache<V extends Cacheable>(options: { max?: number; ttlMs?: number } = {}) {
  const cache = new LRUCache<string, V>({ max: options.max ?? 1000, ttl: options.ttlMs ?? 60_000 });
  const pending = new Map<string, Promise<V>>();
  return {
    /**
     * The value of `key` computed at the current generations of `collections`: from the
     * cache, or from `compute()`, which is then kept. `key` must name every parameter
     * the value depends on.
     */
    async get(
      executor: Executor,
      collections: readonly string[],
      key: string,
      compute: () => Promise<V>,
    ): Promise<V> {
      const generations = await readGenerations(executor, collections);
      const fullKey = `${collections.map((name, i) => `${name}@${generations[i] ?? 0}`).join(',')}|${key}`;
      const cached = cache.get(fullKey);
      if (cached !== undefined) return cached;
      const running = pending.get(fullKey);
      if (running) return running;
      const computing = compute()
        .then((value) => {
          cache.set(fullKey, value);
          return value;
        })
        .finally(() => pending.delete(fullKey));
      pending.set(fullKey, computing);
      return computing;
    },
  };
}

export type GenerationCache<V extends Cacheable> = ReturnType<typeof createGenerationCache<V>>;
