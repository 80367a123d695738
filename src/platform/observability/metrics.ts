import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { Counter, Histogram, Registry, collectDefaultMetrics, type Metric } from 'prom-client';

/**
 * Prometheus metrics at /metrics: process metrics plus request count and latency per
 * route (the route pattern, not the URL, so ids do not explode the label set), and
 * the metrics other platform parts hand in (Redis availability).
 */
export const metricsPlugin = fp(
  (app: FastifyInstance, { metrics }: { metrics: Metric[] }) => {
    const registry = new Registry();
    collectDefaultMetrics({ register: registry });
    for (const metric of metrics) registry.registerMetric(metric);
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

    app.get(
      '/metrics',
      { config: { public: true, rateLimit: false }, schema: { hide: true } },
      async (_request, reply) => {
        reply.type(registry.contentType);
        return registry.metrics();
      },
    );
  },
  { name: 'opsdesk-metrics' },
);
