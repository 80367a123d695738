import { createRequire } from 'node:module';
import type { FastifyRateLimitStoreCtor } from '@fastify/rate-limit';
import type { Redis } from 'ioredis';
import type { RedisLink } from '../cache/redis.ts';

type Incr = (
  key: string,
  callback: (error: Error | null, result?: { current: number; ttl: number }) => void,
  timeWindow: number,
  max: number,
) => void;
interface Store {
  incr: Incr;
  child(routeOptions: unknown): Store;
}

// The plugin's own stores (its package has no export map), so both count exactly as it does.
const require = createRequire(import.meta.url);
const RedisStore = require('@fastify/rate-limit/store/RedisStore.js') as new (
  continueExceeding: boolean,
  exponentialBackoff: boolean,
  redis: Redis,
  nameSpace: string,
) => Store;
const LocalStore = require('@fastify/rate-limit/store/LocalStore.js') as new (
  continueExceeding: boolean,
  exponentialBackoff: boolean,
) => Store;

class FallbackStore implements Store {
  constructor(
    private readonly link: RedisLink,
    private readonly shared: Store,
    private readonly local: Store,
  ) {}

  incr: Incr = (key, callback, timeWindow, max) => {
    if (!this.link.usable()) {
      this.link.fellBack('rate_limit');
      this.local.incr(key, callback, timeWindow, max);
      return;
    }
    this.shared.incr(
      key,
      (error, result) => {
        if (!error) {
          this.link.worked();
          callback(null, result);
          return;
        }
        this.link.fellBack('rate_limit', error);
        this.local.incr(key, callback, timeWindow, max);
      },
      timeWindow,
      max,
    );
  };

  child(routeOptions: unknown): Store {
    return new FallbackStore(this.link, this.shared.child(routeOptions), this.local.child(routeOptions));
  }
}

/**
 * The rate-limit store: counters shared by every process in Redis while it answers,
 * and in-process counters (a limit per process) whenever it does not, so an outage
 * neither fails requests nor lifts the limits. Each side keeps its own counts: a
 * client's count starts afresh when the store switches.
 */
export function rateLimitStore(link: RedisLink, nameSpace: string): FastifyRateLimitStoreCtor {
  return class extends FallbackStore {
    constructor(options: { continueExceeding?: boolean; exponentialBackoff?: boolean }) {
      const continueExceeding = options.continueExceeding ?? false;
      const exponentialBackoff = options.exponentialBackoff ?? false;
      super(
        link,
        new RedisStore(continueExceeding, exponentialBackoff, link.client, nameSpace),
        new LocalStore(continueExceeding, exponentialBackoff),
      );
    }
  } as unknown as FastifyRateLimitStoreCtor;
}
