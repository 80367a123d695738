import { Readable } from 'node:stream';
import type { TSchema } from '@sinclair/typebox';
import XMLBuilder from 'fast-xml-builder';
import { cell, columnsOf, leaf, pathsOf } from './columns.ts';
import { csvLine, type CsvCell } from './csv.ts';
import type { CompiledProjection } from './projection.ts';

/** The streamed formats of a list: every matching row, not a page. */
export type ExportFormat = 'csv' | 'xml' | 'ndjson';

/** An export body: `head`, one `line` per row, `tail`. */
export interface ExportBody {
  head: string;
  line: (row: unknown) => string;
  tail: string;
}

/** Text gathered before a chunk goes out: few writes, little held per export. */
const CHUNK_CHARS = 64 * 1024;

/** As `cell`, but numbers stay numbers: the CSV writer neutralises formulas in text only. */
const csvCell = (value: unknown): CsvCell => (typeof value === 'number' ? value : cell(value));

const xmlName = (column: string) => column.replace(/[^A-Za-z0-9_.-]/g, '_').replace(/^(?=[^A-Za-z_])/, '_');

const XML_HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n<root>';
const XML_TAIL = '</root>\n';

function xmlBody(columns: string[], valueAt: (row: unknown, index: number) => unknown): ExportBody {
  const builder = new XMLBuilder({ format: false, suppressEmptyNode: false });
  const names = columns.map(xmlName);
  return {
    head: XML_HEAD,
    line: (row) => {
      const item: Record<string, string> = {};
      names.forEach((name, i) => (item[name] = cell(valueAt(row, i))));
      return builder.build({ 'list-item': item });
    },
    tail: XML_TAIL,
  };
}

/**
 * The body for presented items (the list's JSON items): NDJSON by the item schema's
 * serializer, CSV and XML with one column per leaf of the item schema.
 */
export function itemBody(
  format: ExportFormat,
  item: TSchema,
  serialize: (item: unknown) => string,
): ExportBody {
  if (format === 'ndjson') return { head: '', line: (row) => `${serialize(row)}\n`, tail: '' };
  const columns = columnsOf(item);
  const paths = pathsOf(columns);
  if (format === 'xml') return xmlBody(columns, (row, i) => leaf(row, paths[i] ?? []));
  return {
    head: csvLine(columns),
    line: (row) => csvLine(paths.map((path) => csvCell(leaf(row, path)))),
    tail: '',
  };
}

/**
 * The body for rows of a projection (arrays, the leaves first): NDJSON written from the
 * row by the compiled projection, CSV and XML from the leaves. No object per row.
 */
export function projectedBody(format: ExportFormat, projection: CompiledProjection): ExportBody {
  const { columns } = projection;
  if (format === 'ndjson') {
    return { head: '', line: (row) => `${projection.json(row as unknown[])}\n`, tail: '' };
  }
  if (format === 'xml') return xmlBody(columns, (row, i) => (row as unknown[])[i]);
  // One cell array for the whole export, refilled per row.
  const cells: CsvCell[] = columns.map(() => '');
  return {
    head: csvLine(columns),
    line: (row) => {
      const values = row as unknown[];
      for (let i = 0; i < cells.length; i++) cells[i] = csvCell(values[i]);
      return csvLine(cells);
    },
    tail: '',
  };
}

/** Rows one by one, or in batches (a cursor's fetches): a batch is written without an await per row. */
export type ExportSource =
  | { rows: AsyncIterable<unknown>; batches?: never }
  | { batches: AsyncIterable<readonly unknown[]>; rows?: never };

/**
 * The export as a byte stream of about 64 KiB chunks. A chunk is made only when the
 * response asks for more (the stream is pulled, and the response pulls only while the
 * client reads), so a slow client holds the source back instead of growing memory, and
 * a client that goes away ends the source (its `finally` runs: a cursor is closed).
 */
export function exportStream(source: ExportSource, body: ExportBody): Readable {
  const { head, line, tail } = body;
  return Readable.from(
    (async function* () {
      let chunk = head;
      if (source.batches) {
        for await (const batch of source.batches) {
          for (const row of batch) {
            chunk += line(row);
            if (chunk.length >= CHUNK_CHARS) {
              yield chunk;
              chunk = '';
            }
          }
        }
      } else {
        for await (const row of source.rows) {
          chunk += line(row);
          if (chunk.length >= CHUNK_CHARS) {
            yield chunk;
            chunk = '';
          }
        }
      }
      chunk += tail;
      if (chunk) yield chunk;
    })(),
    { objectMode: false, highWaterMark: CHUNK_CHARS },
  );
}
