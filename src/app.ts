import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import Fastify, { type FastifyInstance, type FastifyPluginAsync, type FastifyServerOptions } from 'fastify';
import cookie from '@fastify/cookie';
import cors from '@fastify/cors';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Redis } from 'ioredis';
import type { Config } from './config.ts';
import { authenticationPlugin } from './platform/auth/authenticate.ts';
import { apiKeyRateLimit } from './platform/auth/api-key-rate-limit.ts';
import { watchRedis } from './platform/cache/redis.ts';
import type { DatabaseHandle } from './platform/db/client.ts';
import { registerBodyParsers } from './platform/http/body.ts';
import { announceDeprecation } from './platform/http/deprecation.ts';
import { notModified } from './platform/http/etag.ts';
import { errorHandler } from './platform/http/error-handler.ts';
import { commonErrors } from './platform/http/errors.ts';
import { healthRoutes } from './platform/http/health.ts';
import { idempotencyPlugin } from './platform/http/idempotency.ts';
import { rejectNullCharacters } from './platform/http/null-characters.ts';
import { securityHeadersPlugin } from './platform/http/security-headers.ts';
import { rateLimitStore } from './platform/http/rate-limit-store.ts';
import { openApiRoutes, openApiOptions, registerOpenApiComponents } from './platform/http/openapi.ts';
import { listFormats } from './platform/http/list-formats.ts';
import { privateCachingPlugin } from './platform/http/private-caching.ts';
import { uploadsPlugin } from './platform/http/uploads.ts';
import { createValidatorCompiler } from './platform/http/validation.ts';
import { serializerCompiler } from './platform/http/serialization.ts';
import { shapeControls } from './platform/http/shape-controls.ts';
import { eventOpenApiExtras } from './platform/events/index.ts';
import { V1_PREFIXES, V2_PREFIX } from './platform/http/versioning.ts';
import { redactingLogger } from './platform/observability/log-redaction.ts';
import { metricsPlugin } from './platform/observability/metrics.ts';
import { createRealtimeMetrics, realtimePlugin } from './platform/realtime/index.ts';
import { createServices, eventCatalogue, moduleRoutes, type Services } from './modules/index.ts';

const { version } = createRequire(import.meta.url)('../package.json') as { version: string };

export interface AppDeps {
  config: Config;
  database: DatabaseHandle;
  redis?: Redis;
  logger?: FastifyServerOptions['logger'];
  /** The clock of time-driven modules (SLA, assignment); tests pass one they move. */
  now?: () => Date;
}

declare module 'fastify' {
  interface FastifyInstance {
    config: Config;
    services: Services;
    /** Readiness answers 503 from now on and every response closes its connection; requests are still served. */
    beginDrain(): void;
  }
}

const REQUEST_ID = /^[\w.:-]{1,128}$/;

/**
 * Builds the whole API (platform plugins in a fixed order, then modules) without
 * listening, so tests drive it with `inject()` and `main.ts` decides how to serve it.
 */
