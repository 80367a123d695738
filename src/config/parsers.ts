/**
 * What a setting is and the parsers the area files build theirs from. A parser throws
 * ConfigError (through `expect`) with what it wanted; loadConfig turns that into the
 * line of the boot error that names the variable.
 */
type Parser<T> = (raw: string) => T;

export interface Setting<T> {
  env: string;
  description: string;
  parse: Parser<T>;
  /** Shown in docs; `undefined` means the setting is optional and has no default. */
  default?: string;
  /** Default that depends on NODE_ENV, computed at boot. */
  defaultFor?: (mode: NodeEnv) => string | undefined;
  secret?: boolean;
}

export type NodeEnv = 'development' | 'production' | 'test';

export class ConfigError extends Error {}

export const expect = (what: string): never => {
  throw new ConfigError(what);
};

export const str: Parser<string> = (raw) => raw;
export const oneOf =
  <T extends string>(...values: T[]): Parser<T> =>
  (raw) =>
    (values as string[]).includes(raw) ? (raw as T) : expect(`one of ${values.join(', ')}`);
export const int =
  (min: number, max: number): Parser<number> =>
  (raw) => {
    const value = Number(raw);
    return Number.isInteger(value) && value >= min && value <= max
      ? value
      : expect(`a whole number from ${min} to ${max}`);
  };
export const bool: Parser<boolean> = (raw) => {
  const lowered = raw.toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(lowered)) return true;
  if (['0', 'false', 'no', 'off'].includes(lowered)) return false;
  return expect('true or false');
};
export const url =
  (...protocols: string[]): Parser<string> =>
  (raw) => {
    try {
      const parsed = new URL(raw);
      if (protocols.includes(parsed.protocol)) return raw;
    } catch {
      /* reported below */
    }
    return expect(`a URL starting with ${protocols.map((p) => `${p}//`).join(' or ')}`);
  };
const list: Parser<string[]> = (raw) =>
  raw
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
export const origins: Parser<string[]> = (raw) =>
  list(raw).map((origin) => {
    if (origin === '*') return expect('explicit origins (a wildcard cannot carry credentials)');
    try {
      const parsed = new URL(origin);
      if (parsed.origin === origin) return origin;
    } catch {
      /* reported below */
    }
    return expect(`comma-separated origins like http://localhost:8080 (got "${origin}")`);
  });
export const instant: Parser<Date> = (raw) => {
  const time = /^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:\d{2}))?$/.test(raw) ? Date.parse(raw) : NaN;
  return Number.isNaN(time)
    ? expect('an ISO 8601 date or date-time, e.g. 2027-01-31 or 2027-01-31T00:00:00Z')
    : new Date(time);
};
const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
/** `5s,1m,2h` -> milliseconds. */
export const durations: Parser<number[]> = (raw) => {
  const values = list(raw).map((item) => {
    const match = /^(\d+)(ms|s|m|h|d)$/.exec(item);
    return match ? Number(match[1]) * (DURATION_UNITS[match[2] ?? ''] ?? 0) : -1;
  });
  return values.length > 0 && values.every((value) => value > 0)
    ? values
    : expect('comma-separated durations like 5s,1m,2h (units ms, s, m, h, d)');
};
export const logLevel = oneOf('fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent');
