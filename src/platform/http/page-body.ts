import { Type, type TSchema } from '@sinclair/typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Page } from '../db/list.ts';
import { offsetLinks } from './pagination.ts';

type OffsetPage<T> = Extract<Page<T>, { kind: 'offset' }>;

/**
 * A DRF page's JSON with its results serialised once per page: a cached first page
 * (tickets.cache.ts) hands the same rows to every request, and writing 50 nested
 * tickets was most of what such a request cost. The results are written by the item
 * schema (the serializer Fastify compiles from it, as for the whole page), so the body
 * is byte for byte what the page schema writes; `count`, `next` and `previous` depend
 * on the request and are written each time. Keyed by identity in WeakMaps: an entry
 * lives as long as its rows (and presenter), and a fresh page is written once and
 * dropped.
 */
const resultsByPresenter = new WeakMap<object, WeakMap<object, string>>();
const arraySchemas = new WeakMap<TSchema, TSchema>();

export function offsetPageBody<T>(
  request: FastifyRequest,
  reply: FastifyReply,
  page: OffsetPage<T>,
  present: (row: T) => unknown,
  item: TSchema,
): string {
  let byRows = resultsByPresenter.get(present);
  if (!byRows) {
    byRows = new WeakMap();
    resultsByPresenter.set(present, byRows);
  }
  let results = byRows.get(page.rows);
  if (results === undefined) {
    let schema = arraySchemas.get(item);
    if (!schema) {
      schema = Type.Array(item);
      arraySchemas.set(item, schema);
    }
    const serialize = reply.compileSerializationSchema(schema) as (items: unknown) => string;
    results = serialize(page.rows.map(present));
    byRows.set(page.rows, results);
  }
  const { count, next, previous } = offsetLinks(request, page);
  return `{"count":${count},"next":${JSON.stringify(next)},"previous":${JSON.stringify(previous)},"results":${results}}`;
}
