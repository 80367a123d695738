import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import type pg from 'pg';
import type { Authenticator } from '../auth/authenticate.ts';
import type { Policy, PermissionGrants } from '../auth/policy.ts';
import type { InvalidationBus } from '../cache/invalidation.ts';
import type { Database } from '../db/client.ts';
import type { EventCatalogue } from '../events/define-event.ts';
import { createStreamHub, type StreamLimits } from './hub.ts';
import type { RealtimeMetrics } from './metrics.ts';
import { createCredentialRecheck } from './recheck.ts';
import { REALTIME_PERMISSION, realtimeRoutes } from './routes.ts';
import { createVisibility, type EventVisibilityRules } from './visibility.ts';
import { postgresWakes, redisWakes } from './wake.ts';

/**
 * Realtime streams of the domain events (docs/realtime.md): SSE and WebSocket
 * transports, one fan-out per process woken by PostgreSQL NOTIFY (or Redis pub/sub),
 * per-subscriber visibility from the modules' rules, and credentials re-checked while
 * a stream stays open.
 */
export { createRealtimeMetrics, type RealtimeMetrics } from './metrics.ts';
export {
  concerns,
  isAdmin,
  visibleBy,
  type EventVisibilityRule,
  type EventVisibilityRules,
} from './visibility.ts';
export { realtimeErrors } from './routes.ts';
export type { StreamEvent } from './messages.ts';

/** Every role may follow the stream; what each receives is decided per event. */
export const realtimePermissions = {
  [REALTIME_PERMISSION]: ['manager', 'agent', 'viewer'],
} as const satisfies PermissionGrants;

export interface RealtimeOptions {
  db: Database;
  pool: pg.Pool;
  redis?: Redis;
  catalogue: EventCatalogue;
  rules: EventVisibilityRules;
  authenticator: Authenticator;
  policy: Policy;
  invalidation: Pick<InvalidationBus, 'subscribe'>;
  allowedOrigins: readonly string[];
  metrics: RealtimeMetrics;
  limits: StreamLimits & { recheckMs: number };
}

/** Mounts the stream routes under the instance's prefix and runs the fan-out while the app is up. */
export async function realtimePlugin(app: FastifyInstance, options: RealtimeOptions): Promise<void> {
  const { db, pool, redis, catalogue, rules, policy, limits, metrics } = options;
  const log = app.log.child({ module: 'realtime' });
  const visibility = createVisibility(catalogue, rules);
  if (visibility.unruled.length > 0)
    log.warn(
      { types: visibility.unruled },
      'event types without a visibility rule are streamed to admins only',
    );
  const wakes = redis ? redisWakes({ pool, redis, log }) : postgresWakes(pool, log);
  const hub = createStreamHub({ db, wakes, visibility, limits, metrics, log });
  const recheck = createCredentialRecheck({
    hub,
    intervalMs: limits.recheckMs,
    mayStream: (actor) => policy.can(actor, REALTIME_PERMISSION),
    log,
  });
  options.invalidation.subscribe(() => {
    recheck.invalidated();
  });
  await realtimeRoutes(app, {
    hub,
    authenticator: options.authenticator,
    catalogue,
    allowedOrigins: options.allowedOrigins,
    maxMessageBytes: limits.maxMessageBytes,
  });
  app.addHook('onReady', async () => {
    await hub.start();
    recheck.start();
  });
  // Before the server waits for connections to end: open streams would hold it forever.
  app.addHook('preClose', async () => {
    await recheck.close();
    await hub.close();
  });
}
