import { Readable } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { TSchema } from '@sinclair/typebox';
import XMLBuilder from 'fast-xml-builder';
import type { Page } from '../db/list.ts';
import { csvStringifier, type CsvCell } from './csv.ts';
import { presentPage } from './pagination.ts';

/**
 * Content negotiation for lists: JSON (the page), or CSV / XML of every matching row,
 * streamed. `?format=` wins over `Accept`, as in DRF.
 */
export type Format = 'json' | 'csv' | 'xml';

const mediaTypes: Record<Format, string> = {
  json: 'application/json; charset=utf-8',
  csv: 'text/csv; charset=utf-8',
  xml: 'application/xml; charset=utf-8',
};

export function negotiatedFormat(request: FastifyRequest): Format {
  const explicit = (request.query as Record<string, unknown> | undefined)?.format;
  if (explicit === 'csv' || explicit === 'xml' || explicit === 'json') return explicit;
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

/** The value at a dotted column name (`location.name`) of a presented item. */
function leaf(item: unknown, column: string): unknown {
  let value: unknown = item;
  for (const key of column.split('.')) {
    value = value && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined;
  }
  return value;
}

export function flatten(item: unknown, columns: string[]): string[] {
  return columns.map((column) => cell(leaf(item, column)));
}

/** As `flatten`, but numbers stay numbers: the CSV writer neutralises formulas in text only. */
function csvRecord(item: unknown, columns: string[]): CsvCell[] {
  return columns.map((column) => {
    const value = leaf(item, column);
    return typeof value === 'number' ? value : cell(value);
  });
}

function csvStream(rows: AsyncIterable<unknown>, columns: string[]): Readable {
  const csv = csvStringifier(columns);
  Readable.from(
    (async function* () {
      for await (const row of rows) yield csvRecord(row, columns);
    })(),
  )
    .on('error', (error) => csv.destroy(error))
    .pipe(csv);
  return csv;
}

const xmlName = (column: string) => column.replace(/[^A-Za-z0-9_.-]/g, '_').replace(/^(?=[^A-Za-z_])/, '_');

function xmlStream(rows: AsyncIterable<unknown>, columns: string[]): Readable {
  const builder = new XMLBuilder({ format: false, suppressEmptyNode: false });
  return Readable.from(
    (async function* () {
      yield '<?xml version="1.0" encoding="UTF-8"?>\n<root>';
      for await (const row of rows) {
        const values = flatten(row, columns);
        const item = Object.fromEntries(columns.map((column, i) => [xmlName(column), values[i]]));
        yield builder.build({ 'list-item': item });
      }
      yield '</root>\n';
    })(),
  );
}

/**
 * Answers a list in the negotiated format: the JSON page (v1 or v2 shape), or every
 * matching row from `all()` as CSV or XML with one column per leaf of the item schema.
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
  const columns = columnsOf(options.item);
  const present = options.present;
  const rows = (async function* () {
    for await (const row of options.all()) yield present(row);
  })();
  reply.header('content-disposition', `attachment; filename="${options.filename}.${format}"`);
  reply.type(mediaTypes[format]);
  await reply.send(format === 'csv' ? csvStream(rows, columns) : xmlStream(rows, columns));
}
