import type { TSchema } from '@sinclair/typebox';
import { isExpandOnly } from './shape.ts';

/**
 * The columns of a list export: one per leaf of the item schema, nested objects as
 * dotted names (`location.name`), and how a presented item's values fill them.
 */
interface SchemaNode {
  type?: string | string[];
  properties?: Record<string, SchemaNode>;
  anyOf?: SchemaNode[];
}

/**
 * Dotted column names for an item schema: nested objects become `location.name`. An
 * `ExpandOnly` property has none: it is no column unless a shape expanded it.
 */
export function columnsOf(schema: TSchema, prefix = ''): string[] {
  const node = schema as SchemaNode;
  const objectNode = node.properties ? node : node.anyOf?.find((branch) => branch.properties);
  if (!objectNode?.properties) return [prefix.slice(0, -1)];
  return Object.entries(objectNode.properties).flatMap(([name, child]) => {
    if (isExpandOnly(child)) return [];
    const isObject = child.properties || child.anyOf?.some((branch) => branch.properties);
    return isObject ? columnsOf(child as TSchema, `${prefix}${name}.`) : [`${prefix}${name}`];
  });
}

/** A value as the text of a CSV or XML cell: arrays of objects by their ids, `;`-separated. */
export function cell(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) {
    return value
      .map((item) =>
        item && typeof item === 'object' && 'id' in item ? cell((item as { id: unknown }).id) : cell(item),
      )
      .join(';');
  }
  if (typeof value === 'string') return value;
  return JSON.stringify(value);
}

/** The value at a dotted column path (`['location', 'name']`) of a presented item. */
export function leaf(item: unknown, path: readonly string[]): unknown {
  let value: unknown = item;
  for (const key of path) {
    value = value && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined;
  }
  return value;
}

export const pathsOf = (columns: string[]): string[][] => columns.map((column) => column.split('.'));

export function flatten(item: unknown, columns: string[]): string[] {
  return pathsOf(columns).map((path) => cell(leaf(item, path)));
}
