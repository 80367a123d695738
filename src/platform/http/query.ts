import {
  and,
  asc,
  desc,
  eq,
  gte,
  ilike,
  inArray,
  isNotNull,
  isNull,
  lte,
  or,
  sql,
  type SQL,
} from 'drizzle-orm';
import type { AnyPgColumn } from 'drizzle-orm/pg-core';
import { Type, type TObject, type TSchema } from '@sinclair/typebox';
import { AppError, fieldError } from './errors.ts';
import type { ApiVersion } from './versioning.ts';

/**
 * Declarative list queries: a route names its filters, searchable columns and sort
 * keys once; from that come the querystring schema (validation + OpenAPI), the SQL
 * WHERE/ORDER BY, and keyset cursors for v2.
 */
export type FilterType = 'integer' | 'string' | 'boolean' | 'datetime';

export interface FilterDef {
  column: AnyPgColumn;
  type: FilterType;
  /** For string filters: the allowed values (shown in OpenAPI, checked at validation). */
  values?: readonly string[];
  /** Maps a wire value to the stored value (v1 says "Active", the column says "active"). */
  toColumn?: (value: string) => unknown;
  description?: string;
  /**
   * Compare instead of matching exactly: `created_after` is `{ column: createdAt, op: 'gte' }`.
   * `isNull` (boolean filters) tests for a missing value: `unread=true` is
   * `{ column: readAt, type: 'boolean', op: 'isNull' }`, false asks for rows that have one.
   */
  op?: 'gte' | 'lte' | 'isNull';
}

export interface SortDef {
  column: AnyPgColumn;
  /** Only non-null columns can drive v2 keyset cursors. */
  nullable?: boolean;
  /** Reads the key from a result row, for cursors; default: the row's camelCase field of the key's name. */
  value?: (row: never) => unknown;
}

export interface ListSpec {
  filters: Record<string, FilterDef>;
  search: AnyPgColumn[];
  sort: Record<string, SortDef>;
  /** e.g. `name` or `-created_at`; the id is always the final tie-breaker. */
  defaultSort: string;
  id: AnyPgColumn;
  /** A custom search condition (full text, trigram) instead of ILIKE over `search`. */
  searchCondition?: (term: string) => SQL;
  /**
   * Relevance of a row to the search term: when a search has no explicit sort, rows
   * come best match first. Such pages are numbered, not keyed: relevance has no
   * stable key to continue after.
   */
  rank?: (term: string) => SQL;
  /** Reads the id from a result row; default `row.id`. */
  idOf?: (row: never) => unknown;
}

export interface SortKey {
  name: string;
  descending: boolean;
}

export type Pagination =
  | { kind: 'offset'; page: number; pageSize: number }
  | { kind: 'cursor'; limit: number; after: unknown[] | undefined; offset?: number };

export interface ListParams {
  filters: Record<string, unknown[]>;
  search: string | undefined;
  sort: SortKey[];
  /** Best match first: a search on a list with `rank`, without an explicit sort. */
  relevance: boolean;
  pagination: Pagination;
}

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

export const defineList = (spec: ListSpec): ListSpec => spec;

/** The same list with some filters changed (a v1 face that spells values differently, say). */
export function refineFilters(spec: ListSpec, changes: Record<string, Partial<FilterDef>>): ListSpec {
  const filters = { ...spec.filters };
  for (const [name, change] of Object.entries(changes)) {
    const base = filters[name];
    if (!base) throw new Error(`refineFilters: the list has no filter "${name}"`);
    filters[name] = { ...base, ...change };
  }
  return { ...spec, filters };
}

const formatParam = Type.Optional(
  Type.Union([Type.Literal('json'), Type.Literal('csv'), Type.Literal('xml'), Type.Literal('ndjson')], {
    description:
      'Response format; CSV, XML and NDJSON (one JSON item per line) stream every matching row. Same as the Accept header.',
  }),
);

/** The querystring schema of a list route, for the given API version. */
export function listQuerySchema(spec: ListSpec, version: ApiVersion): TObject {
  const properties: Record<string, TSchema> = {
    search: Type.Optional(
      Type.String({ maxLength: 200, description: 'Case-insensitive match on the text fields.' }),
    ),
    format: formatParam,
  };
  for (const [name, filter] of Object.entries(spec.filters)) {
    const description = filter.description ?? `Exact match; several values separated by commas.`;
    properties[name] = Type.Optional(Type.String({ maxLength: 500, description }));
  }
  const sortNames = Object.keys(spec.sort).join(', ');
  if (version === 'v1') {
    properties.page = Type.Optional(Type.String({ description: '1-based page number.' }));
    properties.page_size = Type.Optional(
      Type.String({ description: `Rows per page (default ${DEFAULT_PAGE_SIZE}, max ${MAX_PAGE_SIZE}).` }),
    );
    properties.ordering = Type.Optional(
      Type.String({
        maxLength: 200,
        description: `Comma-separated fields, '-' for descending: ${sortNames}.`,
      }),
    );
  } else {
    properties.cursor = Type.Optional(
      Type.String({ maxLength: 2000, description: 'Opaque cursor from next_cursor.' }),
    );
    properties.limit = Type.Optional(
      Type.Integer({ minimum: 1, maximum: MAX_PAGE_SIZE, default: DEFAULT_PAGE_SIZE }),
    );
    properties.sort = Type.Optional(
      Type.String({
        maxLength: 200,
        description: `Comma-separated fields, '-' for descending: ${sortNames}.`,
      }),
    );
  }
  return Type.Object(properties, { additionalProperties: version === 'v1' });
}

