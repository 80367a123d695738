import type { FastifyInstance } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import type pg from 'pg';
import type { Redis } from 'ioredis';
import { settledWithin } from '../process/deadline.ts';

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

/**
 * `check` shared by every caller: one runs at a time, and a passing answer serves the
 * callers of the next `freshMs` too, so a burst of probes (or a load test of the BMS
 * health endpoint) costs the dependency one query per `freshMs`, not one per request.
 * A failing answer is not kept: the next probe checks again, so recovery shows at once;
 * an outage shows within `freshMs` plus the check's own timeout.
 */
export function sharedCheck<T>(
  check: () => Promise<T>,
  options: { freshMs: number; passed: (value: T) => boolean },
): () => Promise<T> {
  let lastPass: number | undefined;
  let lastValue: T | undefined;
  let running: Promise<T> | undefined;
  return () => {
    if (lastPass !== undefined && Date.now() - lastPass < options.freshMs)
      return Promise.resolve(lastValue as T);
    running ??= check().then((value) => {
      lastPass = options.passed(value) ? Date.now() : undefined;
      lastValue = value;
      running = undefined;
      return value;
    });
    return running;
  };
}

/** How long one dependency check answers readiness for. */
const CHECK_FRESH_MS = 1000;

/**
 * Liveness (the process answers, nothing else), readiness (its database answered within
 * a second, checked at most once a second however many probes come; 503 at once while
 * shutting down) and the BMS `/api/health/`. Redis is reported, as `degraded`
 * when it does not answer, but never fails readiness: Opsdesk serves without it.
 */
export function healthRoutes(
  app: FastifyInstance,
  deps: { pool: pg.Pool; redis: Redis | undefined; version: string; isClosing: () => boolean },
): () => Promise<Static<typeof HealthReport>> {
  const checkDatabase = sharedCheck(
    () =>
      settledWithin(deps.pool.query('SELECT 1'), 1000).then(
        (answer) => (answer === 'late' ? ('error' as const) : ('ok' as const)),
        () => 'error' as const,
      ),
    { freshMs: CHECK_FRESH_MS, passed: (status) => status === 'ok' },
  );
  const { redis: client } = deps;
  const pingRedis = client
    ? sharedCheck(
        () =>
          settledWithin(client.ping(), 1000).then(
            (answer) => (answer === 'late' ? ('degraded' as const) : ('ok' as const)),
            () => 'degraded' as const,
          ),
        { freshMs: CHECK_FRESH_MS, passed: (status) => status === 'ok' },
      )
    : undefined;
  // A connection the client knows is down is reported at once, whatever the last ping said.
  const checkRedis = () =>
    client && pingRedis
      ? client.status === 'ready'
        ? pingRedis()
        : Promise.resolve('degraded' as const)
      : Promise.resolve('disabled' as const);
  const report = async () => {
    const [database, redis] = await Promise.all([checkDatabase(), checkRedis()]);
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
  // The same shared checks answer dashboards that show health, without a probe request of their own.
  return report;
}
