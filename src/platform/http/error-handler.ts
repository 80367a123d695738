import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { translateDatabaseError } from '../db/errors.ts';
import { redactUrl } from '../observability/log-redaction.ts';
import { AppError, statusOf, type FieldErrors } from './errors.ts';
import { apiVersionOf } from './versioning.ts';

interface AjvError {
  instancePath: string;
  keyword: string;
  params: Record<string, unknown>;
  message?: string;
}

/** DRF's wording for the schema failures a client can hit, so v1 frontends show familiar text. */
function messageFor(error: AjvError): string {
  const p = error.params;
  switch (error.keyword) {
    case 'required':
      return 'This field is required.';
    case 'additionalProperties':
      return 'Unknown field.';
    case 'type':
      // A nullable field reports its type list ("integer,null"): name the type it wants.
      switch (String(p.type).replace(/,?null,?/, '')) {
        case 'integer':
          return 'A valid integer is required.';
        case 'number':
          return 'A valid number is required.';
        case 'boolean':
          return 'Must be a valid boolean.';
        case 'string':
          return 'Not a valid string.';
        case 'array':
          return 'Expected a list of items.';
        case 'object':
          return 'Expected an object.';
        default:
          return `Expected ${String(p.type)}.`;
      }
    case 'minLength':
      return p.limit === 1
        ? 'This field may not be blank.'
        : `Ensure this field has at least ${String(p.limit)} characters.`;
    case 'maxLength':
      return `Ensure this field has no more than ${String(p.limit)} characters.`;
    case 'minimum':
      return `Ensure this value is greater than or equal to ${String(p.limit)}.`;
    case 'maximum':
      return `Ensure this value is less than or equal to ${String(p.limit)}.`;
    case 'enum':
      return `Not a valid choice; expected one of: ${(p.allowedValues as unknown[])
        .filter((value) => value !== null)
        .map(String)
        .join(', ')}.`;
    case 'format':
      switch (p.format) {
        case 'date':
          return 'Date has wrong format. Use YYYY-MM-DD.';
        case 'date-time':
          return 'Datetime has wrong format. Use ISO 8601, e.g. 2026-01-31T09:00:00Z.';
        case 'time':
          return 'Time has wrong format. Use hh:mm[:ss].';
        case 'email':
          return 'Enter a valid email address.';
        default:
          return `Not a valid ${String(p.format)}.`;
      }
    case 'pattern':
      return 'This value has the wrong format.';
    case 'minItems':
      return `Ensure this list has at least ${String(p.limit)} items.`;
    case 'maxItems':
      return `Ensure this list has no more than ${String(p.limit)} items.`;
    default:
      return error.message ?? 'Invalid value.';
  }
}