function parseSort(spec: ListSpec, raw: string | undefined, param: string): SortKey[] {
  const keys: SortKey[] = [];
  for (const part of (raw ?? spec.defaultSort)
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const descending = part.startsWith('-');
    const name = descending ? part.slice(1) : part;
    if (!(name in spec.sort)) {
      throw fieldError(param, `Cannot sort by "${name}"; choose from: ${Object.keys(spec.sort).join(', ')}.`);
    }
    keys.push({ name, descending });
  }
  return keys;
}

function parseFilterValue(name: string, filter: FilterDef, raw: string): unknown {
  switch (filter.type) {
    case 'integer': {
      const value = Number(raw);
      if (!Number.isSafeInteger(value)) throw fieldError(name, `"${raw}" is not a valid integer.`);
      return value;
    }
    case 'boolean': {
      if (['true', '1', 'True'].includes(raw)) return true;
      if (['false', '0', 'False'].includes(raw)) return false;
      throw fieldError(name, `"${raw}" is not a valid boolean; use true or false.`);
    }
    case 'datetime': {
      const value = new Date(/^\d{4}-\d{2}-\d{2}$/.test(raw) ? `${raw}T00:00:00Z` : raw);
      if (Number.isNaN(value.getTime()))
        throw fieldError(name, `"${raw}" is not a valid date or ISO 8601 date-time.`);
      return value;
    }
    case 'string':
      if (filter.values && !filter.values.includes(raw)) {
        throw fieldError(
          name,
          `"${raw}" is not a valid choice; expected one of: ${filter.values.join(', ')}.`,
        );
      }
      return filter.toColumn ? filter.toColumn(raw) : raw;
  }
}

function decodeCursor(raw: string, sort: SortKey[]): unknown[] {
  try {
    const decoded = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as unknown;
    if (
      Array.isArray(decoded) &&
      decoded.length === 2 &&
      decoded[0] === sort.map((k) => (k.descending ? '-' : '') + k.name).join(',') &&
      Array.isArray(decoded[1]) &&
      decoded[1].length === sort.length + 1
    ) {
      return decoded[1] as unknown[];
    }
  } catch {
    /* reported below */
  }
  throw fieldError(
    'cursor',
    'Invalid cursor, or a cursor from a different sort order; start again without it.',
  );
}

export function encodeCursor(sort: SortKey[], values: unknown[]): string {
  const signature = sort.map((k) => (k.descending ? '-' : '') + k.name).join(',');
  return Buffer.from(JSON.stringify([signature, values])).toString('base64url');
}

function parsePositive(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const value = Number(raw);
  return Number.isInteger(value) && value > 0 ? value : undefined;
}

/** Validated querystring -> ListParams. Bad filter values and sort keys are 400s naming the parameter. */
export function parseListQuery(
  spec: ListSpec,
  query: Record<string, unknown>,
  version: ApiVersion,
): ListParams {
  const filters: Record<string, unknown[]> = {};
  for (const [name, filter] of Object.entries(spec.filters)) {
    const raw = query[name];
    if (typeof raw !== 'string' || raw === '') continue;
    filters[name] = raw.split(',').map((part) => parseFilterValue(name, filter, part.trim()));
  }
  const search = typeof query.search === 'string' && query.search.trim() ? query.search.trim() : undefined;
  const explicitSort = (version === 'v1' ? query.ordering : query.sort) as string | undefined;
  const relevance = search !== undefined && spec.rank !== undefined && !explicitSort;
  if (version === 'v1') {
    const sort = parseSort(spec, explicitSort, 'ordering');
    const rawPage = query.page as string | undefined;
    const page = rawPage === undefined || rawPage === 'last' ? 1 : parsePositive(rawPage);
    if (page === undefined) throw invalidPage();
    const pageSize = Math.min(
      parsePositive(query.page_size as string | undefined) ?? DEFAULT_PAGE_SIZE,
      MAX_PAGE_SIZE,
    );
    return { filters, search, sort, relevance, pagination: { kind: 'offset', page, pageSize } };
  }
  const sort = parseSort(spec, explicitSort, 'sort');
  for (const key of sort) {
    if (spec.sort[key.name]?.nullable)
      throw fieldError(
        'sort',
        `"${key.name}" can be empty and cannot drive a cursor; sort by another field.`,
      );
  }
  const cursor = query.cursor as string | undefined;
  const limit = (query.limit as number | undefined) ?? DEFAULT_PAGE_SIZE;
  if (relevance) {
    const offset = cursor ? Number(decodeCursor(cursor, RELEVANCE)[0]) : 0;
    return {
      filters,
      search,
      sort: [],
      relevance,
      pagination: { kind: 'cursor', limit, after: undefined, offset },
    };
  }
  return {
    filters,
    search,
    sort,
    relevance,
    pagination: { kind: 'cursor', limit, after: cursor ? decodeCursor(cursor, sort) : undefined },
  };
}

