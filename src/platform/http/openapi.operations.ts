import type { RouteOptions } from 'fastify';

/**
 * What every operation of the documents carries besides its schemas: a stable
 * `operationId`, a summary and a description (the route's own words where it has them,
 * then who may call it), and `security: []` on public routes.
 *
 * The operationId is derived from the route, so it never drifts from the path:
 * `<version>.<static path segments in camelCase>.<verb>`, e.g. `v2.tickets.list`,
 * `v2.tickets.get`, `v2.tickets.comments.create`, `v1.incidentTickets.update`. Verbs:
 * GET is `list` when it answers a page or an array and `get` otherwise; POST is `create`
 * when it answers 201 and otherwise the action the last segment names
 * (`v2.tickets.bulk`, `v2.auth.login`); PUT `replace`; PATCH `update`; DELETE `delete`
 * on one resource and `deleteAll` on a collection. A route may still declare
 * `schema.operationId` itself; the OpenAPI test fails on duplicates.
 */

type Json = Record<string, unknown>;

const isParam = (segment: string) => segment.startsWith(':') || segment.startsWith('{');
const camel = (segment: string) => segment.replace(/[-_.]+([a-z0-9])/gi, (_, c: string) => c.toUpperCase());

/** The path below the version prefix, in segments. */
function segmentsOf(url: string): string[] {
  return url
    .replace(/^\/api(\/v[12])?(?=\/|$)/, '')
    .split('/')
    .filter(Boolean);
}

function successSchema(schema: Json): Json | undefined {
  const responses = (schema.response ?? {}) as Record<string, unknown>;
  const ok = responses['200'] ?? responses['2xx'];
  return typeof ok === 'object' && ok !== null ? (ok as Json) : undefined;
}

/** A v1 page (`count` + `results`), a v2 page (`data` + `has_more`) or a bare array. */
export function isListSchema(schema: Json | undefined): boolean {
  if (!schema) return false;
  if (schema.type === 'array') return true;
  const properties = (schema.properties ?? {}) as Json;
  return (
    ('results' in properties && 'count' in properties) || ('data' in properties && 'has_more' in properties)
  );
}

export function operationIdOf(version: 'v1' | 'v2', method: string, url: string, schema: Json): string {
  const segments = segmentsOf(url);
  const statics = segments.filter((segment) => !isParam(segment)).map(camel);
  const onItem = segments.length > 0 && isParam(segments[segments.length - 1] ?? '');
  const responses = (schema.response ?? {}) as Json;
  let verb: string | undefined;
  switch (method) {
    case 'GET':
      verb = !onItem && isListSchema(successSchema(schema)) ? 'list' : 'get';
      break;
    case 'POST':
      verb = '201' in responses || statics.length === 0 ? 'create' : undefined;
      break;
    case 'PUT':
      verb = 'replace';
      break;
    case 'PATCH':
      verb = 'update';
      break;
    case 'DELETE':
      verb = onItem ? 'delete' : 'deleteAll';
      break;
    default:
      verb = method.toLowerCase();
  }
  return [version, ...(statics.length > 0 ? statics : ['root']), ...(verb ? [verb] : [])].join('.');
}

const words = (segment: string) => segment.replace(/[-_]+/g, ' ');

function singular(noun: string): string {
  if (/ies$/.test(noun)) return noun.replace(/ies$/, 'y');
  if (/(ss|us)$/.test(noun)) return noun;
  if (/(sses|xes|ches|shes)$/.test(noun)) return noun.replace(/es$/, '');
  return noun.replace(/s$/, '');
}

const withArticle = (noun: string) => `${/^[aeio]/i.test(noun) ? 'an' : 'a'} ${noun}`;

/** A summary for a route that has none, read off its method and path ("List comments of a ticket"). */
export function defaultSummary(method: string, url: string, schema: Json): string {
  const segments = segmentsOf(url);
  const statics = segments.filter((segment) => !isParam(segment));
  const last = statics[statics.length - 1];
  if (!last) return 'The endpoints of this API version.';
  const onItem = isParam(segments[segments.length - 1] ?? '');
  const parent = statics[statics.length - 2];
  const owner = parent && segments.indexOf(last) > 0 && isParam(segments[segments.indexOf(last) - 1] ?? '');
  const of = owner ? ` of ${withArticle(singular(words(parent)))}` : '';
  const one = withArticle(singular(words(last)));
  switch (method) {
    case 'GET':
      if (!onItem && isListSchema(successSchema(schema))) return `List ${words(last)}${of}.`;
      return onItem ? `Get ${one}${of}.` : `Get ${words(last)}${of}.`;
    case 'POST':
      return '201' in ((schema.response ?? {}) as Json) ? `Create ${one}${of}.` : `${words(last)}${of}.`;
    case 'PUT':
      return `Replace ${one}${of}.`;
    case 'PATCH':
      return `Update ${one}${of}.`;
    case 'DELETE':
      return onItem ? `Delete ${one}${of}.` : `Delete the ${words(last)}${of}.`;
    default:
      return `${method} ${url}`;
  }
}

const capitalize = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

function accessNote(config: RouteOptions['config']): string {
  const { public: isPublic, permission } = (config ?? {}) as { public?: boolean; permission?: string };
  if (isPublic) return 'Public: no credentials needed.';
  if (permission) return `Needs the \`${permission}\` permission.`;
  return 'Needs an authenticated caller.';
}

/** The transform @fastify/swagger runs on each route before it documents it. */
export function describeRoute({
  schema,
  url,
  route,
}: {
  schema: unknown;
  url: string;
  route: RouteOptions;
}): { schema: Json; url: string } {
  const own = (schema ?? {}) as Json;
  if (own.hide) return { schema: own, url };
  const method = (Array.isArray(route.method) ? route.method[0] : route.method) ?? 'GET';
  const version = url.startsWith('/api/v2') ? 'v2' : 'v1';
  const summary =
    typeof own.summary === 'string' ? own.summary : capitalize(defaultSummary(method, url, own));
  const lead = typeof own.description === 'string' ? own.description : summary;
  const isPublic = route.config?.public === true;
  return {
    schema: {
      ...own,
      operationId:
        typeof own.operationId === 'string' ? own.operationId : operationIdOf(version, method, url, own),
      summary,
      description: `${lead}\n\n${accessNote(route.config)}`,
      ...(isPublic && !own.security && { security: [] }),
    },
    url,
  };
}
