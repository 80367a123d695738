import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import type pg from 'pg';
import type { Redis } from 'ioredis';

const Check = Type.Union([Type.Literal('ok'), Type.Literal('error'), Type.Literal('disabled')]);
const HealthReport = Type.Object({
  status: Type.Union([Type.Literal('ok'), Type.Literal('error')]),
  database: Check,
  /** Optional: without it rate limits run in-process, so `degraded` never fails readiness. */
  redis: Type.Union([Type.Literal('ok'), Type.Literal('degraded'), Type.Literal('disabled')]),
  version: Type.String(),
  uptime_seconds: Type.Number(),
});

/**
 * Probes are public, never throttled (a burst must not make a healthy process look dead)
 * and, being public, answered without looking up credentials (which needs the database).
 */
const PROBE = { public: true, rateLimit: false } as const;

async function within<T>(ms: number, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      work,
      new Promise<never>(
        (_, reject) =>
          (timer = setTimeout(() => {
            reject(new Error('timeout'));
          }, ms)),
      ),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Liveness (the process answers), readiness (its database answers within a second;
 * 503 while shutting down) and the BMS `/api/health/`. Redis is reported, as `degraded`
 * when it does not answer, but never fails readiness: Opsdesk serves without it.
 */
export function healthRoutes(
  app: FastifyInstance,
  deps: { pool: pg.Pool; redis: Redis | undefined; version: string; isClosing: () => boolean },
) {
  const report = async () => {
    const database = await within(1000, deps.pool.query('SELECT 1')).then(
      () => 'ok' as const,
      () => 'error' as const,
    );
    const redis = deps.redis
      ? await within(1000, deps.redis.ping()).then(
          () => 'ok' as const,
          () => 'degraded' as const,
        )
      : ('disabled' as const);
    const healthy = database === 'ok' && !deps.isClosing();
    return {
      status: healthy ? ('ok' as const) : ('error' as const),
      database,
      redis,
      version: deps.version,
      uptime_seconds: Math.round(process.uptime()),
    };
  };
  const schema = { tags: ['health'], response: { 200: HealthReport, 503: HealthReport } };

  app.get(
    '/health/live',
    {
      config: PROBE,
      schema: { tags: ['health'], response: { 200: Type.Object({ status: Type.Literal('ok') }) } },
    },
    () => ({
      status: 'ok' as const,
    }),
  );
  for (const url of ['/health/ready', '/api/health/', '/api/v1/health/', '/api/v2/health']) {
    app.get(
      url,
      {
        config: PROBE,
        schema: { ...schema, hide: url !== '/health/ready' && url !== '/api/v2/health' },
      },
      async (_request, reply) => {
        const result = await report();
        return reply.code(result.status === 'ok' ? 200 : 503).send(result);
      },
    );
  }
}