function fieldOf(error: AjvError, context: string | undefined): string {
  const path = error.instancePath
    .split('/')
    .filter(Boolean)
    .map((segment) => segment.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (error.keyword === 'required') path.push(String(error.params.missingProperty));
  if (error.keyword === 'additionalProperties') path.push(String(error.params.additionalProperty));
  if (path.length === 0) return context === 'body' || !context ? 'non_field_errors' : context;
  return path.join('.');
}

function validationFields(errors: AjvError[], context: string | undefined): FieldErrors {
  const fields: FieldErrors = {};
  for (const error of errors) {
    // anyOf/oneOf report their branches individually; the branch messages say more.
    if (error.keyword === 'anyOf' || error.keyword === 'oneOf') continue;
    // A nullable field's "null" branch adds nothing to the real branch's message.
    if (error.keyword === 'type' && error.params.type === 'null') continue;
    const field = fieldOf(error, context);
    const message = messageFor(error);
    const messages = (fields[field] ??= []);
    if (!messages.includes(message)) messages.push(message);
  }
  return fields;
}

/** Maps anything thrown in a request to an AppError with a safe message. */
export function toAppError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  const fastifyError = error as Partial<FastifyError> & {
    validation?: AjvError[];
    validationContext?: string;
  };
  if (Array.isArray(fastifyError.validation)) {
    return new AppError('VALIDATION_FAILED', 'invalid', 'Invalid input.', {
      fields: validationFields(fastifyError.validation, fastifyError.validationContext),
    });
  }
  const database = translateDatabaseError(error);
  if (database) return database;
  const status = fastifyError.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    switch (fastifyError.code) {
      case 'FST_ERR_CTP_INVALID_JSON_BODY':
        return new AppError(
          'MALFORMED_JSON',
          'invalid',
          `JSON parse error - ${fastifyError.message ?? ''}`.trim(),
        );
      case 'FST_ERR_CTP_BODY_TOO_LARGE':
        return new AppError('BODY_TOO_LARGE', 'invalid', 'Request body is too large.', {
          extra: { status: 413 },
        });
      case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
        return new AppError(
          'UNSUPPORTED_MEDIA_TYPE',
          'invalid',
          'Unsupported media type; send application/json.',
          {
            extra: { status: 415 },
          },
        );
      default:
        return new AppError(
          fastifyError.code ?? 'BAD_REQUEST',
          status === 429 ? 'rate_limited' : 'invalid',
          fastifyError.message ?? 'Bad request.',
          {
            extra: { status },
          },
        );
    }
  }
  return new AppError('INTERNAL', 'unavailable', 'Internal server error.', {
    cause: error,
    extra: { status: 500 },
  });
}

const titles: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  410: 'Gone',
  412: 'Precondition Failed',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  428: 'Precondition Required',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

const RETRY_AFTER_SECONDS = '5';

export const problemType = (code: string): string =>
  `https://opsdesk.dev/problems/${code.toLowerCase().replace(/_/g, '-')}`;

/**
 * The application's error handler: one place decides status and body. v1 answers DRF
 * bodies (`{"detail": ...}` or `{"field": ["message"]}`); v2 answers RFC 9457
 * problem+json with a stable `type` per code. Both carry the request id; a 5xx never
 * carries internals.
 */
export function errorHandler(error: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const appError = toAppError(error);
  const { status: statusOverride, ...extra } = appError.extra ?? {};
  const status = typeof statusOverride === 'number' ? statusOverride : statusOf(appError.kind);
  // A 503 is an outage of a dependency, logged once per request but not as a bug.
  if (status === 503)
    request.log.warn({ err: appError.cause ?? error, code: appError.code }, appError.message);
  else if (status >= 500) request.log.error({ err: appError.cause ?? error }, 'request failed');
  else request.log.info({ code: appError.code, status }, appError.message);

  if (status === 401 && !reply.hasHeader('www-authenticate')) reply.header('www-authenticate', 'Token');
  if (appError.retryAfterSeconds !== undefined)
    reply.header('retry-after', String(Math.max(1, Math.ceil(appError.retryAfterSeconds))));
  // A 503 is a dependency that is down for now: tell clients and proxies when to try again.
  if (status === 503 && !reply.hasHeader('retry-after')) reply.header('retry-after', RETRY_AFTER_SECONDS);
  reply.status(status);
  if (apiVersionOf(request) === 'v2') {
    return reply.type('application/problem+json; charset=utf-8').send({
      type: problemType(appError.code),
      title: titles[status] ?? 'Error',
      status,
      detail: appError.message,
      code: appError.code,
      // Redacted: a credential sent in the query string must not come back in the body either.
      instance: redactUrl(request.url),
      request_id: request.id,
      ...(appError.fields && {
        errors: Object.entries(appError.fields).flatMap(([field, messages]) =>
          messages.map((message) => ({ field, message })),
        ),
      }),
      ...extra,
    });
  }
  if (appError.fields) return reply.type('application/json; charset=utf-8').send(appError.fields);
  return reply
    .type('application/json; charset=utf-8')
    .send({ detail: appError.message, code: appError.code, request_id: request.id, ...extra });
}
