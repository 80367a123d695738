/**
 * Turns the inlined schemas @fastify/swagger emits into named components and `$ref`s.
 *
 * The route schemas stay fully inlined for Fastify: the validator and fast-json-stringify
 * compile them as they are, with no reference to resolve (see serialization.ts). Only the
 * document is rewritten: every schema with a `title` becomes `components.schemas[name]`,
 * once per document, and each place it appeared becomes a `$ref`. Response and request
 * bodies without a title are named after their operation, and query/path parameters used
 * identically by several operations become `components.parameters`.
 */

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const SCHEMA_MAPS = ['properties', 'patternProperties', '$defs', 'dependentSchemas'];
const SCHEMA_LISTS = ['anyOf', 'oneOf', 'allOf', 'prefixItems'];
const SCHEMA_VALUES = [
  'items',
  'additionalProperties',
  'not',
  'if',
  'then',
  'else',
  'contains',
  'propertyNames',
  'unevaluatedProperties',
  'unevaluatedItems',
];

/** A copy of the schema with each direct subschema passed through `map`. */
function mapSubschemas(schema: Json, map: (child: unknown) => unknown): Json {
  const out: Json = { ...schema };
  for (const key of SCHEMA_MAPS) {
    const members = schema[key];
    if (isObject(members))
      out[key] = Object.fromEntries(Object.entries(members).map(([name, child]) => [name, map(child)]));
  }
  for (const key of SCHEMA_LISTS) {
    const members = schema[key];
    if (Array.isArray(members)) out[key] = members.map(map);
  }
  for (const key of SCHEMA_VALUES) if (isObject(schema[key])) out[key] = map(schema[key]);
  return out;
}

/** JSON with sorted keys: two schemas are the same component when this is equal. */
export function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (!isObject(value)) return value === undefined ? 'null' : JSON.stringify(value);
  return `{${Object.keys(value)
    .sort()
    .map((key) => `${JSON.stringify(key)}:${canonical(value[key])}`)
    .join(',')}}`;
}

const COMPONENT_NAME = /^[A-Za-z0-9._-]+$/;

/**
 * The component name of a title in one document: the version suffix of that document is
 * dropped (`TicketV2` is `Ticket` in the v2 document, `ProfileV1` is `Profile` in v1),
 * because each document is generated into its own client.
 */
export function componentName(title: string, version: 'v1' | 'v2'): string {
  const marker = version === 'v1' ? /V1(?=[A-Z]|$)/g : /V2(?=[A-Z]|$)/g;
  return title.replace(marker, '').replace(/[^A-Za-z0-9._-]/g, '');
}

/** The named schemas of one document, and the names that two different schemas claimed. */
export class ComponentRegistry {
  readonly schemas: Record<string, Json> = {};
  readonly conflicts: string[] = [];
  private readonly keys = new Map<string, string>();

  constructor(private readonly version: 'v1' | 'v2') {}

  /** Registers the schema under `name`; false when that name already holds another schema. */
  add(name: string, schema: Json): boolean {
    if (!COMPONENT_NAME.test(name)) return false;
    const key = canonical(schema);
    const known = this.keys.get(name);
    if (known !== undefined) {
      if (known === key) return true;
      if (!this.conflicts.includes(name)) this.conflicts.push(name);
      return false;
    }
    this.keys.set(name, key);
    this.schemas[name] = schema;
    return true;
  }

  /** The schema with every titled subschema (itself included) moved to the components. */
  extract(schema: unknown): unknown {
    if (!isObject(schema) || typeof schema.$ref === 'string') return schema;
    const mapped = mapSubschemas(schema, (child) => this.extract(child));
    if (typeof mapped.title !== 'string') return mapped;
    const name = componentName(mapped.title, this.version);
    return this.add(name, mapped) ? refTo(name) : mapped;
  }

  /** Adds the schema (as plain JSON) under exactly `name`, its titled subschemas under theirs. */
  define(name: string, schema: object): boolean {
    const plain = JSON.parse(JSON.stringify(schema)) as Json;
    return this.add(
      name,
      mapSubschemas(plain, (child) => this.extract(child)),
    );
  }

  /** The schema as a component called `name` unless it already is a reference or a scalar. */
  name(schema: unknown, name: string): unknown {
    if (!isObject(schema) || typeof schema.$ref === 'string') return schema;
    if (schema.type === 'array' && isObject(schema.items) && isNamable(schema.items))
      return { ...schema, items: this.name(schema.items, `${name}Item`) };
    if (!isNamable(schema)) return schema;
    return this.add(name, schema) ? refTo(name) : schema;
  }
}

const refTo = (name: string) => ({ $ref: `#/components/schemas/${name}` });

/** Objects with properties and unions of them deserve a name; scalars read better inline. */
const isNamable = (schema: Json): boolean =>
  isObject(schema.properties) ||
  (Array.isArray(schema.anyOf) && schema.anyOf.some((branch) => isObject(branch) && 'properties' in branch));

const pascal = (text: string) =>
  text
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
    .join('');

export interface Operation {
  operationId?: string;
  parameters?: Json[];
  requestBody?: { content?: Record<string, { schema?: unknown }> };
  responses?: Record<string, { content?: Record<string, { schema?: unknown }> }>;
}

/** Names the bodies of one operation: titled schemas by title, the rest after the operation. */
export function nameOperationSchemas(operation: Operation, registry: ComponentRegistry): void {
  const base = pascal((operation.operationId ?? '').replace(/^v[12]\./, ''));
  for (const media of Object.values(operation.requestBody?.content ?? {})) {
    media.schema = registry.name(registry.extract(media.schema), `${base}Request`);
  }
  for (const [status, response] of Object.entries(operation.responses ?? {})) {
    const suffix = status === '200' || status === '201' ? 'Response' : `Response${status}`;
    for (const media of Object.values(response.content ?? {})) {
      media.schema = registry.name(registry.extract(media.schema), `${base}${suffix}`);
    }
  }
  if (operation.parameters)
    operation.parameters = operation.parameters.map((parameter) => ({
      ...parameter,
      schema: registry.extract(parameter.schema),
    }));
}

/**
 * Moves parameters that several operations declare identically (the `id` in a path,
 * `cursor`, `limit`, `fields`) to `components.parameters`. A name used with different
 * shapes (a `status` filter with other allowed values) stays inline everywhere, so a
 * component name always means one thing.
 */
export function shareParameters(operations: Operation[]): Record<string, Json> {
  const uses = new Map<string, { key: string; parameter: Json; count: number }[]>();
  for (const parameter of operations.flatMap((operation) => operation.parameters ?? [])) {
    const name = `${pascal(String(parameter.in))}${pascal(String(parameter.name))}`;
    const key = canonical(parameter);
    const variants = uses.get(name) ?? [];
    const variant = variants.find((known) => known.key === key);
    if (variant) variant.count += 1;
    else variants.push({ key, parameter, count: 1 });
    uses.set(name, variants);
  }
  const shared: Record<string, Json> = {};
  const byKey = new Map<string, string>();
  for (const [name, variants] of uses) {
    const [only] = variants;
    if (variants.length !== 1 || !only || only.count < 2 || !COMPONENT_NAME.test(name)) continue;
    shared[name] = only.parameter;
    byKey.set(only.key, name);
  }
  for (const operation of operations) {
    if (!operation.parameters) continue;
    operation.parameters = operation.parameters.map((parameter) => {
      const name = byKey.get(canonical(parameter));
      return name ? { $ref: `#/components/parameters/${name}` } : parameter;
    });
  }
  return shared;
}
