import { Value } from '@sinclair/typebox/value';
import { parse as parseCsv } from 'csv-parse';
import { AppError } from '../../platform/http/errors.ts';
import { CustomerCreateBody, inputOfV2 } from './customers.schemas.ts';
import { validatedInput, type CustomerInput } from './customers.validation.ts';

/**
 * Reading a customer import: CSV, UTF-8, a header row naming the columns (the v2
 * field names), into `CustomerInput`s checked by the rules of a create (the v2 body
 * schema, then customers.validation.ts), each problem with its row number, field and a
 * message. Messages never repeat a value: the fields are personal data, and the
 * problems are stored and downloaded. A file that cannot be read at all (bad bytes,
 * unknown columns, too many rows) is an ImportFileError.
 */

export const IMPORT_COLUMNS = [
  'kind',
  'first_name',
  'last_name',
  'company',
  'organisation_id',
  'email',
  'phone',
  'addresses',
  'date_of_birth',
  'notes',
  'tags',
  'owner_id',
  'status',
  'marketing_consent',
  'marketing_consent_source',
] as const;

/** Columns of a v2 CSV export that an import reads under another name. */
const ALIASES: Record<string, (typeof IMPORT_COLUMNS)[number]> = {
  'marketing_consent.granted': 'marketing_consent',
  'marketing_consent.source': 'marketing_consent_source',
};
/** Read-only columns of a v2 CSV export, ignored, so an export can be imported elsewhere. */
const IGNORED = new Set([
  'id',
  'display_name',
  'version',
  'created_at',
  'updated_at',
  'marketing_consent.at',
]);

export interface RowError {
  row: number;
  field: string;
  message: string;
}

export type ParsedRow =
  { row: number; input: CustomerInput; errors?: undefined } | { row: number; errors: RowError[] };

/** The whole file refused: `status` is the HTTP status (400, 413, 415, 422). */
export class ImportFileError extends AppError {
  constructor(message: string, status = 400) {
    super('CUSTOMERS_IMPORT_INVALID_FILE', 'invalid', message, { extra: { status } });
  }
}

const TRUE = new Set(['true', 'yes', 'y', '1']);
const FALSE = new Set(['false', 'no', 'n', '0']);

/** The addresses cell: a JSON array of addresses, one address object, or a v2 export's `;`-joined objects. */
function addressesOf(text: string): unknown {
  for (const candidate of [text, `[${text.replace(/}\s*;\s*{/g, '},{')}]`]) {
    try {
      const value = JSON.parse(candidate) as unknown;
      return Array.isArray(value) ? value : [value];
    } catch {
      // the next reading
    }
  }
  return undefined;
}

/** The cells of a row as a v2 create body (typed), or the cells that cannot be typed. */
function bodyOf(record: Record<string, string>, fail: (field: string, message: string) => void) {
  const body: Record<string, unknown> = {};
  for (const [column, raw] of Object.entries(record)) {
    const value = raw.trim();
    if (value === '') continue;
    switch (column) {
      case 'organisation_id':
      case 'owner_id':
        if (/^\d{1,9}$/.test(value)) body[column] = Number(value);
        else fail(column, 'Expected a whole number (an id).');
        break;
      case 'marketing_consent':
        if (TRUE.has(value.toLowerCase())) body[column] = true;
        else if (FALSE.has(value.toLowerCase())) body[column] = false;
        else fail(column, 'Expected true or false (or yes/no, 1/0).');
        break;
      case 'tags':
        body[column] = value
          .split(';')
          .map((tag) => tag.trim())
          .filter(Boolean);
        break;
      case 'addresses': {
        const addresses = addressesOf(value);
        if (addresses === undefined) fail(column, 'Expected a JSON array of addresses.');
        else body[column] = addresses;
        break;
      }
      case 'email':
      case 'phone':
      case 'notes':
        // Kept as given: validation trims what it compares.
        body[column] = raw;
        break;
      default:
        body[column] = value;
    }
  }
  return body;
}

