import { Column, is, SQL, sql } from 'drizzle-orm';
import type { AnyPgColumn } from 'drizzle-orm/pg-core';
import type { TSchema } from '@sinclair/typebox';
import { columnsOf } from './columns.ts';

/**
 * Flat exports: a list item's wire shape written as SQL, so an export of a million rows
 * reads rows that are already the answer (relations joined, times formatted, labels
 * mapped by PostgreSQL) and turns each into a CSV line or a JSON line without building
 * an object per row.
 *
 * A projection mirrors the item schema key by key: a leaf is a column or an SQL
 * expression whose value is the wire value (text for times: `isoTime`); a plain object
 * is an embedded object that is always there; `nested(present, fields)` one that is
 * `null` unless `present` holds. The selected row is an array: the leaves in schema
 * order (the CSV columns), then one presence flag per `nested`.
 */
export type ProjectionLeaf = SQL | AnyPgColumn;
export interface Projection {
  [key: string]: ProjectionLeaf | Projection | Nested;
}

export class Nested {
  constructor(
    readonly present: SQL,
    readonly fields: Projection,
  ) {}
}

/** An embedded object that is `null` in the item unless `present` is true for the row. */
export const nested = (present: SQL, fields: Projection): Nested => new Nested(present, fields);

/** A timestamp as `Date#toISOString()` writes it (UTC, milliseconds, `Z`): what the JSON items carry. */
export const isoTime = (value: SQL | AnyPgColumn): SQL<string | null> =>
  sql`to_char(${value} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/** A stored code as its label (`open` -> `Open`), from the same map the presenter uses. */
export function labelOf(value: SQL | AnyPgColumn, labels: Record<string, string>): SQL<string> {
  const cases = Object.entries(labels).map(([code, label]) => sql`when ${code} then ${label}`);
  return sql`(case ${value} ${sql.join(cases, sql` `)} end)`;
}

/**
 * A subquery joined into another module's export under `alias` (people, facilities):
 * the owning module writes the select over its own tables, the exporting module only
 * joins it on its foreign key and reads the columns it names.
 */
export function exportSource(alias: string, select: SQL, key: string) {
  const column = (name: string): SQL => sql`${sql.identifier(alias)}.${sql.identifier(name)}`;
  return {
    column,
    /** `left join (<select>) as alias on alias.key = foreignKey`. */
    join: (foreignKey: SQL | AnyPgColumn): SQL =>
      sql`left join (${select}) as ${sql.identifier(alias)} on ${column(key)} = ${foreignKey}`,
  };
}

export interface CompiledProjection {
  /** The select list: the leaves, then one presence flag per `nested`. */
  select: SQL;
  /** Dotted leaf paths (`facility.location.name`), as `columnsOf(item)` gives them. */
  columns: string[];
  /** The item as JSON text, from a selected row. */
  json(row: readonly unknown[]): string;
}

const isPlainObject = (node: unknown): node is Projection =>
  typeof node === 'object' &&
  node !== null &&
  !is(node, SQL) &&
  !is(node, Column) &&
  Object.getPrototypeOf(node) === Object.prototype;

type Writer = (row: readonly unknown[]) => string;

/**
 * Compiles the projection of `item`. Throws at boot when the projection's leaves are not
 * exactly the schema's (a renamed field in one and not the other), so a flat export
 * never drifts from the JSON list it stands for.
 */
export function compileProjection(item: TSchema, projection: Projection): CompiledProjection {
  const leaves: ProjectionLeaf[] = [];
  const columns: string[] = [];
  const presences: SQL[] = [];

  // A leaf is a string, number, boolean or null: JSON.stringify writes each as the serializer would.
  const leafWriter =
    (index: number): Writer =>
    (row) =>
      JSON.stringify(row[index]);

  const objectWriter = (fields: Projection, prefix: string): Writer => {
    const entries = Object.entries(fields).map(([key, node], i) => {
      const head = `${i === 0 ? '{' : ','}${JSON.stringify(key)}:`;
      const path = `${prefix}${key}`;
      let write: Writer;
      if (node instanceof Nested) {
        const presence = presences.length;
        presences.push(node.present);
        const inner = objectWriter(node.fields, `${path}.`);
        // Presence flags follow the leaves, whose number is known once the whole tree is read.
        write = (row) => (row[leaves.length + presence] === true ? inner(row) : 'null');
      } else if (isPlainObject(node)) {
        write = objectWriter(node, `${path}.`);
      } else {
        write = leafWriter(leaves.length);
        leaves.push(node);
        columns.push(path);
      }
      return { head, write };
    });
    if (entries.length === 0) return () => '{}';
    return (row) => {
      let text = '';
      for (const entry of entries) text += entry.head + entry.write(row);
      return `${text}}`;
    };
  };

  const json = objectWriter(projection, '');
  const expected = columnsOf(item);
  if (expected.join(',') !== columns.join(',')) {
    throw new Error(
      `projection does not match its item schema:\n  schema:     ${expected.join(', ')}\n  projection: ${columns.join(', ')}`,
    );
  }
  const select = sql.join(
    [...leaves.map((leaf) => sql`${leaf}`), ...presences.map((present) => sql`(${present})`)],
    sql`, `,
  );
  return { select, columns, json };
}
