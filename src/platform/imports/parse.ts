import { parse as parseCsv } from 'csv-parse';
import { AppError } from '../http/errors.ts';

/**
 * The reading every bulk import shares: bytes to UTF-8 text, CSV records under a
 * checked header row, a row limit, each refusal of the whole file as the importing
 * module's ImportFileError (its own code, the HTTP status in `extra`). What a row
 * means stays in the module.
 */

/** A problem with one row: its number (the header is row 1), the field and a message. */
export interface RowError {
  row: number;
  field: string;
  message: string;
}

/** The whole file refused: `status` is the HTTP status (400, 413, 415, 422). */
export class ImportFileRefusal extends AppError {
  constructor(code: string, message: string, status: number) {
    super(code, 'invalid', message, { extra: { status } });
  }
}

/** The module's refusal of a file: its ImportFileError. */
export type Refuse = (message: string, status?: number) => ImportFileRefusal;

/** UTF-8 text from bytes; bad bytes refuse the file (a 400 naming where), never a crash. */
export async function* utf8(
  chunks: AsyncIterable<Buffer | string> | Iterable<Buffer | string>,
  refuse: Refuse,
): AsyncGenerator<string> {
  const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });
  let offset = 0;
  for await (const chunk of chunks) {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    try {
      yield decoder.decode(bytes, { stream: true });
    } catch {
      throw refuse(`The file is not UTF-8 text (invalid bytes near byte ${offset}); save it as UTF-8.`);
    }
    offset += bytes.length;
  }
  try {
    yield decoder.decode();
  } catch {
    throw refuse('The file is not UTF-8 text (it ends inside a character); save it as UTF-8.');
  }
}

/**
 * A header row's names, trimmed and lower-cased; a name `known` refuses is a 422
 * listing the `columns` an import reads.
 */
export function headerNames(
  header: string[],
  columns: readonly string[],
  known: (name: string) => boolean,
  refuse: Refuse,
): string[] {
  const names = header.map((name) => name.trim().toLowerCase());
  const unknown = names.filter((name) => !known(name));
  if (unknown.length > 0)
    throw refuse(
      `Unknown column${unknown.length > 1 ? 's' : ''} ${unknown.map((name) => `"${name.slice(0, 40)}"`).join(', ')}; columns: ${columns.join(', ')}.`,
      422,
    );
  return names;
}

export interface CsvRowsOptions<R> {
  /** The record keys from the header row (false skips a column); throws a refusal for a bad header. */
  columns: (header: string[]) => (string | false)[];
  /** One record (its row number counts the header as row 1) as the module's row. */
  row: (row: number, record: Record<string, string>) => R;
  /** The end of the message of a CSV that cannot be read, after its line. */
  unreadable: (error: { code?: string; message: string }) => string;
  refuse: Refuse;
}

/** The rows of CSV text, each read as the module's row; a fault in the CSV is a 422 naming its line. */
export async function* csvRows<R>(
  text: AsyncIterable<string>,
  { columns, row: rowOf, unreadable, refuse }: CsvRowsOptions<R>,
): AsyncGenerator<R> {
  const parser = parseCsv({ columns, skip_empty_lines: true, relax_column_count: false });
  const feed = (async () => {
    try {
      for await (const piece of text)
        if (!parser.write(piece)) await new Promise((resolve) => parser.once('drain', resolve));
      parser.end();
    } catch (error) {
      parser.destroy(error as Error);
    }
  })();
  let row = 1;
  try {
    for await (const record of parser as AsyncIterable<Record<string, string>>) {
      row += 1;
      yield rowOf(row, record);
    }
  } catch (error) {
    if (error instanceof ImportFileRefusal) throw error;
    const { lines } = error as { lines?: number };
    throw refuse(
      `The CSV cannot be read${lines ? ` at line ${lines}` : ''}${unreadable(error as Error & { code?: string })}`,
      422,
    );
  }
  await feed;
}

/** At most `maxRows` rows: the file is refused (413) past it. */
export async function* limitRows<R>(
  rows: AsyncIterable<R>,
  maxRows: number,
  refuse: Refuse,
): AsyncGenerator<R> {
  let count = 0;
  for await (const row of rows) {
    count += 1;
    if (count > maxRows) throw refuse(`The file holds more than ${maxRows} rows; split it.`, 413);
    yield row;
  }
}
