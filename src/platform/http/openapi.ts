import type { FastifyInstance } from 'fastify';
import type { FastifyDynamicSwaggerOptions } from '@fastify/swagger';
import { withListMediaTypes } from './list-formats.ts';

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
        },
      },
      security: [{ session: [] }, { token: [] }],
    },
    refResolver: {
      buildLocalReference: (json, _baseUri, _fragment, i) =>
        typeof json.$id === 'string' ? json.$id : `def-${i}`,
    },
  };
}

type Document = { paths?: Record<string, unknown> } & Record<string, unknown>;

/** The document of one API version: the full document with only that version's paths, lists with their media types. */
export function documentFor(app: FastifyInstance, prefix: '/api/v1' | '/api/v2'): Document {
  const full = app.swagger() as Document;
  const paths = Object.fromEntries(
    Object.entries(full.paths ?? {}).filter(([path]) => path.startsWith(prefix)),
  );
  return withListMediaTypes({
    ...full,
    info: { ...(full.info as object), title: `Opsdesk API ${prefix.slice(5)}` },
    paths,
  });
}

export function openApiRoutes(app: FastifyInstance): void {
  for (const prefix of ['/api/v1', '/api/v2'] as const) {
    app.get(`${prefix}/openapi.json`, { config: { public: true }, schema: { hide: true } }, () =>
      documentFor(app, prefix),
    );
  }
}