/** Schema problems as row errors: the field (first path segment) and TypeBox's message, which holds no value. */
function schemaErrors(row: number, body: Record<string, unknown>): RowError[] {
  const seen = new Set<string>();
  const errors: RowError[] = [];
  for (const error of Value.Errors(CustomerCreateBody, body)) {
    const field = error.path.split('/')[1] ?? 'non_field_errors';
    if (seen.has(field)) continue;
    seen.add(field);
    errors.push({ row, field, message: `${error.message}.` });
  }
  return errors;
}

/** One row checked as a create: its input, or every problem found in it. */
export function rowInput(row: number, record: Record<string, string>): ParsedRow {
  const errors: RowError[] = [];
  const body = bodyOf(record, (field, message) => errors.push({ row, field, message }));
  errors.push(...schemaErrors(row, body).filter((error) => !errors.some((e) => e.field === error.field)));
  if (errors.length > 0) return { row, errors };
  try {
    return { row, input: validatedInput(inputOfV2(body), true) };
  } catch (error) {
    if (!(error instanceof AppError) || !error.fields) throw error;
    return {
      row,
      errors: Object.entries(error.fields).flatMap(([field, messages]) =>
        messages.map((message) => ({ row, field, message })),
      ),
    };
  }
}

/** UTF-8 text from bytes; bad bytes refuse the file (naming where), never a crash. */
async function* utf8(
  chunks: AsyncIterable<Buffer | string> | Iterable<Buffer | string>,
): AsyncGenerator<string> {
  const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });
  let offset = 0;
  for await (const chunk of chunks) {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    try {
      yield decoder.decode(bytes, { stream: true });
    } catch {
      throw new ImportFileError(
        `The file is not UTF-8 text (invalid bytes near byte ${offset}); save it as UTF-8.`,
      );
    }
    offset += bytes.length;
  }
  try {
    yield decoder.decode();
  } catch {
    throw new ImportFileError('The file is not UTF-8 text (it ends inside a character); save it as UTF-8.');
  }
}

function headerOf(header: string[]): (string | false)[] {
  const names = header.map((name) => name.trim().toLowerCase());
  const unknown = names.filter(
    (name) =>
      !(IMPORT_COLUMNS as readonly string[]).includes(name) && !(name in ALIASES) && !IGNORED.has(name),
  );
  if (unknown.length > 0)
    throw new ImportFileError(
      `Unknown column${unknown.length > 1 ? 's' : ''} ${unknown.map((name) => `"${name.slice(0, 40)}"`).join(', ')}; columns: ${IMPORT_COLUMNS.join(', ')}.`,
      422,
    );
  const columns = names.map((name) => (IGNORED.has(name) ? false : (ALIASES[name] ?? name)));
  if (!columns.some((name) => name === 'first_name' || name === 'last_name' || name === 'company'))
    throw new ImportFileError('The header row needs a first_name, last_name or company column.', 422);
  return columns;
}

/** The rows of a CSV file, checked one by one; at most `maxRows` (the file is refused past it). */
export async function* parseImport(
  chunks: AsyncIterable<Buffer | string> | Iterable<Buffer | string>,
  maxRows: number,
): AsyncGenerator<ParsedRow> {
  const parser = parseCsv({ columns: headerOf, skip_empty_lines: true, relax_column_count: false });
  const feed = (async () => {
    try {
      for await (const piece of utf8(chunks))
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
      if (row - 1 > maxRows)
        throw new ImportFileError(`The file holds more than ${maxRows} rows; split it.`, 413);
      yield rowInput(row, record);
    }
  } catch (error) {
    if (error instanceof ImportFileError) throw error;
    // csv-parse's messages may quote the cells around the fault: only the line is named.
    const { lines, code } = error as { lines?: number; code?: string };
    throw new ImportFileError(
      `The CSV cannot be read${lines ? ` at line ${lines}` : ''}${code ? ` (${code})` : ''}.`,
      422,
    );
  }
  await feed;
}
