import type { FastifyInstance } from 'fastify';
import type { FastifyDynamicSwaggerOptions } from '@fastify/swagger';
import { withListMediaTypes } from './list-formats.ts';
import {
  ComponentRegistry,
  nameOperationSchemas,
  shareParameters,
  type Operation,
} from './openapi.components.ts';
import { errorComponents, errorResponses } from './openapi.errors.ts';
import { describeRoute } from './openapi.operations.ts';
import { TAG_DESCRIPTIONS } from './openapi.tags.ts';

/**
 * OpenAPI 3.1 generated from the route schemas; never written by hand. One document per
 * API version (`/api/v1/openapi.json`, `/api/v2/openapi.json`), each with its schemas
 * as named components, a stable operationId per operation, declared tags and the error
 * bodies, so a client generator (openapi-typescript, orval, ...) gets usable types.
 * `npm run openapi:lint` holds both to Spectral's OAS ruleset.
 */
export function openApiOptions(version: string): FastifyDynamicSwaggerOptions {
  return {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Opsdesk API',
        version,
        description:
          'v1 (`/api/v1`, also bare `/api`) speaks the DRF wire format of the Broadcast Management System frontend. v2 (`/api/v2`) is the modern API: cursor pagination, problem+json errors, ETags with required If-Match on updates, Idempotency-Key on POST, sparse fieldsets (`?fields=`) and related objects on demand (`?expand=`).',
        contact: { name: 'Opsdesk', url: 'https://opsdesk.dev' },
        license: { name: 'MIT', identifier: 'MIT' },
      },
      servers: [{ url: '/', description: 'The server this document is served by.' }],
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
    transform: describeRoute,
    refResolver: {
      buildLocalReference: (json, _baseUri, _fragment, i) =>
        typeof json.$id === 'string' ? json.$id : `def-${i}`,
    },
  };
}

type Document = { paths?: Record<string, unknown> } & Record<string, unknown>;
type ApiPrefix = '/api/v1' | '/api/v2';

/** Schemas that are not a route's request or response, added to one document. */
export interface OpenApiExtras {
  /** Which document gets them (default v2). */
  api?: 'v1' | 'v2';
  /** Component name -> JSON schema (TypeBox), e.g. each event type's payload. */
  schemas: Record<string, object>;
  /**
   * Deliveries the API sends (OpenAPI 3.1 `webhooks`): name -> the component in
   * `schemas` that is its body. Components only reachable from here are still used, so
   * Spectral does not report them.
   */
  webhooks?: Record<string, { schema: string; summary: string; description?: string; tag?: string }>;
  /** Descriptions of tags the webhooks use that TAG_DESCRIPTIONS does not know. */
  tags?: Record<string, string>;
}

const extrasOf = new WeakMap<FastifyInstance, OpenApiExtras[]>();
const builtOf = new WeakMap<FastifyInstance, Map<ApiPrefix, { document: Document; conflicts: string[] }>>();

/**
 * The hook for schemas no route names: the event catalogue's payloads, for one. Call it
 * on the root instance before the first document is built (at boot, next to the module
 * wiring), e.g.
 *
 *   registerOpenApiComponents(app, {
 *     schemas: Object.fromEntries(catalogue.map((e) => [e.schemaName, e.payload])),
 *     webhooks: Object.fromEntries(catalogue.map((e) => [e.type, { schema: e.schemaName, summary: e.summary, tag: 'webhooks' }])),
 *     tags: { webhooks: 'Events delivered to subscribed URLs.' },
 *   });
 *
 * Each schema becomes `components.schemas[name]` (titled subschemas become their own
 * components, as everywhere else) and each webhook an entry of `webhooks`.
 */
export function registerOpenApiComponents(app: FastifyInstance, extras: OpenApiExtras): void {
  if (builtOf.has(app)) throw new Error('registerOpenApiComponents must run before the documents are built');
  extrasOf.set(app, [...(extrasOf.get(app) ?? []), extras]);
}

const METHODS = new Set(['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace']);

function operationsOf(paths: Record<string, unknown>): Operation[] {
  return Object.values(paths).flatMap((item) =>
    Object.entries(item as Record<string, Operation>)
      .filter(([method]) => METHODS.has(method))
      .map(([, operation]) => operation),
  );
}

