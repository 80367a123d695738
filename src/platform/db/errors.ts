import { AppError, commonErrors } from '../http/errors.ts';

interface PgError {
  code?: string;
  constraint?: string;
  detail?: string;
  column?: string;
}

function isPgError(error: unknown): error is PgError & Error {
  return (
    error instanceof Error &&
    typeof (error as PgError).code === 'string' &&
    /^[0-9A-Z]{5}$/.test((error as PgError).code ?? '')
  );
}

/** The PostgreSQL error in `error`, or in its `cause` (Drizzle wraps the driver's); undefined for anything else. */
export function pgErrorOf(error: unknown): PgError | undefined {
  const cause = error instanceof Error ? error.cause : undefined;
  if (isPgError(error)) return error;
  return isPgError(cause) ? cause : undefined;
}

/** Whether `error` is the PostgreSQL error `code` (SQLSTATE), on `constraint` when one is named. */
export function isViolation(error: unknown, code: string, constraint?: string): boolean {
  const pg = pgErrorOf(error);
  return pg?.code === code && (constraint === undefined || pg.constraint === constraint);
}

/** Runs a write, replacing the violation of `constraint` (SQLSTATE `code`) by the caller's error. */
export async function translatingViolation<T>(
  write: Promise<T>,
  code: string,
  constraint: string,
  replacement: (cause: unknown) => Error,
): Promise<T> {
  try {
    return await write;
  } catch (error) {
    throw isViolation(error, code, constraint) ? replacement(error) : error;
  }
}

/**
 * Turns PostgreSQL's integrity errors that reach the edge into 4xx answers. Services
 * translate the cases they expect into precise field errors; this is the safety net
 * that keeps a missed one from becoming a 500.
 */
export function translateDatabaseError(error: unknown): AppError | undefined {
  const cause = pgErrorOf(error);
  if (!cause) return undefined;
  switch (cause.code) {
    case '23505':
      return commonErrors.UNIQUE_VIOLATION({ cause, extra: { constraint: cause.constraint } });
    case '23503':
      return new AppError('REFERENCE_NOT_FOUND', 'invalid', 'A referenced object does not exist.', { cause });
    case '23514':
    case '23502':
    case '22001':
    case '22003':
    case '22007':
    case '22008':
    case '22P02':
      return new AppError('INVALID_VALUE', 'invalid', 'A value is out of range or badly formed.', { cause });
    case '23P01':
      return new AppError('OVERLAP', 'conflict', 'This overlaps with an existing entry.', { cause });
    case '40001':
    case '40P01':
      return new AppError('RETRY', 'conflict', 'A concurrent change interfered; retry the request.', {
        cause,
      });
    case '57014':
      return new AppError('STATEMENT_TIMEOUT', 'unavailable', 'The database took too long to answer.', {
        cause,
      });
    default:
      return undefined;
  }
}
