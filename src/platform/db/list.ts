import type { SQL } from 'drizzle-orm';
import type { Executor } from './client.ts';
import {
  cursorValuesOf,
  encodeCursor,
  invalidPage,
  keysetAfter,
  orderFor,
  orderOf,
  RELEVANCE,
  whereOf,
  type ListParams,
  type ListSpec,
} from '../http/query.ts';
import { and } from 'drizzle-orm';

export type Page<T> =
  | { kind: 'offset'; rows: T[]; count: number; page: number; pageSize: number }
  | { kind: 'cursor'; rows: T[]; nextCursor: string | null };

/** The rows and count queries of a list, bound to an executor: `listQueries(db, repo.listX, repo.countX)`. */
export function listQueries<T extends object>(
  executor: Executor,
  rows: (
    executor: Executor,
    where: SQL | undefined,
    orderBy: SQL[],
    limit: number,
    offset: number,
  ) => Promise<T[]>,
  count: (executor: Executor, where: SQL | undefined) => Promise<number>,
): ListQueries<T> {
  return {
    rows: (where, orderBy, limit, offset) => rows(executor, where, orderBy, limit, offset),
    count: (where) => count(executor, where),
  };
}

export interface ListQueries<T> {
  rows(where: SQL | undefined, orderBy: SQL[], limit: number, offset: number): Promise<T[]>;
  count(where: SQL | undefined): Promise<number>;
}

/**
 * Runs a list with the pagination that `params` asks for: v1 pages with an exact
 * count (the DRF contract), v2 keyset cursors with no count at all.
 */
export async function paginate<T extends object>(
  spec: ListSpec,
  params: ListParams,
  scope: SQL | undefined,
  queries: ListQueries<T>,
): Promise<Page<T>> {
  const where = whereOf(spec, params, scope);
  const orderBy = orderFor(spec, params);
  const { pagination } = params;
  if (pagination.kind === 'offset') {
    const offset = (pagination.page - 1) * pagination.pageSize;
    const [rows, count] = await Promise.all([
      queries.rows(where, orderBy, pagination.pageSize, offset),
      queries.count(where),
    ]);
    if (rows.length === 0 && pagination.page > 1) throw invalidPage();
    return { kind: 'offset', rows, count, page: pagination.page, pageSize: pagination.pageSize };
  }
  const keyset = pagination.after ? keysetAfter(spec, params.sort, pagination.after) : undefined;
  const offset = pagination.offset ?? 0;
  const rows = await queries.rows(and(where, keyset), orderBy, pagination.limit + 1, offset);
  const hasMore = rows.length > pagination.limit;
  if (hasMore) rows.length = pagination.limit;
  const last = rows.at(-1);
  let nextCursor: string | null = null;
  if (hasMore && last) {
    nextCursor = params.relevance
      ? encodeCursor(RELEVANCE, [offset + pagination.limit, 0])
      : encodeCursor(params.sort, cursorValuesOf(spec, last, params.sort));
  }
  return { kind: 'cursor', rows, nextCursor };
}

/**
 * Every row matching `params`, fetched in keyset batches (an index range scan per
 * batch, no OFFSET, no long-held transaction), so an export of any size holds one
 * batch in memory at a time. Sorts on nullable columns fall back to id order.
 */
export async function* iterateAll<T extends object>(
  spec: ListSpec,
  params: ListParams,
  scope: SQL | undefined,
  queries: Pick<ListQueries<T>, 'rows'>,
  batchSize = 2000,
): AsyncGenerator<T> {
  const sort = params.sort.some((key) => spec.sort[key.name]?.nullable) ? [] : params.sort;
  const where = whereOf(spec, params, scope);
  const orderBy = orderOf(spec, sort);
  let after: unknown[] | undefined;
  for (;;) {
    const rows = await queries.rows(
      and(where, after ? keysetAfter(spec, sort, after) : undefined),
      orderBy,
      batchSize,
      0,
    );
    yield* rows;
    const last = rows.at(-1);
    if (rows.length < batchSize || !last) return;
    after = cursorValuesOf(spec, last, sort);
  }
}

/** A list's page (v1 count or v2 cursor) and its every-row iteration (exports), from one definition. */
export function listing<T extends object>(spec: ListSpec, queries: ListQueries<T>) {
  return {
    page: (params: ListParams, scope?: SQL): Promise<Page<T>> => paginate(spec, params, scope, queries),
    all: (params: ListParams, scope?: SQL): AsyncGenerator<T> => iterateAll(spec, params, scope, queries),
  };
}
