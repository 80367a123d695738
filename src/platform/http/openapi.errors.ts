import { Type } from '@sinclair/typebox';
import type { ComponentRegistry, Operation } from './openapi.components.ts';

/**
 * The error bodies of each API version (error-handler.ts writes them), for the
 * documents only: routes do not declare them, so Fastify never serializes an error
 * with these schemas. Every operation answers them as its `default` response.
 */
const ProblemDetails = Type.Object(
  {
    type: Type.String({
      format: 'uri',
      description: 'Stable per error code, e.g. https://opsdesk.dev/problems/version-conflict.',
    }),
    title: Type.String({ description: 'The HTTP status in words.' }),
    status: Type.Integer(),
    detail: Type.String({ description: 'What went wrong, for a person.' }),
    code: Type.String({ description: 'Stable machine-readable code, e.g. VERSION_CONFLICT.' }),
    instance: Type.String({ description: 'The request path.' }),
    request_id: Type.String(),
    errors: Type.Optional(
      Type.Array(Type.Object({ field: Type.String(), message: Type.String() }), {
        description: 'Field-level problems of a 400.',
      }),
    ),
  },
  {
    description:
      'RFC 9457 problem details. Some errors add members (a 409 on a stale write carries the current resource).',
    additionalProperties: true,
  },
);

const ErrorDetail = Type.Object(
  { detail: Type.String(), code: Type.String(), request_id: Type.String() },
  { description: 'A DRF error body; some errors add members.', additionalProperties: true },
);

const ValidationError = Type.Record(Type.String(), Type.Array(Type.String()), {
  description: 'DRF field errors: field name (or non_field_errors) -> messages.',
});

const v2Default = { $ref: '#/components/responses/Problem' };
const v1Default = { $ref: '#/components/responses/Error' };

/** Adds the version's error response to an operation that does not document its own. */
export function errorResponses(operation: Operation, version: 'v1' | 'v2'): void {
  const responses = (operation.responses ??= {}) as Record<string, unknown>;
  responses.default ??= version === 'v2' ? v2Default : v1Default;
}

/** Registers the error schemas and returns `components.responses` for the version. */
export function errorComponents(registry: ComponentRegistry, version: 'v1' | 'v2'): Record<string, unknown> {
  if (version === 'v2') {
    registry.define('ProblemDetails', ProblemDetails);
    return {
      Problem: {
        description: 'An error, as application/problem+json (RFC 9457).',
        content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/ProblemDetails' } } },
      },
    };
  }
  registry.define('ErrorDetail', ErrorDetail);
  registry.define('ValidationError', ValidationError);
  return {
    Error: {
      description: 'An error: `{"detail": ...}`, or field errors `{"field": ["message"]}` on a 400.',
      content: {
        'application/json': {
          schema: {
            anyOf: [
              { $ref: '#/components/schemas/ErrorDetail' },
              { $ref: '#/components/schemas/ValidationError' },
            ],
          },
        },
      },
    },
  };
}
