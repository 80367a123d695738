import { Ajv, type Options } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { FastifySchemaCompiler } from 'fastify';

// ajv-formats is CommonJS; under NodeNext its default export arrives as the module object.
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

const base: Options = { allErrors: true, removeAdditional: false, useDefaults: true, strict: false };

const build = (coerceTypes: Options['coerceTypes']) => {
  const ajv = new Ajv({ ...base, coerceTypes });
  addFormats(ajv);
  ajv.addKeyword('modifier').addKeyword('kind');
  return ajv;
};

/**
 * Three validators, because the API versions differ on purpose:
 * - query strings and path params arrive as text and are coerced ("3" -> 3);
 * - v1 bodies are coerced the way DRF fields accept input ("3" for an integer, 5 for a string);
 * - v2 bodies are strict: a number where a string belongs is a 400, not a silent conversion.
 */
export function createValidatorCompiler(): FastifySchemaCompiler<unknown> {
  const params = build('array');
  const lenientBody = build(true);
  const strictBody = build(false);
  return ({ schema, httpPart, url }) => {
    const ajv = httpPart !== 'body' ? params : url.startsWith('/api/v2') ? strictBody : lenientBody;
    return ajv.compile(schema as object);
  };
}
