import type { FastifyInstance } from 'fastify';
import type { FastifyDynamicSwaggerOptions } from '@fastify/swagger';

/** OpenAPI 3.1 generated from the route schemas; never written by hand. */
export function openApiOptions(version: string): FastifyDynamicSwaggerOptions {
  return {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Opsdesk API',
        version,
        description:
          'v1 (`/api/v1`, also bare `/api`) speaks the DRF wire format of the Broadcast Management System frontend. v2 (`/api/v2`) is the modern API: cursor pagination, problem+json errors, ETags with required If-Match on updates, Idempotency-Key on POST.',
      },
      components: {
        securitySchemes: {
          session: {
            type: 'apiKey',
            in: 'cookie',
            name: 'sessionid',
            description: 'Unsafe methods also need X-CSRFToken.',
          },
          token: {
            type: 'http',
            scheme: 'bearer',
            description: 'A personal API token (also accepted as "Token <key>").',
          },
          jwt: {
            type: 'http',
            scheme: 'bearer',
            bearerFormat: 'JWT',
            description:
              'A JWT access token from POST /api/v2/auth/token (typ at+jwt, at most 15 minutes), verifiable with /.well-known/jwks.json. Also accepted as the opsdesk_access cookie, whose unsafe requests need X-CSRFToken.',
          },
        },
      },
      security: [{ session: [] }, { token: [] }, { jwt: [] }],
    },
    refResolver: {
      buildLocalReference: (json, _baseUri, _fragment, i) =>
        typeof json.$id === 'string' ? json.$id : `def-${i}`,
    },
  };
}

type Document = { paths?: Record<string, unknown> } & Record<string, unknown>;

/** The document of one API version: the full document with only that version's paths. */
export function documentFor(app: FastifyInstance, prefix: '/api/v1' | '/api/v2'): Document {
  const full = app.swagger() as Document;
  const paths = Object.fromEntries(
    Object.entries(full.paths ?? {}).filter(([path]) => path.startsWith(prefix)),
  );
  return { ...full, info: { ...(full.info as object), title: `Opsdesk API ${prefix.slice(5)}` }, paths };
}

export function openApiRoutes(app: FastifyInstance): void {
  for (const prefix of ['/api/v1', '/api/v2'] as const) {
    app.get(`${prefix}/openapi.json`, { config: { public: true }, schema: { hide: true } }, () =>
      documentFor(app, prefix),
    );
  }
}
