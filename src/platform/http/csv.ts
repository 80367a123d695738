import { stringify, type Options, type Stringifier } from 'csv-stringify';
import { stringify as stringifySync } from 'csv-stringify/sync';

/** What a CSV cell may hold: a number stays a number, anything else is written as text. */
export type CsvCell = string | number | null | undefined;

/**
 * The options of every CSV the API writes; build CSV only through this module, so
 * each export inherits them. `escape_formulas` neutralises CSV (formula) injection as
 * OWASP describes it: a text cell that starts with `=`, `+`, `-`, `@`, tab or carriage
 * return (or their full-width forms) gets a leading `'`, so a spreadsheet shows the
 * text instead of evaluating it; embedded quotes are doubled and such cells quoted.
 * A cell that holds a JavaScript number is left alone, so a negative amount stays a
 * number: numbers carry no formula. Text that merely looks like a number ("-5") is
 * still prefixed, since it is text a person typed.
 */
const OPTIONS: Options = { bom: false, escape_formulas: true };

/** A streaming CSV writer: one `CsvCell[]` per record in, CSV text out; a header row of `columns`. */
export function csvStringifier(columns: string[]): Stringifier {
  return stringify({ ...OPTIONS, header: true, columns });
}

const FORMULA_STARTS = new Set(['=', '+', '-', '@', '\t', '\r', '\uFF1D', '\uFF0B', '\uFF0D', '\uFF20']);
const NEEDS_QUOTES = /[",\n\r]/;

function csvCell(cell: CsvCell): string {
  if (cell === null || cell === undefined || cell === '') return '';
  if (typeof cell === 'number') return String(cell);
  const quoted = NEEDS_QUOTES.test(cell);
  const text = FORMULA_STARTS.has(cell[0] as string) ? `'${cell}` : cell;
  return quoted ? `"${text.replaceAll('"', '""')}"` : text;
}

/**
 * One CSV record with its line break, by the same rules as `csvStringifier` (formula
 * neutralisation included; csv.test.ts holds them equal) at the speed an export of a
 * million rows needs: no per-record option handling, no stream per record.
 */
export function csvLine(cells: readonly CsvCell[]): string {
  let line = '';
  for (let i = 0; i < cells.length; i++) line += (i === 0 ? '' : ',') + csvCell(cells[i]);
  return `${line}\n`;
}

/** The CSV text of `rows` (the first row is the header, if there is one). */
export function toCsv(rows: CsvCell[][]): string {
  return stringifySync(rows, OPTIONS);
}
