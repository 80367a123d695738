import { inspect } from 'node:util';
import type { LoggerOptions } from 'pino';

/** Members of an error worth a log line: what failed and where, never the objects it carries. */
const FIELDS = [
  'code',
  'errno',
  'syscall',
  'address',
  'port',
  'statusCode',
  'severity',
  'detail',
  'hint',
  'constraint',
  'table',
  'column',
  'routine',
] as const;

/**
 * pino's standard serializer copies every enumerable member of an error; pg-pool adds
 * the whole `pg` client to the errors it emits (kilobytes of connection internals and
 * settings per line). This one keeps the name, message, stack, the scalar members above
 * and the causes.
 */
export function serializeError(error: unknown, depth = 0): Record<string, unknown> {
  if (!(error instanceof Error)) {
    return { message: typeof error === 'string' ? error : inspect(error, { depth: 1 }).slice(0, 500) };
  }
  const members = error as unknown as Record<string, unknown>;
  const logged: Record<string, unknown> = { type: error.name, message: error.message, stack: error.stack };
  for (const field of FIELDS) {
    const value = members[field];
    if (typeof value === 'string' || typeof value === 'number') logged[field] = value;
  }
  if (depth < 3) {
    if (error.cause !== undefined) logged.cause = serializeError(error.cause, depth + 1);
    if (error instanceof AggregateError)
      logged.errors = error.errors.map((inner: unknown) => serializeError(inner, depth + 1));
  }
  return logged;
}

/** Pino options of every Opsdesk process; errors are logged under these keys by us and our libraries. */
export function loggerOptions(level: string, transport?: LoggerOptions['transport']): LoggerOptions {
  const err = (error: unknown) => serializeError(error);
  return {
    level,
    serializers: { err, error: err, fatalError: err, reason: err },
    ...(transport && { transport }),
  };
}
