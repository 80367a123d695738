import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { AppError } from './errors.ts';

/**
 * v2 shape controls, on the schema level: `?fields=` (sparse fieldsets) and `?expand=`
 * (related objects in full instead of their reference).
 *
 * A response is shaped by serializing it with a shaped copy of its schema: fast-json-stringify
 * writes only the properties a schema names, so a subset schema is the subset on the wire,
 * with no second pass over the objects. An expandable property is declared with
 * `Expandable(reference, full)`: the documents show both forms, the default serializer
 * writes the reference, an expanded shape the full object. One whose reference is a
 * property of its own (`requester_customer_id`) is declared with `ExpandOnly(forms)`:
 * absent by default, added when expanded.
 */

type Json = Record<string, unknown>;

const EXPANDABLE = 'x-expandable';
const EXPAND_ONLY = 'x-expand-only';

/** A related object: its reference by default, the full object when `?expand=` names the property. */
export const Expandable = <R extends TSchema, F extends TSchema>(
  reference: R,
  full: F,
  description?: string,
) => Type.Union([reference, full, Type.Null()], { [EXPANDABLE]: true, ...(description && { description }) });
export type Expandable<R extends TSchema, F extends TSchema> = Static<R> | Static<F> | null;

/**
 * A related object that is no property by default (its id is already one, under a name of
 * its own) and is added, one of `forms` or null, when `?expand=` names it.
 */
export const ExpandOnly = <F extends TSchema[]>(forms: [...F], description?: string) =>
  Type.Optional(
    Type.Union([...forms, Type.Null()], {
      [EXPANDABLE]: true,
      [EXPAND_ONLY]: true,
      ...(description && { description }),
    }),
  );

const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const branchesOf = (schema: Json) => (Array.isArray(schema.anyOf) ? (schema.anyOf as Json[]) : []);
const isExpandable = (schema: unknown): schema is Json => isObject(schema) && schema[EXPANDABLE] === true;
export const isExpandOnly = (schema: unknown): boolean => isObject(schema) && schema[EXPAND_ONLY] === true;

/**
 * The form of an expandable property: the reference (branch 0) or the full object (branch 1),
 * nullable; an `ExpandOnly` one has no form (is left out) unless expanded, all of its own then.
 */
function formOf(schema: Json, expanded: boolean): Json | undefined {
  const { anyOf, [EXPANDABLE]: _marker, [EXPAND_ONLY]: only, ...annotations } = schema;
  if (only === true) return expanded ? { ...annotations, anyOf } : undefined;
  const branch = branchesOf(schema)[expanded ? 1 : 0] ?? {};
  return { ...annotations, anyOf: [branch, { type: 'null' }] };
}

/** Object properties with each expandable one in its form, those without one left out. */
function withForms(properties: Json, expanded: (name: string) => boolean): Json {
  const out: Json = {};
  for (const [name, schema] of Object.entries(properties)) {
    const form = isExpandable(schema) ? formOf(schema, expanded(name)) : schema;
    if (form) out[name] = form;
  }
  return out;
}

/** The schema as the default serializer writes it: every expandable property as its reference. */
export function collapseExpandables(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(collapseExpandables);
  if (!isObject(schema)) return schema;
  if (isExpandable(schema)) return collapseExpandables(formOf(schema, false));
  const out: Json = {};
  for (const [key, value] of Object.entries(schema))
    out[key] = collapseExpandables(
      key === 'properties' && isObject(value) ? withForms(value, () => false) : value,
    );
  return out;
}

/** Where the items are in a response: the object itself, `data` of a v2 page, or each element of an array. */
export interface ItemLocation {
  item: Json;
  rebuild(item: Json): Json;
}

export function locateItem(response: unknown): ItemLocation | undefined {
  if (!isObject(response)) return undefined;
  const data = isObject(response.properties) ? response.properties.data : undefined;
  if (
    isObject(data) &&
    data.type === 'array' &&
    isObject(data.items) &&
    'has_more' in (response.properties as Json)
  )
    return {
      item: data.items,
      rebuild: (item) => ({
        ...response,
        properties: { ...(response.properties as Json), data: { ...data, items: item } },
      }),
    };
  if (response.type === 'array' && isObject(response.items) && isObject(response.items.properties))
    return { item: response.items, rebuild: (item) => ({ ...response, items: item }) };
  if (isObject(response.properties)) return { item: response, rebuild: (item) => item };
  return undefined;
}

/** The properties of an object schema, or of the object branch of a nullable one. */
function propertiesOf(schema: Json): Json | undefined {
  if (isObject(schema.properties)) return schema.properties;
  const branch = branchesOf(schema).find((candidate) => isObject(candidate.properties));
  return branch ? (branch.properties as Json) : undefined;
}

