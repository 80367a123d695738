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

/** Socket-level failures between Opsdesk and PostgreSQL (Node's error codes). */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/**
 * SQLSTATEs that mean "no server to talk to right now": class 08 (connection exception),
 * too many connections, and the server shutting down, restarting or still starting up.
 */
const UNREACHABLE_SQLSTATES = /^(08...|53300|57P01|57P02|57P03)$/;

/** node-postgres and pg-pool say these in words only (no code). */
const UNREACHABLE_MESSAGES =
  /^(Query read timeout|Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Client was closed|Cannot use a pool after calling end)/;

/** Whether `error` (or an error it wraps) says that PostgreSQL cannot be reached, as opposed to refusing a statement. */
export function isDatabaseUnreachable(error: unknown): boolean {
  for (let current = error, depth = 0; current instanceof Error && depth < 5; depth += 1) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && (NETWORK_CODES.has(code) || UNREACHABLE_SQLSTATES.test(code)))
      return true;
    if (UNREACHABLE_MESSAGES.test(current.message)) return true;
    const aggregate = current instanceof AggregateError ? current.errors : [];
    if (aggregate.some((inner) => isDatabaseUnreachable(inner))) return true;
    current = current.cause;
  }
  return false;
}

/**
 * Turns PostgreSQL's integrity errors that reach the edge into 4xx answers, and a
 * database that cannot be reached into a 503. Services
 * translate the cases they expect into precise field errors; this is the safety net
 * that keeps a missed one from becoming a 500.
 */
export function translateDatabaseError(error: unknown): AppError | undefined {
  if (isDatabaseUnreachable(error)) {
    return new AppError(
      'DATABASE_UNAVAILABLE',
      'unavailable',
      'The database cannot be reached right now; retry in a few seconds.',
      { cause: error },
    );
  }
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