function webhooksOf(extras: OpenApiExtras[], registry: ComponentRegistry, version: 'v1' | 'v2') {
  const webhooks: Record<string, unknown> = {};
  for (const extra of extras) {
    for (const [name, schema] of Object.entries(extra.schemas)) registry.define(name, schema);
    for (const [name, hook] of Object.entries(extra.webhooks ?? {})) {
      webhooks[name] = {
        post: {
          operationId: `${version}.webhooks.${name}`,
          summary: hook.summary,
          description: hook.description ?? hook.summary,
          tags: [hook.tag ?? 'webhooks'],
          requestBody: {
            required: true,
            content: { 'application/json': { schema: { $ref: `#/components/schemas/${hook.schema}` } } },
          },
          responses: { '2XX': { description: 'Received; any other status is retried.' } },
        },
      };
    }
  }
  return webhooks;
}

function declaredTags(operations: Operation[], webhooks: Record<string, unknown>, extras: OpenApiExtras[]) {
  const used = new Set<string>();
  for (const operation of [...operations, ...operationsOf(webhooks)])
    for (const tag of (operation as { tags?: string[] }).tags ?? []) used.add(tag);
  const known = Object.assign({}, TAG_DESCRIPTIONS, ...extras.map((extra) => extra.tags ?? {})) as Record<
    string,
    string
  >;
  const order = Object.keys(known);
  return [...used]
    .sort(
      (a, b) => (order.indexOf(a) + 1 || Infinity) - (order.indexOf(b) + 1 || Infinity) || a.localeCompare(b),
    )
    .map((name) => ({ name, description: known[name] ?? `Operations tagged ${name}.` }));
}

function build(app: FastifyInstance, prefix: ApiPrefix): { document: Document; conflicts: string[] } {
  const version = prefix === '/api/v1' ? 'v1' : 'v2';
  const full = app.swagger() as Document;
  // The JWKS lives at the origin's root (RFC 8414 style) but belongs to v2's token flow.
  const belongs = (path: string) =>
    path.startsWith(prefix) || (version === 'v2' && path.startsWith('/.well-known/'));
  const paths = structuredClone(
    Object.fromEntries(Object.entries(full.paths ?? {}).filter(([path]) => belongs(path))),
  );
  const registry = new ComponentRegistry(version);
  const operations = operationsOf(paths);
  for (const operation of operations) {
    nameOperationSchemas(operation, registry);
    errorResponses(operation, version);
  }
  const parameters = shareParameters(operations);
  const responses = errorComponents(registry, version);
  const extras = (extrasOf.get(app) ?? []).filter((extra) => (extra.api ?? 'v2') === version);
  const webhooks = webhooksOf(extras, registry, version);
  const components = full.components as Record<string, unknown>;
  const document: Document = {
    openapi: full.openapi,
    info: { ...(full.info as object), title: `Opsdesk API ${version}` },
    servers: full.servers,
    tags: declaredTags(operations, webhooks, extras),
    security: full.security,
    paths,
    ...(Object.keys(webhooks).length > 0 && { webhooks }),
    components: {
      securitySchemes: components.securitySchemes,
      schemas: registry.schemas,
      parameters,
      responses,
    },
  };
  return { document: withListMediaTypes(document), conflicts: registry.conflicts };
}

function built(app: FastifyInstance, prefix: ApiPrefix) {
  let byPrefix = builtOf.get(app);
  if (!byPrefix) {
    byPrefix = new Map<ApiPrefix, { document: Document; conflicts: string[] }>();
    builtOf.set(app, byPrefix);
  }
  let result = byPrefix.get(prefix);
  if (!result) byPrefix.set(prefix, (result = build(app, prefix)));
  return result;
}

/** The document of one API version, built once per app (the routes do not change after boot). */
export function documentFor(app: FastifyInstance, prefix: ApiPrefix): Document {
  return built(app, prefix).document;
}

/** Titles that name two different schemas in one document: those stay inline (the OpenAPI test wants none). */
export function componentConflicts(app: FastifyInstance, prefix: ApiPrefix): string[] {
  return built(app, prefix).conflicts;
}

export function openApiRoutes(app: FastifyInstance): void {
  for (const prefix of ['/api/v1', '/api/v2'] as const) {
    app.get(`${prefix}/openapi.json`, { config: { public: true }, schema: { hide: true } }, () =>
      documentFor(app, prefix),
    );
  }
}
