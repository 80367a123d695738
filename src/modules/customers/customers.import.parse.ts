import { Value } from '@sinclair/typebox/value';
import { AppError } from '../../platform/http/errors.ts';
import {
  csvRows,
  headerNames,
  ImportFileRefusal,
  limitRows,
  utf8,
  type RowError,
} from '../../platform/imports/parse.ts';
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

export type { RowError };

export type ParsedRow =
  { row: number; input: CustomerInput; errors?: undefined } | { row: number; errors: RowError[] };

/** The whole file refused: `status` is the HTTP status (400, 413, 415, 422). */
export class ImportFileError extends ImportFileRefusal {
  constructor(message: string, status = 400) {
    super('CUSTOMERS_IMPORT_INVALID_FILE', message, status);
  }
}

const refuse = (message: string, status?: number) => new ImportFileError(message, status);

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

function headerOf(header: string[]): (string | false)[] {
  const names = headerNames(
    header,
    IMPORT_COLUMNS,
    (name) => (IMPORT_COLUMNS as readonly string[]).includes(name) || name in ALIASES || IGNORED.has(name),
    refuse,
  );
  const columns = names.map((name) => (IGNORED.has(name) ? false : (ALIASES[name] ?? name)));
  if (!columns.some((name) => name === 'first_name' || name === 'last_name' || name === 'company'))
    throw new ImportFileError('The header row needs a first_name, last_name or company column.', 422);
  return columns;
}

/** The rows of a CSV file, checked one by one; at most `maxRows` (the file is refused past it). */
export function parseImport(
  chunks: AsyncIterable<Buffer | string> | Iterable<Buffer | string>,
  maxRows: number,
): AsyncGenerator<ParsedRow> {
  const rows = csvRows(utf8(chunks, refuse), {
    columns: headerOf,
    row: rowInput,
    // csv-parse's messages may quote the cells around the fault: only the line is named.
    unreadable: ({ code }) => `${code ? ` (${code})` : ''}.`,
    refuse,
  });
  return limitRows(rows, maxRows, refuse);
}
