/**
 * Writes the event catalogue table into docs/events.md (between the `<!-- catalogue -->`
 * markers) from the modules' event definitions; src/modules/events.catalogue.test.ts
 * fails when the two differ. Run: npx tsx scripts/event-catalogue.ts
 */
import fs from 'node:fs';
import { format, resolveConfig } from 'prettier';
import { renderCatalogue } from '../src/platform/events/index.ts';
import { eventCatalogue } from '../src/modules/index.ts';

const file = 'docs/events.md';
const start = '<!-- catalogue -->';
const end = '<!-- /catalogue -->';
const text = fs.readFileSync(file, 'utf8');
const before = text.slice(0, text.indexOf(start) + start.length);
const after = text.slice(text.indexOf(end));
fs.writeFileSync(
  file,
  await format(`${before}\n${renderCatalogue(eventCatalogue)}\n${after}`, {
    ...(await resolveConfig(file)),
    parser: 'markdown',
  }),
);
console.log(`Wrote ${eventCatalogue.definitions.length} event types to ${file}.`);
