import { Type } from '@sinclair/typebox';
import { describe, expect, it } from 'vitest';
import { Nullable } from './schemas.ts';
import { createValidatorCompiler } from './validation.ts';

const Body = Type.Object({
  count: Nullable(Type.Integer({ minimum: 0 })),
  name: Nullable(Type.String()),
  state: Nullable(Type.Union([Type.Literal('open'), Type.Literal('closed')])),
  unit: Nullable(Type.Literal('day')),
});

type Validate = (data: unknown) => { value?: Record<string, unknown>; error?: unknown[] };
const validatorFor = (url: string) =>
  createValidatorCompiler()({ schema: Body, httpPart: 'body', url, method: 'POST' }) as unknown as Validate;

describe('request body validation', () => {
  it('keeps a null sent to a nullable field of a v1 body null, while still coercing other values', () => {
    const validate = validatorFor('/api/things/');
    expect(validate({ count: null, name: null, state: null, unit: null }).value).toEqual({
      count: null,
      name: null,
      state: null,
      unit: null,
    });
    expect(validate({ count: '3', name: 5, state: 'open', unit: 'day' }).value).toEqual({
      count: 3,
      name: '5',
      state: 'open',
      unit: 'day',
    });
    expect(validate({ count: 0, name: '', state: 'closed', unit: null }).value).toEqual({
      count: 0,
      name: '',
      state: 'closed',
      unit: null,
    });
    expect(validate({ count: -1, name: null, state: null, unit: 'week' }).error).toHaveLength(2);
  });

  it('refuses in a v2 body what a v1 body coerces', () => {
    const validate = validatorFor('/api/v2/things');
    expect(validate({ count: null, name: null, state: null, unit: null }).value).toMatchObject({
      count: null,
    });
    expect(validate({ count: '3', name: null, state: null, unit: null }).error).toBeDefined();
  });
});
