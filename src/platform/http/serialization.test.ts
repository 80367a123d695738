import fastJsonStringify from 'fast-json-stringify';
import { Type } from '@sinclair/typebox';
import { describe, expect, it } from 'vitest';
import { DateTime, Nullable } from './schemas.ts';
import { withNullableTypes } from './serialization.ts';

const Item = Type.Object({
  id: Type.Integer(),
  due: Nullable(DateTime),
  owner: Nullable(Type.Object({ id: Type.Integer(), name: Type.String() })),
  tags: Type.Array(Nullable(Type.String())),
  either: Nullable(Type.Union([Type.Integer(), Type.String()])),
});

describe('withNullableTypes', () => {
  it('turns a nullable of one typed schema into a type array and leaves other unions alone', () => {
    const rewritten = withNullableTypes(Item) as { properties: Record<string, Record<string, unknown>> };
    expect(rewritten.properties.due).toMatchObject({ type: ['string', 'null'], format: 'date-time' });
    expect(rewritten.properties.due).not.toHaveProperty('anyOf');
    expect(rewritten.properties.owner).toMatchObject({ type: ['object', 'null'] });
    expect(rewritten.properties.either).toHaveProperty('anyOf');
  });

  it('serializes exactly what the anyOf form serializes', () => {
    const plain = fastJsonStringify(Item as never);
    const fast = fastJsonStringify(withNullableTypes(Item) as never);
    const values = [
      { id: 1, due: new Date(0), owner: { id: 2, name: 'Ann', extra: true }, tags: ['a', null], either: 3 },
      { id: 2, due: null, owner: null, tags: [], either: null },
      { id: 3, due: '2026-01-31T09:00:00Z', owner: { id: 4, name: 'Bo' }, tags: [null], either: 'x' },
    ];
    for (const value of values) expect(fast(value)).toBe(plain(value));
  });
});
