import { parse as parseCsv } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { csvLine, csvStringifier, toCsv, type CsvCell } from './csv.ts';

const parsed = (text: string) => parseCsv(text) as string[][];

describe('CSV writer', () => {
  it.each(['=', '+', '-', '@', '\t', '\r', '\uFF1D'])(
    'prefixes text starting with %j with a quote, keeping the rest intact',
    (start) => {
      const text = `${start}HYPERLINK("http://evil.test","click")`;
      const csv = toCsv([['title'], [text]]);
      expect(parsed(csv)).toEqual([['title'], [`'${text}`]]);
    },
  );

  it('leaves harmless text, and characters later in the text, alone', () => {
    const cells = ['plain', 'a=b', 'x-1', 'mail@example.test', "'quoted already", ''];
    expect(parsed(toCsv([cells]))).toEqual([cells]);
  });

  it('keeps numbers numbers, a negative one included; text that looks like one is still text', () => {
    expect(toCsv([[-5, 3.25, '-5']])).toBe("-5,3.25,'-5\n");
  });

  it('quotes and doubles embedded quotes after the prefix', () => {
    expect(toCsv([['=1+"a"']])).toBe(`"'=1+""a"""\n`);
  });

  it('the streaming writer used by list exports does the same', async () => {
    const writer = csvStringifier(['id', 'title']);
    writer.end([-1, '=cmd']);
    let text = '';
    for await (const chunk of writer) text += String(chunk);
    expect(text).toBe("id,title\n-1,'=cmd\n");
  });

  it('the fast record writer of exports writes exactly what the library writer does', () => {
    const cells: CsvCell[] = [
      'plain',
      '',
      null,
      undefined,
      0,
      -5,
      3.25,
      '-5',
      '=SUM(A1)',
      '+1',
      '@x',
      '\tx',
      '\rx',
      '\uFF1D1',
      '\uFF0B1',
      '\uFF0D1',
      '\uFF201',
      'a,b',
      'say "hi"',
      '=1+"a"',
      'two\nlines',
      'cr\rhere',
      "'kept",
      'ünï©ødé',
    ];
    for (const cell of cells) expect(csvLine([cell, 'x'])).toBe(toCsv([[cell, 'x']]));
    expect(csvLine(cells)).toBe(toCsv([cells]));
  });
});
