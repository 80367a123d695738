import { Type } from '@sinclair/typebox';
import { describe, expect, it } from 'vitest';
import { AppError } from './errors.ts';
import { v2PageSchema } from './pagination.ts';
import { DateTime, Nullable } from './schemas.ts';
import { compileSerializer } from './serialization.ts';
import { Expandable, ExpandOnly, locateItem, parseShape, shapeItem } from './shape.ts';

const Ref = Type.Object({ id: Type.Integer(), name: Type.String() });
const Full = Type.Object({ id: Type.Integer(), name: Type.String(), email: Type.String() });
const Item = Type.Object({
  id: Type.Integer(),
  title: Type.String(),
  due: Nullable(DateTime),
  owner: Expandable(Ref, Full),
  tags: Type.Array(Type.String()),
});
const Page = v2PageSchema(Item);
const owner = { id: 7, name: 'Ann', email: 'ann@example.test' };
const item = { id: 1, title: 'Down', due: null, owner, tags: ['a'] };
const json = (value: unknown) => JSON.parse(value as string) as unknown;

const serialize = (raw: { fields?: string; expand?: string }, payload: unknown) => {
  const location = locateItem(Page);
  if (!location) throw new Error('no items');
  const shape = parseShape(location.item, raw);
  const schema = shape ? location.rebuild(shapeItem(location.item, shape)) : Page;
  return json(compileSerializer(schema)(payload));
};

describe('shape', () => {
  it('writes the reference of an expandable property by default, the full object when expanded', () => {
    const page = { data: [item], next_cursor: null, has_more: false };
    expect(json(compileSerializer(Page)(page))).toEqual({
      ...page,
      data: [{ ...item, owner: { id: 7, name: 'Ann' } }],
    });
    expect(serialize({ expand: 'owner' }, page)).toEqual(page);
  });

  it('writes only the selected fields, id always, inside related objects too', () => {
    const page = { data: [item, { ...item, id: 2, owner: null }], next_cursor: 'c', has_more: true };
    expect(serialize({ fields: 'title, tags' }, page)).toEqual({
      data: [
        { id: 1, title: 'Down', tags: ['a'] },
        { id: 2, title: 'Down', tags: ['a'] },
      ],
      next_cursor: 'c',
      has_more: true,
    });
    expect(serialize({ fields: 'owner.email', expand: 'owner' }, page)).toEqual({
      data: [
        { id: 1, owner: { id: 7, email: 'ann@example.test' } },
        { id: 2, owner: null },
      ],
      next_cursor: 'c',
      has_more: true,
    });
  });

  it('names every unknown field and expansion in one 400', () => {
    const location = locateItem(Item);
    if (!location) throw new Error('no item');
    const failure = (raw: { fields?: string; expand?: string }) => {
      try {
        parseShape(location.item, raw);
      } catch (error) {
        return error as AppError;
      }
      throw new Error('accepted');
    };
    expect(failure({ fields: 'title,nope,owner.email' })).toMatchObject({
      code: 'INVALID_FIELDS',
      kind: 'invalid',
      message: expect.stringContaining('"nope", "owner.email"'),
      fields: { fields: [expect.stringContaining('choose from: id, title, due, owner, tags')] },
    });
    expect(failure({ expand: 'title' })).toMatchObject({ code: 'INVALID_EXPAND' });
    expect(parseShape(location.item, { fields: ' , ' })).toBeUndefined();
    expect(parseShape(location.item, { fields: 'title,title', expand: 'owner' })?.key).toBe('title|owner');
  });

  it('leaves an expand-only property out by default and adds it, in any of its forms, when expanded', () => {
    const WithBuyer = Type.Object({
      id: Type.Integer(),
      buyer_id: Nullable(Type.Integer()),
      buyer: ExpandOnly([Full, Type.Object({ id: Type.Integer() })]),
    });
    const location = locateItem(WithBuyer);
    if (!location) throw new Error('no item');
    const shaped = (raw: { fields?: string; expand?: string }, payload: unknown) => {
      const shape = parseShape(location.item, raw);
      return json(compileSerializer(shape ? shapeItem(location.item, shape) : WithBuyer)(payload));
    };
    const full = { id: 1, buyer_id: 7, buyer: owner };
    expect(json(compileSerializer(WithBuyer)(full))).toEqual({ id: 1, buyer_id: 7 });
    expect(shaped({ fields: 'buyer_id' }, full)).toEqual({ id: 1, buyer_id: 7 });
    expect(shaped({ expand: 'buyer' }, full)).toEqual(full);
    expect(shaped({ expand: 'buyer' }, { id: 1, buyer_id: 7, buyer: { id: 7 } })).toEqual({
      id: 1,
      buyer_id: 7,
      buyer: { id: 7 },
    });
    expect(shaped({ expand: 'buyer' }, { id: 2, buyer_id: null, buyer: null })).toEqual({
      id: 2,
      buyer_id: null,
      buyer: null,
    });
    expect(shaped({ expand: 'buyer', fields: 'buyer.email' }, full)).toEqual({
      id: 1,
      buyer: { id: 7, email: 'ann@example.test' },
    });
  });
});
