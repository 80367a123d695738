import type { AppError } from '../../platform/http/errors.ts';
import {
  csvRows,
  headerNames,
  ImportFileRefusal,
  limitRows,
  utf8,
  type RowError,
} from '../../platform/imports/parse.ts';
import type { NewTicketItem } from './tickets.batch.ts';
import { fromLabel, PRIORITY_LABELS, STATUS_LABELS } from './tickets.presenters.ts';
import type { TicketInput } from './tickets.service.ts';
import { PRIORITIES, TICKET_STATUSES, type TicketKind } from './tickets.tables.ts';

/**
 * Reading a ticket import: CSV (a header row naming the columns) or NDJSON (one JSON
 * object per line), UTF-8, into rows of the v1 create fields, each checked on its own
 * with the row number, field and message a person can act on. A file that cannot be
 * read at all (bad bytes, no title column, too many rows) is an ImportFileError (4xx).
 */

export const IMPORT_FORMATS = ['csv', 'ndjson'] as const;
export type ImportFormat = (typeof IMPORT_FORMATS)[number];

/** The columns (NDJSON keys): the v1 create fields, `kind` first, and the v2 routing fields. */
export const IMPORT_COLUMNS = [
  'kind',
  'title',
  'description',
  'status',
  'priority',
  'incident_type_id',
  'reporter_id',
  'requested_by_id',
  'assignee_id',
  'facility_id',
  'department_id',
  'category_id',
  'subcategory_id',
  'service_type',
  'due_date',
] as const;

export type { RowError };

export type ParsedRow =
  { row: number; item: NewTicketItem; errors?: undefined } | { row: number; errors: RowError[] };

/** The whole file refused: `status` is the HTTP status (400, 413, 415, 422). */
export class ImportFileError extends ImportFileRefusal {
  constructor(message: string, status = 400) {
    super('TICKET_IMPORT_INVALID_FILE', message, status);
  }
}

const refuse = (message: string, status?: number) => new ImportFileError(message, status);

const MAX_TITLE = 300;
const MAX_DESCRIPTION = 20_000;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** Checks one row's fields: the item to create, or every problem found in it. */
export function rowItem(row: number, record: Record<string, unknown>): ParsedRow {
  const errors: RowError[] = [];
  const fail = (field: string, message: string) => {
    errors.push({ row, field, message });
  };
  const text = (field: string): string | undefined => {
    const value = record[field];
    if (value === undefined || value === null || value === '') return undefined;
    if (typeof value !== 'string' && typeof value !== 'number') {
      fail(field, 'Expected text.');
      return undefined;
    }
    return String(value);
  };
  const id = (field: string): number | undefined => {
    const value = text(field);
    if (value === undefined) return undefined;
    const number = Number(value);
    if (!Number.isSafeInteger(number) || number < 1) {
      fail(field, `"${value.slice(0, 40)}" is not a valid id (a whole number of at least 1).`);
      return undefined;
    }
    return number;
  };
  const label = <T extends string>(field: string, codes: readonly T[], labels: Record<T, string>) => {
    try {
      return fromLabel(field, text(field), codes, labels);
    } catch (error) {
      fail(field, (error as AppError).fields?.[field]?.[0] ?? (error as Error).message);
      return undefined;
    }
  };
  for (const key of Object.keys(record))
    if (!(IMPORT_COLUMNS as readonly string[]).includes(key))
      fail(key, `Unknown field; fields: ${IMPORT_COLUMNS.join(', ')}.`);

  const kindText = text('kind') ?? 'incident';
  const kind: TicketKind | undefined =
    kindText === 'incident' || kindText === 'service' ? kindText : undefined;
  if (!kind) fail('kind', `"${kindText.slice(0, 40)}" is not a valid choice; expected incident or service.`);
  const title = text('title')?.trim();
  if (!title) fail('title', 'This field is required.');
  else if (title.length > MAX_TITLE)
    fail('title', `Ensure this field has no more than ${MAX_TITLE} characters.`);
  const description = text('description');
  if (description !== undefined && description.length > MAX_DESCRIPTION)
    fail('description', `Ensure this field has no more than ${MAX_DESCRIPTION} characters.`);
  const serviceType = text('service_type');
  const dueDate = text('due_date');
  if (kind === 'incident' && serviceType !== undefined)
    fail('service_type', 'Incident tickets have no service type.');
  if (kind === 'incident' && dueDate !== undefined) fail('due_date', 'Incident tickets have no due date.');
  if (dueDate !== undefined && (!DATE.test(dueDate) || Number.isNaN(Date.parse(dueDate))))
    fail('due_date', 'Date has wrong format. Use YYYY-MM-DD.');
  const reporterId = id('reporter_id') ?? id('requested_by_id');
  const input: TicketInput & { title: string } = {
    title: title ?? '',
    description,
    status: label('status', TICKET_STATUSES, STATUS_LABELS),
    priority: label('priority', PRIORITIES, PRIORITY_LABELS),
    incidentTypeId: id('incident_type_id'),
    reporterId,
    assigneeId: id('assignee_id'),
    facilityId: id('facility_id'),
    departmentId: id('department_id'),
    categoryId: id('category_id'),
    subcategoryId: id('subcategory_id'),
    serviceType,
    dueDate,
  };
  if (errors.length > 0 || !kind) return { row, errors };
  const defined = Object.fromEntries(Object.entries(input).filter(([, value]) => value !== undefined));
  return { row, item: { kind, input: defined as TicketInput & { title: string } } };
}

const csvRowsOf = (text: AsyncIterable<string>) =>
  csvRows(text, {
    columns: (header) => {
      const names = headerNames(
        header,
        IMPORT_COLUMNS,
        (name) => (IMPORT_COLUMNS as readonly string[]).includes(name),
        refuse,
      );
      if (!names.includes('title')) throw new ImportFileError('The header row has no "title" column.', 422);
      return names;
    },
    row: rowItem,
    unreadable: ({ message }) => `: ${message}`,
    refuse,
  });

async function* ndjsonRows(text: AsyncIterable<string>): AsyncGenerator<ParsedRow> {
  let rest = '';
  let line = 0;
  const parseLine = (content: string): ParsedRow | undefined => {
    line += 1;
    if (content.trim() === '') return undefined;
    let record: unknown;
    try {
      record = JSON.parse(content);
    } catch {
      return {
        row: line,
        errors: [{ row: line, field: 'non_field_errors', message: 'This line is not valid JSON.' }],
      };
    }
    if (!record || typeof record !== 'object' || Array.isArray(record))
      return {
        row: line,
        errors: [{ row: line, field: 'non_field_errors', message: 'Expected a JSON object.' }],
      };
    return rowItem(line, record as Record<string, unknown>);
  };
  for await (const piece of text) {
    const lines = (rest + piece).split('\n');
    rest = lines.pop() ?? '';
    for (const content of lines) {
      const parsed = parseLine(content);
      if (parsed) yield parsed;
    }
  }
  const parsed = parseLine(rest);
  if (parsed) yield parsed;
}

/** The rows of a file, checked one by one, at most `maxRows` (the file is refused past it). */
export function parseImport(
  chunks: AsyncIterable<Buffer | string>,
  format: ImportFormat,
  maxRows: number,
): AsyncGenerator<ParsedRow> {
  const text = utf8(chunks, refuse);
  return limitRows(format === 'csv' ? csvRowsOf(text) : ndjsonRows(text), maxRows, refuse);
}
