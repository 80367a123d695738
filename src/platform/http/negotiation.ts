import type { FastifyReply, FastifyRequest } from 'fastify';
import type { TSchema } from '@sinclair/typebox';
import type { Page } from '../db/list.ts';
import { exportStream, itemBody, projectedBody, type ExportFormat } from './export-stream.ts';
import { offsetPageBody } from './page-body.ts';
import { presentPage } from './pagination.ts';
import type { CompiledProjection } from './projection.ts';
import { shapeItem } from './shape.ts';

/**
 * Content negotiation for lists: JSON (the page), or CSV / XML / NDJSON (one JSON item
 * per line) of every matching row, streamed. `?format=` wins over `Accept`, as in DRF.
 */
export type Format = 'json' | 'csv' | 'xml' | 'ndjson';

/** The media type of each format, as the response's Content-Type. */
export const mediaTypes: Record<Format, string> = {
  json: 'application/json; charset=utf-8',
  csv: 'text/csv; charset=utf-8',
  xml: 'application/xml; charset=utf-8',
  ndjson: 'application/x-ndjson; charset=utf-8',
};

const fileExtensions: Record<ExportFormat, string> = { csv: 'csv', xml: 'xml', ndjson: 'ndjson' };

export function negotiatedFormat(request: FastifyRequest): Format {
  const explicit = (request.query as Record<string, unknown> | undefined)?.format;
  if (explicit === 'csv' || explicit === 'xml' || explicit === 'json' || explicit === 'ndjson')
    return explicit;
  const accept = request.headers.accept ?? '';
  const ranked = accept
    .split(',')
    .map((part, index) => {
      const [type = '', ...parameters] = part.trim().split(';');
      const q = parameters.map((p) => p.trim()).find((p) => p.startsWith('q='));
      return { type: type.trim().toLowerCase(), q: q ? Number(q.slice(2)) : 1, index };
    })
    .filter((entry) => entry.q > 0)
    .sort((a, b) => b.q - a.q || a.index - b.index);
  for (const { type } of ranked) {
    if (type === 'text/csv') return 'csv';
    if (type === 'application/x-ndjson' || type === 'application/jsonl') return 'ndjson';
    if (type === 'application/xml' || type === 'text/xml') return 'xml';
    if (type === 'application/json' || type === '*/*' || type === 'application/*') return 'json';
  }
  return 'json';
}

/**
 * A list's flat export: rows of a compiled projection (the item's wire shape in SQL),
 * in batches from a server-side cursor. The CSV, XML and NDJSON of such a list are
 * written from those rows with no per-row presenter.
 */
export interface FlatExport {
  projection: CompiledProjection;
  batches: () => AsyncIterable<readonly unknown[][]>;
}

/**
 * Answers a list in the negotiated format: the JSON page (v1 or v2 shape), or every
 * matching row as CSV or XML with one column per leaf of the item schema, or as NDJSON
 * (each item as the JSON page has it, one per line). The rows come from `flat` when the
 * list has one (no per-row presenter), else from `all()`, each item presented and
 * serialised by the item schema. `?fields=` / `?expand=` shape exports as they shape the
 * JSON page, so a shaped request takes the `all()` path with the shaped item schema.
 */
export async function sendList<T>(
  request: FastifyRequest,
  reply: FastifyReply,
  options: {
    page: () => Promise<Page<T>>;
    present: (row: T) => unknown;
    item: TSchema;
    filename: string;
  } & ({ all: () => AsyncIterable<T>; flat?: never } | { flat: FlatExport; all?: never }),
): Promise<void> {
  const format = negotiatedFormat(request);
  if (format === 'json') {
    const page = await options.page();
    // A v1 page as it is (no `?fields=`): its results written once per page (page-body.ts).
    if (page.kind === 'offset' && !request.responseShape) {
      await reply
        .type(mediaTypes.json)
        .send(offsetPageBody(request, reply, page, options.present, options.item));
      return;
    }
    await reply.send(presentPage(request, reply, page, options.present));
    return;
  }
  reply.header('content-disposition', `attachment; filename="${options.filename}.${fileExtensions[format]}"`);
  reply.type(mediaTypes[format]);
  const { all, flat, present } = options;
  const shape = request.responseShape;
  if (flat && !shape) {
    await reply.send(exportStream({ batches: flat.batches() }, projectedBody(format, flat.projection)));
    return;
  }
  // A flat row is the unshaped wire item: a shaped export reads it back as the item and
  // writes it through the shaped schema. Only `?fields=` applies there; the full objects
  // `?expand=` asks for are in the JSON page, not in the flat projection.
  const shaped = shape && flat ? { ...shape, expand: new Set<string>() } : shape;
  const item = shaped ? (shapeItem(options.item, shaped) as TSchema) : options.item;
  const serialize = reply.compileSerializationSchema(item) as (item: unknown) => string;
  const body = itemBody(format, item, serialize);
  if (flat) {
    const toItem = (row: unknown) => JSON.parse(flat.projection.json(row as unknown[])) as unknown;
    await reply.send(
      exportStream({ rows: rowsOf(flat.batches()) }, { ...body, line: (row) => body.line(toItem(row)) }),
    );
    return;
  }
  await reply.send(exportStream({ rows: all() }, { ...body, line: (row) => body.line(present(row as T)) }));
}

async function* rowsOf(batches: AsyncIterable<readonly unknown[][]>): AsyncGenerator<unknown[]> {
  for await (const batch of batches) yield* batch;
}
