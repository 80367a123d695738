import type { TSchema } from '@sinclair/typebox';
import type { EventCatalogue } from './define-event.ts';

/** A short type for a schema: `integer`, `string \| null`, `{...}`, `string[]`. */
function typeOf(schema: TSchema): string {
  if (Array.isArray(schema.anyOf)) return (schema.anyOf as TSchema[]).map(typeOf).join(' \\| ');
  if (schema.const !== undefined) return JSON.stringify(schema.const);
  if (Array.isArray(schema.enum))
    return (schema.enum as unknown[]).map((v) => JSON.stringify(v)).join(' \\| ');
  if (schema.type === 'array') return `${typeOf(schema.items as TSchema)}[]`;
  if (schema.type === 'object') {
    const properties = schema.properties as Record<string, TSchema> | undefined;
    return properties ? `{${Object.keys(properties).join(', ')}}` : 'object';
  }
  if (schema.format === 'date-time') return 'date-time';
  return typeof schema.type === 'string' ? schema.type : 'any';
}

function payloadSummary(schema: TSchema): string {
  const properties = (schema.properties ?? {}) as Record<string, TSchema>;
  const required = new Set((schema.required ?? []) as string[]);
  return Object.entries(properties)
    .map(([name, property]) => `\`${name}${required.has(name) ? '' : '?'}\`: ${typeOf(property)}`)
    .join('<br>');
}

/**
 * The catalogue as the Markdown table docs/events.md holds between its
 * `<!-- catalogue -->` markers; a test fails when the two differ.
 */
export function renderCatalogue(catalogue: EventCatalogue): string {
  const rows = catalogue.definitions.map(
    (definition) =>
      `| \`${definition.type}\` | ${definition.version} | \`${definition.subject}\` | ${definition.description} | ${payloadSummary(definition.payload)} | ${definition.visibility} |`,
  );
  return [
    '| event | version | subject | when | payload | who may see it |',
    '| --- | --- | --- | --- | --- | --- |',
    ...rows,
  ].join('\n');
}
