import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import { Type, type TSchema } from '@sinclair/typebox';
import { mediaTypes, negotiatedFormat } from './negotiation.ts';
import { asArray, routeTakes } from './route-hooks.ts';

/**
 * Every list answers NDJSON. Paged lists do it through `sendList` (CSV, XML and NDJSON
 * of every matching row, streamed). The collections a route answers whole, as a JSON
 * array (a user's tokens, a ticket's comments) or as `{results: [...]}`, are small
 * and loaded at once; this hook gives each of them `?format=ndjson` and
 * `Accept: application/x-ndjson`: the same items, serialised by the same schema, one
 * per line. It also documents the media types of every list in OpenAPI.
 */

interface SchemaNode {
  type?: string;
  items?: SchemaNode;
  properties?: Record<string, SchemaNode>;
  anyOf?: SchemaNode[];
  const?: unknown;
  enum?: unknown[];
  $ref?: string;
}

/** Where a whole-collection answer keeps its items: the array itself, or its `results`. */
function itemsKeyOf(schema: SchemaNode | undefined): 'self' | 'results' | undefined {
  if (schema?.type === 'array' && schema.items) return 'self';
  const properties = schema?.properties;
  if (properties && Object.keys(properties).length === 1 && properties.results?.type === 'array')
    return 'results';
  return undefined;
}

const ndjsonFormat = Type.Optional(
  Type.Union([Type.Literal('json'), Type.Literal('ndjson')], {
    description: 'Response format: ndjson answers one item per line. Same as the Accept header.',
  }),
);

/** The items of a serialised whole-collection answer, one JSON text per line. */
function ndjsonOf(payload: string, key: 'self' | 'results'): string {
  const parsed = JSON.parse(payload) as unknown[] | { results: unknown[] };
  const items = key === 'self' ? (parsed as unknown[]) : (parsed as { results: unknown[] }).results;
  return items.map((item) => `${JSON.stringify(item)}\n`).join('');
}

function withNdjson(route: RouteOptions, key: 'self' | 'results'): void {
  const querystring = route.schema?.querystring as { properties?: Record<string, TSchema> } | undefined;
  route.schema = {
    ...route.schema,
    querystring: querystring?.properties
      ? { ...querystring, properties: { ...querystring.properties, format: ndjsonFormat } }
      : Type.Object({ format: ndjsonFormat }),
  };
  const convert = async (request: FastifyRequest, reply: FastifyReply, payload: unknown) => {
    if (reply.statusCode !== 200 || typeof payload !== 'string' || negotiatedFormat(request) !== 'ndjson')
      return payload;
    reply.type(mediaTypes.ndjson);
    return ndjsonOf(payload, key);
  };
  route.onSend = [...asArray(route.onSend), convert];
}

/** Registers the hook on a scope: its GET routes that answer a whole collection get NDJSON. */
export function listFormats(scope: FastifyInstance): void {
  scope.addHook('onRoute', (route) => {
    if (!routeTakes(route, 'GET')) return;
    const ok = (route.schema?.response as Record<string, SchemaNode> | undefined)?.[200];
    const key = itemsKeyOf(ok);
    if (key) withNdjson(route, key);
  });
}

type Parameter = { name: string; in: string; schema?: SchemaNode; $ref?: string };
type Operation = {
  parameters?: Parameter[];
  responses?: Record<string, { content?: Record<string, { schema?: SchemaNode }> }>;
};

/** The values a documented `format` parameter allows. */
function formatsOf(operation: Operation, shared: Record<string, Parameter>): string[] {
  const parameters = (operation.parameters ?? []).map((p) =>
    p.$ref ? shared[p.$ref.split('/').pop() ?? ''] : p,
  );
  const schema = parameters.find((p) => p?.name === 'format' && p.in === 'query')?.schema;
  if (!schema) return [];
  if (schema.enum) return schema.enum.map(String);
  // TypeBox literals come out of the swagger conversion as `{enum: [value]}` (or `{const}`).
  return (schema.anyOf ?? []).flatMap((branch) => branch.enum?.map(String) ?? [String(branch.const)]);
}

/**
 * The OpenAPI document with each list's other media types beside its JSON: CSV and XML
 * (text) where the list has them, NDJSON with the item schema (one item per line).
 */
export function withListMediaTypes<T extends { paths?: Record<string, unknown> }>(document: T): T {
  const components = (
    document as {
      components?: { schemas?: Record<string, SchemaNode>; parameters?: Record<string, Parameter> };
    }
  ).components;
  const resolve = (schema: SchemaNode | undefined) =>
    schema?.$ref ? components?.schemas?.[schema.$ref.split('/').pop() ?? ''] : schema;
  for (const item of Object.values(document.paths ?? {})) {
    const operation = (item as { get?: Operation }).get;
    const ok = operation?.responses?.['200']?.content;
    const json = resolve(ok?.['application/json']?.schema);
    if (!operation || !ok || !json) continue;
    const formats = formatsOf(operation, components?.parameters ?? {});
    const page = json.properties?.data ?? json.properties?.results;
    const items = resolve(json.type === 'array' ? json : page)?.items;
    if (!items) continue;
    if (formats.includes('ndjson')) {
      ok[mediaTypes.ndjson.split(';')[0] ?? ''] = {
        schema: { ...items, description: 'One item per line.' } as SchemaNode,
      };
    }
    for (const format of ['csv', 'xml'] as const) {
      if (formats.includes(format))
        ok[mediaTypes[format].split(';')[0] ?? ''] = { schema: { type: 'string' } };
    }
  }
  return document;
}
