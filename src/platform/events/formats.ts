import { FormatRegistry } from '@sinclair/typebox';

/*
 * The string formats event payloads use, for TypeBox's `Value.Check` (which knows none
 * by itself; Fastify validates requests with ajv-formats instead).
 */
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

if (!FormatRegistry.Has('date')) FormatRegistry.Set('date', (value) => DATE.test(value));
if (!FormatRegistry.Has('date-time'))
  FormatRegistry.Set('date-time', (value) => DATE_TIME.test(value) && !Number.isNaN(Date.parse(value)));
