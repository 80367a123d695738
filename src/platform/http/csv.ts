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

/** The CSV text of `rows` (the first row is the header, if there is one). */
export function toCsv(rows: CsvCell[][]): string {
  return stringifySync(rows, OPTIONS);
}
