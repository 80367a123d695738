import type { FastifyReply, FastifyRequest } from 'fastify';
import { commonErrors, type AppError, type FieldErrors } from './errors.ts';

/** DRF's wording (`ProhibitNullCharactersValidator`). */
const NULL_CHARACTER_MESSAGE = 'Null characters are not allowed.';

/** Request headers whose text is stored (sessions and the audit log keep the user agent). */
const STORED_HEADERS = ['user-agent'] as const;

export const NUL = '\u0000';

/** Dotted paths (as validation errors name fields) of every string or key holding a NUL. */
function nulPaths(value: unknown, path: string[] = []): string[] {
  if (typeof value === 'string') return value.includes(NUL) ? [path.join('.')] : [];
  if (Array.isArray(value)) return value.flatMap((item, index) => nulPaths(item, [...path, String(index)]));
  if (value !== null && typeof value === 'object')
    return Object.entries(value).flatMap(([key, inner]) =>
      key.includes(NUL) ? [[...path, key].join('.')] : nulPaths(inner, [...path, key]),
    );
  return [];
}

/** Query strings and path parameters are flat: a repeated parameter is named once, not by position. */
const namesWithNul = (values: unknown): string[] =>
  values !== null && typeof values === 'object'
    ? Object.entries(values)
        .filter(([name, value]: [string, unknown]) => nulPaths({ [name]: value }).length > 0)
        .map(([name]) => name)
    : [];

/**
 * PostgreSQL cannot store U+0000 in text or jsonb, so a NUL anywhere in what a client
 * sends would end as a database error. Every route refuses it here, before schema
 * validation and before any handler: a 400 naming each field, in the version's shape.
 */
export async function rejectNullCharacters(request: FastifyRequest, _reply: FastifyReply): Promise<void> {
  const fields = [
    ...nulPaths(request.body).map((field) => field || 'non_field_errors'),
    ...namesWithNul(request.query),
    ...namesWithNul(request.params),
    ...STORED_HEADERS.filter((header) => request.headers[header]?.includes(NUL)),
  ];
  if (fields.length > 0) throw nullCharacterError(fields);
}

/** The 400 for inputs read outside the hook's reach (the parts of a multipart upload). */
export function nullCharacterError(fields: string[]): AppError {
  const errors: FieldErrors = Object.fromEntries(fields.map((field) => [field, [NULL_CHARACTER_MESSAGE]]));
  return commonErrors.VALIDATION_FAILED({ fields: errors });
}
