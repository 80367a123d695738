import { Column, is, sql, SQL, Table, getTableColumns, getTableName, type Placeholder } from 'drizzle-orm';
import { PgDialect, QueryBuilder } from 'drizzle-orm/pg-core';
import pg from 'pg';
import type { Executor } from './client.ts';

/**
 * Hand-compiled selects for the hottest reads (a page's tickets, people, facilities and
 * departments). Drizzle builds the statement once, at startup: its text, its parameter
 * order and the layout of its columns. Each run is then one named statement
 * (PreparingClient prepares it once per connection) whose rows, read as arrays, are
 * mapped by that precomputed layout. Drizzle rebuilds the SQL of every query it runs and
 * maps every row through a generic walk; on a page of 50 nested tickets that was a
 * quarter of the request's CPU (bench/cpu.ts). Everything else stays with drizzle.
 */

const dialect = new PgDialect({ casing: 'snake_case' });

/** Builds selects without a database; only their text and layout are kept. */
export const selectBuilder = new QueryBuilder(dialect);

interface BuiltSelect {
  _: { result: unknown; selectedFields: Record<string, unknown> };
  /** Drizzle's record of the joins whose rows are never missing (not in its published types). */
  joinsNotNullableMap?: Record<string, boolean>;
  toSQL(): { sql: string; params: unknown[] };
}

type Decode = ((value: unknown) => unknown) | undefined;

interface Leaf {
  key: string;
  index: number;
  decode: Decode;
}

interface Group {
  key: string;
  fields: Leaf[];
  /** A left-joined table: an object whose columns are all null is no row at all. */
  nullable: boolean;
}

/** The values drizzle's columns decode themselves; node-postgres would parse them first. */
const RAW_TYPES = new Set([1082, 1114, 1184, 1186, 1182, 1115, 1185, 1187, 1231]);
const raw = (value: string) => value;
const parserOf = pg.types.getTypeParser as (oid: number, format?: string) => (value: string) => unknown;
const types: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: string) =>
    RAW_TYPES.has(oid) ? raw : parserOf(oid, format)) as pg.CustomTypesConfig['getTypeParser'],
};

function decoderOf(field: unknown): Decode {
  if (is(field, Column)) {
    // Most columns (text, integer from int4, boolean, enums) come as they are.
    if (field.mapFromDriverValue === Column.prototype.mapFromDriverValue) return undefined;
    return (value) => field.mapFromDriverValue(value);
  }
  // `mapWith` sets an SQL's decoder; drizzle's types keep it internal.
  const expression = is(field, SQL) ? field : is(field, SQL.Aliased) ? field.sql : undefined;
  if (!expression) return undefined;
  const { decoder } = expression as unknown as { decoder?: { mapFromDriverValue(value: unknown): unknown } };
  return decoder ? (value) => decoder.mapFromDriverValue(value) : undefined;
}

const isLeaf = (field: unknown) => is(field, Column) || is(field, SQL) || is(field, SQL.Aliased);

/**
 * The selection's columns in drizzle's SQL order (its `orderSelectedFields`): leaves and
 * one level of objects; `notNullable` is drizzle's own record of which joined tables
 * always hold a row.
 */
function layoutOf(fields: Record<string, unknown>, notNullable: Record<string, boolean>): (Leaf | Group)[] {
  let index = 0;
  return Object.entries(fields).map(([key, field]): Leaf | Group => {
    if (isLeaf(field)) return { key, index: index++, decode: decoderOf(field) };
    const members = is(field, Table) ? getTableColumns(field) : (field as Record<string, unknown>);
    const leaves = Object.entries(members).map(([name, member]) => {
      if (!isLeaf(member)) throw new Error(`compiled selects nest one level: ${key}.${name}`);
      return { key: name, index: index++, decode: decoderOf(member) };
    });
    const tables = new Set(
      Object.values(members).map((member) => (is(member, Column) ? getTableName(member.table) : undefined)),
    );
    const [table] = tables;
    return { key, fields: leaves, nullable: tables.size === 1 && table !== undefined && !notNullable[table] };
  });
}

function mapperOf(layout: (Leaf | Group)[]): (row: unknown[]) => Record<string, unknown> {
  const value = (row: unknown[], leaf: Leaf) => {
    const raw = row[leaf.index];
    return raw === null || raw === undefined || !leaf.decode ? (raw ?? null) : leaf.decode(raw);
  };
  return (row) => {
    const result: Record<string, unknown> = {};
    for (const entry of layout) {
      if ('index' in entry) {
        result[entry.key] = value(row, entry);
        continue;
      }
      const object: Record<string, unknown> = {};
      let present = false;
      for (const leaf of entry.fields) {
        const item = value(row, leaf);
        if (item !== null) present = true;
        object[leaf.key] = item;
      }
      result[entry.key] = present || !entry.nullable ? object : null;
    }
    return result;
  };
}

interface Queryable {
  query(config: pg.QueryArrayConfig, values?: unknown[]): Promise<pg.QueryArrayResult>;
}

/**
 * The node-postgres client under a drizzle database (its pool) or transaction (its
 * connection): drizzle keeps it on the session, which its types do not publish.
 */
const clientOf = (executor: Executor): Queryable =>
  (executor as unknown as { session: { client: Queryable } }).session.client;

export interface CompiledSelect<Row> {
  readonly text: string;
  /** `values` by placeholder name. */
  run(executor: Executor, values: Record<string, unknown>): Promise<Row[]>;
  /**
   * The same select list and joins with the call's own SQL around them: `before` (a
   * WITH) and `after` (more joins, where, order, limit), for queries whose conditions
   * vary. Only for a select compiled without values of its own.
   */
  runAround(executor: Executor, around: { before?: SQL; after?: SQL }): Promise<Row[]>;
}

/**
 * Compiles `query` (built with `selectBuilder`, its values as `sql.placeholder(name)`):
 * `run` gives the rows drizzle would, with the same decoding (timestamps, dates,
 * left-joined tables as null).
 */
export function compileSelect<Q extends BuiltSelect>(
  query: Q,
): CompiledSelect<Q['_']['result'] extends (infer R)[] ? R : never> {
  const { sql: text, params } = query.toSQL();
  const map = mapperOf(layoutOf(query._.selectedFields, query.joinsNotNullableMap ?? {}));
  const names = params.map((param) => (param as Placeholder).name as string | undefined);
  if (names.some((name) => name === undefined))
    throw new Error('compiled selects take their values as placeholders');
  const select = async (executor: Executor, statement: string, values: unknown[]) => {
    const { rows } = await clientOf(executor).query({ text: statement, rowMode: 'array', types }, values);
    return rows.map(map) as never[];
  };
  return {
    text,
    run: (executor, values) =>
      select(
        executor,
        text,
        names.map((name) => values[name as string]),
      ),
    runAround(executor, { before, after }) {
      if (names.length > 0) throw new Error('runAround needs a select compiled without values');
      const parts = [before, sql.raw(text), after].filter((part) => part !== undefined);
      const built = dialect.sqlToQuery(sql.join(parts, sql` `));
      return select(executor, built.sql, built.params);
    },
  };
}
