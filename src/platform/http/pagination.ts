import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type, type TSchema } from '@sinclair/typebox';
import type { Page } from '../db/list.ts';

/** A page of titled items is titled too, so the OpenAPI documents name it (`TicketPage`). */
const pageTitle = (item: TSchema, title: (name: string) => string) =>
  typeof item.title === 'string' ? { title: title(item.title) } : {};

/** v1 (DRF) page: `{count, next, previous, results}`. */
export const v1PageSchema = <T extends TSchema>(item: T) =>
  Type.Object(
    {
      count: Type.Integer(),
      next: Type.Union([Type.String(), Type.Null()]),
      previous: Type.Union([Type.String(), Type.Null()]),
      results: Type.Array(item),
    },
    pageTitle(item, (name) => `Paginated${name}List`),
  );

/** v2 page: `{data, next_cursor, has_more}`; the next page is also in the Link header. */
export const v2PageSchema = <T extends TSchema>(item: T) =>
  Type.Object(
    {
      data: Type.Array(item),
      next_cursor: Type.Union([Type.String(), Type.Null()]),
      has_more: Type.Boolean(),
    },
    pageTitle(item, (name) => `${name}Page`),
  );

let publicBase: string | undefined;

/** Set once at boot from PUBLIC_URL so links point where clients reach us. */
export function setPublicBaseUrl(url: string | undefined): void {
  publicBase = url?.replace(/\/$/, '');
}

function urlWith(request: FastifyRequest, changes: Record<string, string | undefined>): string {
  const base = publicBase ?? `${request.protocol}://${request.host}`;
  const url = new URL(request.url, base);
  for (const [key, value] of Object.entries(changes)) {
    if (value === undefined) url.searchParams.delete(key);
    else url.searchParams.set(key, value);
  }
  return url.toString();
}

/** A DRF page's `count`, `next` and `previous`. */
export function offsetLinks(
  request: FastifyRequest,
  page: Extract<Page<unknown>, { kind: 'offset' }>,
): { count: number; next: string | null; previous: string | null } {
  const last = Math.max(1, Math.ceil(page.count / page.pageSize));
  return {
    count: page.count,
    next: page.page < last ? urlWith(request, { page: String(page.page + 1) }) : null,
    previous:
      page.page > 1 ? urlWith(request, { page: page.page === 2 ? undefined : String(page.page - 1) }) : null,
  };
}

export function presentPage<T, R>(
  request: FastifyRequest,
  reply: FastifyReply,
  page: Page<T>,
  present: (row: T) => R,
):
  | { count: number; next: string | null; previous: string | null; results: R[] }
  | { data: R[]; next_cursor: string | null; has_more: boolean } {
  if (page.kind === 'offset') return { ...offsetLinks(request, page), results: page.rows.map(present) };
  if (page.nextCursor) reply.header('link', `<${urlWith(request, { cursor: page.nextCursor })}>; rel="next"`);
  return { data: page.rows.map(present), next_cursor: page.nextCursor, has_more: page.nextCursor !== null };
}