const escapeLike = (term: string) => term.replace(/[\\%_]/g, (c) => `\\${c}`);

/** WHERE for the filters and search of `params`, AND-ed with the caller's scope (object-level rules). */
export function whereOf(spec: ListSpec, params: ListParams, scope?: SQL): SQL | undefined {
  const conditions: (SQL | undefined)[] = [scope];
  for (const [name, values] of Object.entries(params.filters)) {
    const filter = spec.filters[name];
    if (!filter) continue;
    if (filter.op === 'isNull') {
      // `true,false` asks for both: no condition.
      if (!values.includes(false)) conditions.push(isNull(filter.column));
      else if (!values.includes(true)) conditions.push(isNotNull(filter.column));
    } else if (filter.op)
      conditions.push(filter.op === 'gte' ? gte(filter.column, values[0]) : lte(filter.column, values[0]));
    else conditions.push(values.length === 1 ? eq(filter.column, values[0]) : inArray(filter.column, values));
  }
  if (params.search && spec.searchCondition) {
    conditions.push(spec.searchCondition(params.search));
  } else if (params.search && spec.search.length > 0) {
    const pattern = `%${escapeLike(params.search)}%`;
    conditions.push(or(...spec.search.map((column) => ilike(column, pattern))));
  }
  return and(...conditions);
}

/** The pseudo sort of relevance-ordered pages; their cursor carries an offset. */
export const RELEVANCE: SortKey[] = [{ name: 'relevance', descending: true }];

/** ORDER BY for the params: relevance first when searching by relevance, else the sort keys; the id breaks ties. */
export function orderFor(spec: ListSpec, params: Pick<ListParams, 'sort' | 'relevance' | 'search'>): SQL[] {
  if (params.relevance && spec.rank && params.search) {
    return [desc(spec.rank(params.search)), ...orderOf(spec, parseSort(spec, undefined, 'sort'))];
  }
  return orderOf(spec, params.sort);
}

/** ORDER BY for the sort keys, with the id as the final tie-breaker so pages never overlap. */
export function orderOf(spec: ListSpec, sort: SortKey[]): SQL[] {
  const order = sort.map((key) => {
    const { column, nullable } = spec.sort[key.name] as SortDef;
    // Only nullable keys get NULLS placement: on a NOT NULL column it would stop PostgreSQL
    // from walking a plain b-tree index backwards and force a sort of every matching row.
    if (!nullable) return key.descending ? desc(column) : asc(column);
    return key.descending ? sql`${desc(column)} NULLS LAST` : sql`${asc(column)} NULLS FIRST`;
  });
  const lastDescending = sort.at(-1)?.descending ?? false;
  order.push(lastDescending ? desc(spec.id) : asc(spec.id));
  return order;
}

/**
 * The keyset condition "after this row" for a v2 cursor: for sort columns c1..cn
 * followed by the id, rows where (c1 > v1) OR (c1 = v1 AND c2 > v2) ... with each
 * comparison flipped for descending keys. Expanded rather than a row comparison
 * because directions may differ per column.
 */
export function keysetAfter(spec: ListSpec, sort: SortKey[], after: unknown[]): SQL | undefined {
  const lastDescending = sort.at(-1)?.descending ?? false;
  const keys = [
    ...sort.map((key) => ({ column: (spec.sort[key.name] as SortDef).column, descending: key.descending })),
    { column: spec.id, descending: lastDescending },
  ];
  const branches = keys.map((key, index) => {
    const equalities = keys.slice(0, index).map((prior, i) => sql`${prior.column} = ${after[i]}`);
    const value = after[index];
    const comparison = key.descending ? sql`${key.column} < ${value}` : sql`${key.column} > ${value}`;
    return and(...equalities, comparison);
  });
  return or(...branches);
}

/** DRF answers a page number out of range with 404 "Invalid page.". */
export const invalidPage = () => new AppError('INVALID_PAGE', 'not_found', 'Invalid page.');

const camel = (name: string) => name.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

/** The cursor values of a row: its sort keys (by default the camelCase field of each key), then the id. */
export function cursorValuesOf(spec: ListSpec, row: object, sort: SortKey[]): unknown[] {
  const record = row as Record<string, unknown>;
  const read = (key: SortKey) => {
    const value = spec.sort[key.name]?.value;
    return value ? value(row as never) : record[camel(key.name)];
  };
  return [
    ...sort.map((key) => serialiseCursorValue(read(key))),
    spec.idOf ? spec.idOf(row as never) : record.id,
  ];
}

const serialiseCursorValue = (value: unknown) => (value instanceof Date ? value.toISOString() : value);
