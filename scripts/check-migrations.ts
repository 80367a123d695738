/**
 * Fails when the Drizzle schema has changes no committed migration covers: generates
 * into a scratch copy of migrations/ and reports any new file.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

// drizzle-kit only accepts an output folder relative to the project.
const scratch = path.join('.data', `migration-check-${process.pid}`);
fs.rmSync(scratch, { recursive: true, force: true });
fs.mkdirSync(path.dirname(scratch), { recursive: true });
fs.cpSync('migrations', scratch, { recursive: true });
const before = new Set(fs.readdirSync(scratch));
execFileSync(
  'npx',
  [
    'drizzle-kit',
    'generate',
    '--dialect',
    'postgresql',
    '--schema',
    'src/platform/db/schema.ts',
    '--out',
    scratch,
    '--casing',
    'snake_case',
    '--name',
    'drift',
  ],
  { stdio: 'pipe' },
);
const added = fs.readdirSync(scratch).filter((name) => !before.has(name));
fs.rmSync(scratch, { recursive: true, force: true });
if (added.length > 0) {
  console.error(
    `The schema has changes without a migration (${added.join(', ')}). Run: npm run db:generate -- --name <what-changed>`,
  );
  process.exit(1);
}
console.log('Migrations match the schema.');
