import fs from 'node:fs';
import path from 'node:path';
import { format, resolveConfig } from 'prettier';
import { describe, expect, it } from 'vitest';
import { renderCatalogue } from '../platform/events/index.ts';
import { eventCatalogue } from './index.ts';

/** docs/events.md holds the catalogue generated from the definitions; this fails when they drift. */
describe('event catalogue', () => {
  it('is documented exactly as defined (npx tsx scripts/event-catalogue.ts rewrites it)', async () => {
    const file = path.resolve(import.meta.dirname, '../../docs/events.md');
    const docs = fs.readFileSync(file, 'utf8');
    const table = docs.slice(
      docs.indexOf('<!-- catalogue -->') + '<!-- catalogue -->'.length,
      docs.indexOf('<!-- /catalogue -->'),
    );
    const expected = await format(renderCatalogue(eventCatalogue), {
      ...(await resolveConfig(file)),
      parser: 'markdown',
    });
    expect(table.trim()).toBe(expected.trim());
  });

  it('names every type <entity>.<past-verb> and covers the modules that change things', () => {
    for (const definition of eventCatalogue.definitions) expect(definition.type).toMatch(/^[a-z]+\.[a-z_]+$/);
    const prefixes = new Set(eventCatalogue.definitions.map((definition) => definition.type.split('.')[0]));
    for (const prefix of [
      'ticket',
      'sla',
      'timeentry',
      'event',
      'timeoff',
      'site',
      'facility',
      'user',
      'rental',
    ])
      expect(prefixes).toContain(prefix);
  });
});
