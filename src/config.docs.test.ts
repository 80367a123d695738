import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeSettings } from './config.ts';

const root = path.resolve(import.meta.dirname, '..');

/** Docs move with the code: the README table and .env.example come from the settings table. */
describe('configuration docs', () => {
  const settings = describeSettings();

  it('README lists every setting with its default and meaning', () => {
    // Cells as written, whatever padding the formatter gives the table.
    const rows = fs
      .readFileSync(path.join(root, 'README.md'), 'utf8')
      .split('\n')
      .map((line) =>
        line
          .split('|')
          .map((cell) => cell.trim())
          .join('|'),
      );
    for (const setting of settings) {
      expect(rows).toContain(`|\`${setting.env}\`|${setting.default}|${setting.description}|`);
    }
  });

  it('.env.example names every setting', () => {
    const example = fs.readFileSync(path.join(root, '.env.example'), 'utf8');
    for (const setting of settings) expect(example).toContain(`# ${setting.env}=`);
  });
});
