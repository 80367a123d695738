import { Readable } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { TSchema } from '@sinclair/typebox';
import XMLBuilder from 'fast-xml-builder';
import type { Page } from '../db/list.ts';
import { csvLine, type CsvCell } from './csv.ts';
import { presentPage } from './pagination.ts';
import { shapeItem } from './shape.ts';

/**
 * Content negotiation for lists: JSON (the page), or CSV / XML / NDJSON (one JSON item
 * per line) of every matching row, streamed. `?format=` wins over `Accept`, as in DRF.
 */
export type Format = 'json' | 'csv' | 'xml' | 'ndjson';

const mediaTypes: Record<Format, string> = {
  json: 'application/json; charset=utf-8',
  csv: 'text/csv; charset=utf-8',
  xml: 'application/xml; charset=utf-8',
  ndjson: 'application/x-ndjson; charset=utf-8',
};

const fileExtensions: Record<Exclude<Format, 'json'>, string> = { csv: 'csv', xml: 'xml', ndjson: 'ndjson' };

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

interface SchemaNode {
  type?: string | string[];
  properties?: Record<string, SchemaNode>;
  anyOf?: SchemaNode[];
}

/** Dotted column names for an item schema: nested objects become `location.name`. */
export function columnsOf(schema: TSchema, prefix = ''): string[] {
  const node = schema as SchemaNode;
  const objectNode = node.properties ? node : node.anyOf?.find((branch) => branch.properties);
  if (!objectNode?.properties) return [prefix.slice(0, -1)];
  return Object.entries(objectNode.properties).flatMap(([name, child]) => {
    const isObject = child.properties || child.anyOf?.some((branch) => branch.properties);
    return isObject ? columnsOf(child as TSchema, `${prefix}${name}.`) : [`${prefix}${name}`];
  });
}

function cell(value: unknown): string {
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
function leaf(item: unknown, path: readonly string[]): unknown {
  let value: unknown = item;
  for (const key of path) {
    value = value && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined;
  }
  return value;
}

const pathsOf = (columns: string[]) => columns.map((column) => column.split('.'));

export function flatten(item: unknown, columns: string[]): string[] {
  return pathsOf(columns).map((path) => cell(leaf(item, path)));
}

/** As `flatten`, but numbers stay numbers: the CSV writer neutralises formulas in text only. */
function csvRecord(item: unknown, paths: readonly string[][]): CsvCell[] {
  return paths.map((path) => {
    const value = leaf(item, path);
    return typeof value === 'number' ? value : cell(value);
  });
}

const xmlName = (column: string) => column.replace(/[^A-Za-z0-9_.-]/g, '_').replace(/^(?=[^A-Za-z_])/, '_');

/** Bytes of text gathered before a chunk goes out: few writes, little held per export. */
const CHUNK_CHARS = 64 * 1024;

/**
 * An export body: `head`, one `line` per row, `tail`, gathered into chunks of about
 * 64 KiB. A chunk is made only when the response asks for more (the stream is pulled,
 * and the response pulls only while the client reads), so a slow client holds the
 * cursor back instead of growing memory.
 */
function exportStream(
  rows: AsyncIterable<unknown>,
  head: string,
  line: (row: unknown) => string,
  tail: string,
): Readable {
  return Readable.from(
    (async function* () {
      let chunk = head;
      for await (const row of rows) {
        chunk += line(row);
        if (chunk.length >= CHUNK_CHARS) {
          yield chunk;
          chunk = '';
        }
      }
      chunk += tail;
      if (chunk) yield chunk;
    })(),
    { objectMode: false, highWaterMark: CHUNK_CHARS },
  );
}

function exportFormat(
  format: Exclude<Format, 'json'>,
  item: TSchema,
  serialize: (item: unknown) => string,
): { head: string; line: (row: unknown) => string; tail: string } {
  if (format === 'ndjson') return { head: '', line: (row) => `${serialize(row)}\n`, tail: '' };
  const columns = columnsOf(item);
  const paths = pathsOf(columns);
  if (format === 'csv') {
    return { head: csvLine(columns), line: (row) => csvLine(csvRecord(row, paths)), tail: '' };
  }
  const builder = new XMLBuilder({ format: false, suppressEmptyNode: false });
  const names = columns.map(xmlName);
  return {
    head: '<?xml version="1.0" encoding="UTF-8"?>\n<root>',
    line: (row) => {
      const item: Record<string, string> = {};
      paths.forEach((path, i) => (item[names[i] ?? ''] = cell(leaf(row, path))));
      return builder.build({ 'list-item': item });
    },
    tail: '</root>\n',
  };
}

/**
 * Answers a list in the negotiated format: the JSON page (v1 or v2 shape), or every
 * matching row from `all()` as CSV or XML with one column per leaf of the item schema,
 * or as NDJSON: each item serialised by the item schema, as the JSON page would.
 */
export async function sendList<T>(
  request: FastifyRequest,
  reply: FastifyReply,
  options: {
    page: () => Promise<Page<T>>;
    all: () => AsyncIterable<T>;
    present: (row: T) => unknown;
    item: TSchema;
    filename: string;
  },
): Promise<void> {
  const format = negotiatedFormat(request);
  if (format === 'json') {
    await reply.send(presentPage(request, reply, await options.page(), options.present));
    return;
  }
  // `?fields=` / `?expand=` shape exports as they shape the JSON page: columns and NDJSON alike.
  const item = request.responseShape
    ? (shapeItem(options.item, request.responseShape) as TSchema)
    : options.item;
  const { head, line, tail } = exportFormat(
    format,
    item,
    reply.compileSerializationSchema(item) as (item: unknown) => string,
  );
  const present = options.present;
  reply.header('content-disposition', `attachment; filename="${options.filename}.${fileExtensions[format]}"`);
  reply.type(mediaTypes[format]);
  await reply.send(exportStream(options.all(), head, (row) => line(present(row as T)), tail));
}
