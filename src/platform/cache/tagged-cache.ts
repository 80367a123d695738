import v8 from 'node:v8';
import { LRUCache } from 'lru-cache';
import type pg from 'pg';
import { Counter, Gauge, type Metric } from 'prom-client';
import type { RedisLink } from './redis.ts';

/**
 * Read caches that are never stale, in this process and (with Redis) across nodes.
 *
 * Every domain event carries the cache tags its change makes stale (`ticket:42`,
 * `tickets`), and at commit the outbox's numbering trigger sets each tag's generation to
 * the event's id (migration 0026). Event ids follow commit order, so:
 *
 * - before computing a value, take a watermark W: a committed event id. Every change
 *   numbered up to W is visible to the queries that follow. The newest id this cache's
 *   last check read will do (ids once committed stay so): a W below the newest only
 *   costs a recompute should one of the value's tags have moved in between, and saves
 *   a round trip on every miss;
 * - keep the value with W and the tags it was computed from;
 * - serve it while no tag's generation is above W: one primary-key lookup per read,
 *   in the same statement as the next watermark.
 *
 * A write's generations move in its own commit, so once the write has returned, no
 * process (nor Redis, whose entries are checked the same way) serves what it replaced.
 * Writes that record no event are invisible here: whatever a cached value shows must
 * change only through events that carry its tags.
 */
export interface CacheMetrics {
  record(cache: string, result: 'local' | 'redis' | 'miss'): void;
  /** Hits and misses of every cache since this process started. */
  totals(): { hits: number; misses: number };
  /** `opsdesk_cache_hits_total`, `opsdesk_cache_misses_total`, `opsdesk_cache_hit_ratio`. */
  metrics: Metric[];
}

export function createCacheMetrics(): CacheMetrics {
  const counts = new Map<string, { hits: number; misses: number }>();
  const hits = new Counter({
    name: 'opsdesk_cache_hits_total',
    help: 'Reads served from a cache, by cache and layer (local: this process, redis: shared)',
    labelNames: ['cache', 'layer'],
    registers: [],
  });
  const misses = new Counter({
    name: 'opsdesk_cache_misses_total',
    help: 'Reads a cache could not serve (computed from the database, then kept)',
    labelNames: ['cache'],
    registers: [],
  });
  const ratio = new Gauge({
    name: 'opsdesk_cache_hit_ratio',
    help: 'Hits / (hits + misses) of each cache since this process started',
    labelNames: ['cache'],
    registers: [],
    collect() {
      for (const [cache, count] of counts)
        this.set({ cache }, count.hits + count.misses === 0 ? 0 : count.hits / (count.hits + count.misses));
    },
  });
  return {
    record(cache, result) {
      const count = counts.get(cache) ?? { hits: 0, misses: 0 };
      counts.set(cache, count);
      if (result === 'miss') {
        count.misses += 1;
        misses.inc({ cache });
      } else {
        count.hits += 1;
        hits.inc({ cache, layer: result });
      }
    },
    totals() {
      let total = { hits: 0, misses: 0 };
      for (const count of counts.values())
        total = { hits: total.hits + count.hits, misses: total.misses + count.misses };
      return total;
    },
    metrics: [hits, misses, ratio],
  };
}

export interface TaggedCacheDeps {
  pool: pg.Pool;
  metrics: CacheMetrics;
  redis?: RedisLink;
  /** Entries per cache in this process; 0 turns caching off (every read computes). */
  maxEntries: number;
  ttlMs: number;
}

/** What a computation answers: the value, and the tags of everything it was read from. */
export interface Computed<V> {
  value: V;
  tags: readonly string[];
}

interface Entry<V> {
  value: V;
  tags: string[];
  watermark: number;
}

// Named, so PostgreSQL plans it once per connection.
const CHECK = {
  name: 'opsdesk_cache_check',
  text: `SELECT coalesce(max(generation), 0)::text AS latest,
                greatest(coalesce(max(generation), 0), coalesce((SELECT max(id) FROM events), 0))::text AS watermark
           FROM cache_generations WHERE name = ANY($1::text[])`,
};

export function createTaggedCache<V>(deps: TaggedCacheDeps, name: string) {
  const { pool, metrics, redis } = deps;
  const enabled = deps.maxEntries > 0;
  const local = new LRUCache<string, Entry<V>>({ max: Math.max(deps.maxEntries, 1), ttl: deps.ttlMs });
  const redisKey = (key: string) => `opsdesk:cache:${name}:${key}`;

  /** The newest committed event id a check has read: a watermark for the next miss. */
  let seenWatermark = 0;

  async function check(tags: readonly string[]): Promise<{ latest: number; watermark: number }> {
    const { rows } = await pool.query<{ latest: string; watermark: string }>({
      ...CHECK,
      values: [tags.map((tag) => `tag:${tag}`)],
    });
    const [row] = rows;
    const current = { latest: Number(row?.latest ?? 0), watermark: Number(row?.watermark ?? 0) };
    seenWatermark = Math.max(seenWatermark, current.watermark);
    return current;
  }

  async function fromRedis(key: string): Promise<Entry<V> | undefined> {
    if (!redis?.usable()) return undefined;
    try {
      const raw = await redis.client.getBuffer(redisKey(key));
      redis.worked();
      return raw ? (v8.deserialize(raw) as Entry<V>) : undefined;
    } catch (error) {
      redis.fellBack('cache', error);
      return undefined;
    }
  }

  function toRedis(key: string, entry: Entry<V>): void {
    if (!redis?.usable()) return;
    redis.client.set(redisKey(key), v8.serialize(entry), 'PX', deps.ttlMs).then(
      () => {
        redis.worked();
      },
      (error: unknown) => {
        redis.fellBack('cache', error);
      },
    );
  }

  return {
    /**
     * The value of `key`: from this process, from Redis, or from `compute()`. `tags` are
     * what the value depends on before computing it (the watermark is read with them);
     * `compute` may add more (the people and places it embeds). `key` must name every
     * parameter the value depends on.
     */
    async get(key: string, tags: readonly string[], compute: () => Promise<Computed<V>>): Promise<V> {
      if (!enabled) return (await compute()).value;
      let watermark: number | undefined;
      const kept = local.get(key);
      if (kept) {
        const current = await check(kept.tags);
        if (current.latest <= kept.watermark) {
          metrics.record(name, 'local');
          return kept.value;
        }
        local.delete(key);
        watermark = current.watermark;
      } else {
        const shared = await fromRedis(key);
        if (shared) {
          const current = await check(shared.tags);
          if (current.latest <= shared.watermark) {
            local.set(key, shared);
            metrics.record(name, 'redis');
            return shared.value;
          }
          watermark = current.watermark;
        }
      }
      watermark ??= seenWatermark > 0 ? seenWatermark : (await check(tags)).watermark;
      const computed = await compute();
      const entry: Entry<V> = {
        value: computed.value,
        tags: [...new Set([...tags, ...computed.tags])],
        watermark,
      };
      local.set(key, entry);
      toRedis(key, entry);
      metrics.record(name, 'miss');
      return computed.value;
    },
  };
}

export type TaggedCache<V> = ReturnType<typeof createTaggedCache<V>>;