export const expandableNames = (item: Json): string[] =>
  Object.entries(propertiesOf(item) ?? {})
    .filter(([, schema]) => isExpandable(schema))
    .map(([name]) => name);

/** The expandable properties that are only there when expanded (`ExpandOnly`). */
export const expandOnlyNames = (item: Json): string[] =>
  Object.entries(propertiesOf(item) ?? {})
    .filter(([, schema]) => isExpandOnly(schema))
    .map(([name]) => name);

/** Selected fields: a name maps to `true` (all of it) or to the fields selected inside it. */
export type FieldTree = Map<string, FieldTree | true>;

export interface ResponseShape {
  fields: FieldTree | undefined;
  expand: ReadonlySet<string>;
  /** Normalised fields + expand: the cache key of the shaped serializer. */
  key: string;
}

const invalid = (code: string, parameter: string, message: string) =>
  new AppError(code, 'invalid', message, { fields: { [parameter]: [message] } });

const listOf = (raw: string | undefined) =>
  [...new Set((raw ?? '').split(',').map((part) => part.trim()))].filter(Boolean).sort();

/**
 * Parses `?fields=` and `?expand=` against the item schema. Unknown names are a 400
 * naming them (code INVALID_FIELDS / INVALID_EXPAND). Dotted names select inside a
 * related object (`fields=id,reporter.username`).
 */
export function parseShape(item: Json, raw: { fields?: string; expand?: string }): ResponseShape | undefined {
  const expandable = expandableNames(item);
  const expand = listOf(raw.expand);
  const unknownExpand = expand.filter((name) => !expandable.includes(name));
  if (unknownExpand.length > 0)
    throw invalid(
      'INVALID_EXPAND',
      'expand',
      `Cannot expand ${unknownExpand.map((name) => `"${name}"`).join(', ')}; choose from: ${expandable.join(', ') || 'nothing'}.`,
    );
  const fields = listOf(raw.fields);
  if (fields.length === 0 && expand.length === 0) return undefined;
  const expanded = expandItem(item, new Set(expand));
  let tree: FieldTree | undefined;
  if (fields.length > 0) {
    tree = new Map();
    const unknown: string[] = [];
    for (const field of fields) if (!addField(tree, expanded, field.split('.'))) unknown.push(field);
    if (unknown.length > 0)
      throw invalid(
        'INVALID_FIELDS',
        'fields',
        `Unknown field${unknown.length > 1 ? 's' : ''} ${unknown.map((name) => `"${name}"`).join(', ')}; choose from: ${Object.keys(propertiesOf(expanded) ?? {}).join(', ')}.`,
      );
  }
  return { fields: tree, expand: new Set(expand), key: `${fields.join(',')}|${expand.join(',')}` };
}

function addField(tree: FieldTree, schema: Json, path: string[]): boolean {
  const [name, ...rest] = path;
  const child = name === undefined ? undefined : propertiesOf(schema)?.[name];
  if (!name || !isObject(child)) return false;
  if (rest.length === 0) {
    tree.set(name, true);
    return true;
  }
  const known = tree.get(name);
  if (known === true) return propertiesOf(child) !== undefined && addField(new Map(), child, rest);
  const subtree = known ?? new Map<string, FieldTree | true>();
  if (!addField(subtree, child, rest)) return false;
  tree.set(name, subtree);
  return true;
}

/** The item with the named expandable properties in full and the others as references. */
function expandItem(item: Json, expand: ReadonlySet<string>): Json {
  const properties = propertiesOf(item);
  if (!properties) return item;
  return { ...item, properties: withForms(properties, (name) => expand.has(name)) };
}

/** Keeps the selected properties (and `id`, always) of an object schema or of its nullable object branch. */
function select(schema: Json, tree: FieldTree): Json {
  if (!isObject(schema.properties)) {
    return {
      ...schema,
      anyOf: branchesOf(schema).map((branch) =>
        isObject(branch.properties) ? select(branch, tree) : branch,
      ),
    };
  }
  const properties = schema.properties;
  const kept: Json = {};
  for (const [name, value] of Object.entries(properties)) {
    const selected = tree.get(name);
    if (name === 'id' || selected === true) kept[name] = value;
    else if (selected) kept[name] = select(value as Json, selected);
  }
  const required = Array.isArray(schema.required)
    ? (schema.required as string[]).filter((name) => name in kept)
    : undefined;
  return { ...schema, properties: kept, ...(required && { required }) };
}

/** The item schema shaped by fields and expand, with expandable properties resolved either way. */
export function shapeItem(item: Json, shape: ResponseShape): Json {
  const expanded = expandItem(item, shape.expand);
  return shape.fields ? select(expanded, shape.fields) : expanded;
}
