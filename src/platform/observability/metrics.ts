import cluster from 'node:cluster';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { safeEqual } from '../auth/secrets.ts';
import { AppError } from '../http/errors.ts';
import { groupMetrics, shareWithPrimary } from './cluster-metrics.ts';
import { Counter, Histogram, Registry, collectDefaultMetrics, type Metric } from 'prom-client';

/**
 * Prometheus metrics at /metrics: process metrics plus request count and latency per
 * route (the route pattern, not the URL, so ids do not explode the label set), and
 * the metrics other platform parts hand in (Redis availability). With a `token`,
 * only a scraper sending it as a Bearer token reads them; without one they are open
 * when `open` (development, test) and not served at all otherwise (production).
 * In a cluster, every process's metrics are served (cluster-metrics.ts).
 */
export const metricsPlugin = fp(
  (
    app: FastifyInstance,
    { metrics, token, open }: { metrics: Metric[]; token: string | undefined; open: boolean },
  ) => {
    const registry = new Registry();
    collectDefaultMetrics({ register: registry });
    for (const metric of metrics) registry.registerMetric(metric);
    shareWithPrimary(registry);
    const labelNames = ['method', 'route', 'status'] as const;
    const requests = new Counter({
      name: 'http_requests_total',
      help: 'HTTP requests',
      labelNames,
      registers: [registry],
    });
    const duration = new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request duration',
      labelNames,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    });

    app.addHook('onResponse', (request, reply, done) => {
      const labels = {
        method: request.method,
        route: request.routeOptions.url ?? 'unmatched',
        status: String(reply.statusCode),
      };
      requests.inc(labels);
      duration.observe(labels, reply.elapsedTime / 1000);
      done();
    });

    // Without a token, production does not serve the metrics at all (they tell an attacker a lot).
    if (!token && !open) return;
    app.get(
      '/metrics',
      { config: { public: true, rateLimit: false }, schema: { hide: true } },
      async (request, reply) => {
        if (token && !safeEqual(request.headers.authorization ?? '', `Bearer ${token}`)) {
          reply.header('www-authenticate', 'Bearer realm="metrics"');
          throw new AppError(
            'NOT_AUTHENTICATED',
            'unauthenticated',
            'Send the metrics token as a Bearer token.',
          );
        }
        reply.type(registry.contentType);
        return cluster.isWorker ? groupMetrics() : registry.metrics();
      },
    );
  },
  { name: 'opsdesk-metrics' },
);
