import { bigint, pgTable, text } from 'drizzle-orm/pg-core';

/**
 * A counter per cached collection, bumped by every write to it. Cached values are
 * keyed by the generation they were computed at, so one bump invalidates them on
 * every process at once.
 */
export const cacheGenerations = pgTable('cache_generations', {
  name: text().primaryKey(),
  generation: bigint({ mode: 'number' }).notNull().default(0),
});