export async function buildApp({ config, database, redis, logger, now }: AppDeps): Promise<FastifyInstance> {
  let closing = false;
  const app = Fastify({
    logger: redactingLogger(logger ?? { level: config.logLevel }),
    trustProxy: config.trustProxy > 0 ? (_address: string, hop: number) => hop < config.trustProxy : false,
    bodyLimit: config.bodyLimitBytes,
    requestTimeout: config.requestTimeoutMs,
    connectionTimeout: config.requestTimeoutMs,
    // A request that reached a connection before the listener closed is served, not refused:
    // responses close their connection while draining, so none can keep a socket busy for long.
    return503OnClosing: false,
    // On close, keep-alive sockets without a request in flight are closed; busy ones finish first.
    forceCloseConnections: 'idle',
    requestIdHeader: false,
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
    routerOptions: { ignoreTrailingSlash: true, ignoreDuplicateSlashes: true, maxParamLength: 200 },
  }).withTypeProvider<TypeBoxTypeProvider>();

  const redisLink = redis && watchRedis(redis, app.log);
  const services = createServices(database, config, { now, redis: redisLink });
  const realtimeMetrics = createRealtimeMetrics();
  app.decorate('config', config);
  app.decorate('services', services);

  app.setValidatorCompiler(createValidatorCompiler());
  app.setSerializerCompiler(serializerCompiler);
  shapeControls(app);
  registerBodyParsers(app);
  app.addHook('preValidation', rejectNullCharacters);
  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler((request, reply) => errorHandler(commonErrors.NOT_FOUND(), request, reply));
  app.addHook('onRequest', (request, reply, done) => {
    reply.header('x-request-id', request.id);
    done();
  });
  securityHeadersPlugin(app, {
    contentSecurityPolicy: { directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } },
    crossOriginResourcePolicy: { policy: 'same-site' },
  });
  app.decorate('beginDrain', () => {
    closing = true;
  });
  app.addHook('preClose', (done) => {
    closing = true;
    done();
  });
  // One hook for both: every answer passes through each onSend hook there is.
  app.addHook('onSend', (request, reply, payload, done) => {
    // While draining, clients reconnect for their next request: through the load
    // balancer, which by then sends them to a process that is not going away.
    if (closing) reply.header('connection', 'close');
    if (notModified(request, reply)) {
      reply.code(304);
      done(null, '');
      return;
    }
    done(null, payload);
  });

  await app.register(cors, {
    origin: [...config.corsOrigins],
    credentials: true,
    methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'],
    allowedHeaders: [
      'content-type',
      'authorization',
      'x-csrftoken',
      'if-match',
      'if-none-match',
      'idempotency-key',
      'x-request-id',
      'accept',
    ],
    exposedHeaders: [
      'etag',
      'location',
      'link',
      'x-request-id',
      'idempotent-replayed',
      'content-disposition',
      'retry-after',
      'deprecation',
      'sunset',
    ],
    maxAge: 600,
  });
  await app.register(cookie);
  await app.register(uploadsPlugin, { maxFileBytes: config.attachmentMaxBytes });
  await app.register(rateLimit, {
    global: config.rateLimitPerMinute > 0,
    max: config.rateLimitPerMinute,
    timeWindow: 60_000,
    ...(redisLink && { store: rateLimitStore(redisLink, 'opsdesk:rate:') }),
    errorResponseBuilder: (_request, context) =>
      Object.assign(
        new Error(`Request was throttled. Expected available in ${Math.ceil(context.ttl / 1000)} seconds.`),
        {
          statusCode: 429,
          code: 'RATE_LIMITED',
        },
      ),
  });
  await app.register(metricsPlugin, {
    metrics: [...(redisLink?.metrics ?? []), ...services.cacheMetrics.metrics, ...realtimeMetrics.all],
    token: config.metricsToken,
    open: !config.isProduction,
  });
  await app.register(swagger, openApiOptions(version));
  await app.register(async (docs) => {
    // The API reference is public, like the OpenAPI documents it renders.
    docs.addHook('onRoute', (route) => {
      route.config = { ...route.config, public: true };
    });
    await docs.register(swaggerUi, {
      routePrefix: '/docs',
      staticCSP: true,
      uiConfig: {
        urls: [
          { url: '/api/v2/openapi.json', name: 'v2' },
          { url: '/api/v1/openapi.json', name: 'v1 (DRF-compatible)' },
        ],
      },
    });
  });
  await app.register(authenticationPlugin, {
    authenticator: services.identity.authenticator,
    policy: services.policy,
    allowedOrigins: config.corsOrigins,
    apiKeyRateLimit: apiKeyRateLimit(app, config.apiKeyRateLimitPerMinute),
  });
  await app.register(idempotencyPlugin, {
    db: database.db,
    takeoverSeconds: config.idempotencyTakeoverSeconds,
  });
  await app.register(privateCachingPlugin);

  const health = healthRoutes(app, { pool: database.pool, redis, version, isClosing: () => closing });
  openApiRoutes(app);
  registerOpenApiComponents(app, eventOpenApiExtras(eventCatalogue));

  const routes = moduleRoutes(services, {
    sessionTtlHours: config.sessionTtlHours,
    secureCookies: config.secureCookies,
    loginRateLimitPerMinute: config.loginRateLimitPerMinute,
    mailRateLimitPerHour: config.mailRateLimitPerHour,
    ticketImportMaxBytes: config.ticketImportMaxBytes,
    allowedOrigins: config.corsOrigins,
    refreshTokenTtlDays: config.refreshTokenTtlDays,
    health,
  });
  const v1Deprecation = {
    deprecatedAt: config.apiV1DeprecationDate,
    sunsetAt: config.apiV1SunsetDate,
    link: config.apiV1DeprecationLink,
  };
  const mount =
    (plugins: FastifyPluginAsync[], hidden: boolean, version: 'v1' | 'v2'): FastifyPluginAsync =>
    async (scope) => {
      if (version === 'v1') announceDeprecation(scope, v1Deprecation);
      if (hidden) {
        scope.addHook('onRoute', (route) => {
          route.schema = { ...route.schema, hide: true };
        });
      }
      apiRoot(scope);
      listFormats(scope);
      for (const plugin of plugins) await scope.register(plugin);
    };
  for (const plugin of routes.root) await app.register(plugin);
  for (const prefix of V1_PREFIXES) await app.register(mount(routes.v1, prefix === '/api', 'v1'), { prefix });
  await app.register(mount(routes.v2, false, 'v2'), { prefix: V2_PREFIX });
  await app.register(realtimePlugin, {
    prefix: V2_PREFIX,
    db: database.db,
    pool: database.pool,
    redis,
    catalogue: eventCatalogue,
    rules: services.eventVisibility,
    authenticator: services.identity.authenticator,
    policy: services.policy,
    invalidation: services.invalidation,
    allowedOrigins: config.corsOrigins,
    metrics: realtimeMetrics,
    limits: {
      heartbeatMs: config.realtimeHeartbeatSeconds * 1000,
      maxBufferBytes: config.realtimeMaxBufferBytes,
      maxMessageBytes: config.realtimeMaxMessageBytes,
      recheckMs: config.realtimeRecheckSeconds * 1000,
    },
  });

  app.addHook('onClose', () => services.invalidation.close());
  await services.invalidation.start();

  return app;
}

/** `GET /api/`: the list of endpoint URLs, as DRF's router answers. */
function apiRoot(scope: FastifyInstance): void {
  const resources = new Set<string>();
  scope.addHook('onRoute', (route) => {
    const match = /^\/api(?:\/v[12])?\/([a-z-]+)\/?$/.exec(route.url);
    if (route.method === 'GET' && match?.[1] && route.config?.permission) resources.add(match[1]);
  });
  scope.get(
    '/',
    { config: { public: true }, schema: { tags: ['meta'], summary: 'The endpoints of this API version.' } },
    (request) => {
      const base = `${request.protocol}://${request.host}${request.url.split('?')[0]?.replace(/\/?$/, '/') ?? '/'}`;
      const slash = request.url.startsWith('/api/v2') ? '' : '/';
      return Object.fromEntries([...resources].sort().map((name) => [name, `${base}${name}${slash}`]));
    },
  );
}
