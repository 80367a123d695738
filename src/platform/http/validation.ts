import { Ajv, type Options, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { FastifySchemaCompiler, FastifySchemaValidationError } from 'fastify';
import { withNullableTypes } from './serialization.ts';

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
 * A request without a body validates as `{}`, as DRF reads it (`request.data` is empty):
 * a route that needs fields then names each missing one instead of refusing the whole body.
 */
function absentBodyAsEmpty(
  validate: ValidateFunction,
): (data: unknown) => { value?: unknown; error?: FastifySchemaValidationError[] } {
  return (data) => {
    const body = data ?? {};
    return validate(body) ? { value: body } : { error: validate.errors ?? [] };
  };
}

/**
 * Three validators, because the API versions differ on purpose:
 * - query strings and path params arrive as text and are coerced ("3" -> 3);
 * - v1 bodies are coerced the way DRF fields accept input ("3" for an integer, 5 for a string),
 *   and a null sent for a nullable field stays null (see `withNullableTypes`);
 * - v2 bodies are strict: a number where a string belongs is a 400, not a silent conversion.
 */
export function createValidatorCompiler(): FastifySchemaCompiler<unknown> {
  const params = build('array');
  const lenientBody = build(true);
  const strictBody = build(false);
  return ({ schema, httpPart, url }) => {
    if (httpPart !== 'body') return params.compile(schema as object);
    if (url.startsWith('/api/v2')) return absentBodyAsEmpty(strictBody.compile(schema as object));
    return absentBodyAsEmpty(lenientBody.compile(withNullableTypes(schema) as object));
  };
}
