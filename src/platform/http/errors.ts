/**
 * The one error type domain code throws. It names what went wrong (`code`, `kind`)
 * and never an HTTP status: `error-handler.ts` owns the kind -> status map and the
 * body shape of each API version.
 */
export type ErrorKind =
  | 'invalid'
  | 'unauthenticated'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'precondition_failed'
  | 'precondition_required'
  | 'unprocessable'
  | 'rate_limited'
  | 'unavailable';

/** Field name -> messages, as DRF reports field errors. */
export type FieldErrors = Record<string, string[]>;

export interface AppErrorOptions {
  /** Field-level messages (v1 renders them as the whole body, v2 as `errors`). */
  fields?: FieldErrors;
  /** Extra machine-readable members for the response (e.g. the current resource on a conflict). */
  extra?: Record<string, unknown>;
  /** When the client may try again, in seconds: sent as `Retry-After` (a lockout, a throttle). */
  retryAfterSeconds?: number;
  cause?: unknown;
}

export class AppError extends Error {
  readonly code: string;
  readonly kind: ErrorKind;
  readonly fields: FieldErrors | undefined;
  readonly extra: Record<string, unknown> | undefined;
  readonly retryAfterSeconds: number | undefined;

  constructor(code: string, kind: ErrorKind, message: string, options: AppErrorOptions = {}) {
    super(message, { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.kind = kind;
    this.fields = options.fields;
    this.extra = options.extra;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

/** Declares a module's error codes in one table: `const errors = defineErrors({ NOT_FOUND: [...] })`. */
export function defineErrors<T extends Record<string, readonly [ErrorKind, string]>>(
  table: T,
): { [K in keyof T]: (options?: AppErrorOptions & { message?: string }) => AppError } {
  const factories: Record<string, (options?: AppErrorOptions & { message?: string }) => AppError> = {};
  for (const [code, [kind, message]] of Object.entries(table)) {
    factories[code] = (options = {}) => new AppError(code, kind, options.message ?? message, options);
  }
  return factories as { [K in keyof T]: (options?: AppErrorOptions & { message?: string }) => AppError };
}

/** Errors every module raises, so their codes stay the same everywhere. */
export const commonErrors = defineErrors({
  NOT_FOUND: ['not_found', 'Not found.'],
  NOT_AUTHENTICATED: ['unauthenticated', 'Authentication credentials were not provided.'],
  PERMISSION_DENIED: ['forbidden', 'You do not have permission to perform this action.'],
  VALIDATION_FAILED: ['invalid', 'Invalid input.'],
  VERSION_CONFLICT: [
    'conflict',
    'This resource was changed by someone else; reload it and apply your change again.',
  ],
  PRECONDITION_FAILED: [
    'precondition_failed',
    'If-Match does not match the current version of this resource.',
  ],
  PRECONDITION_REQUIRED: [
    'precondition_required',
    'This update needs an If-Match header with the ETag you last read.',
  ],
  UNIQUE_VIOLATION: ['conflict', 'A resource with these values already exists.'],
});

/** `{ field: ['message'] }` in one call, for the common single-field case. */
export function fieldError(field: string, message: string): AppError {
  return commonErrors.VALIDATION_FAILED({ fields: { [field]: [message] } });
}

const statusByKind: Record<ErrorKind, number> = {
  invalid: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  precondition_failed: 412,
  precondition_required: 428,
  unprocessable: 422,
  rate_limited: 429,
  unavailable: 503,
};

export const statusOf = (kind: ErrorKind): number => statusByKind[kind];
