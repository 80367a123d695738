import type { FastifyRequest } from 'fastify';
import { Type } from '@sinclair/typebox';
import { describe, expect, it } from 'vitest';
import { columnsOf, flatten } from './columns.ts';
import { negotiatedFormat } from './negotiation.ts';
import { Nullable } from './schemas.ts';

const request = (accept: string | undefined, query: Record<string, unknown> = {}): FastifyRequest =>
  ({ headers: accept === undefined ? {} : { accept }, query }) as unknown as FastifyRequest;

describe('negotiatedFormat', () => {
  it('answers JSON without an Accept header or for */*', () => {
    expect(negotiatedFormat(request(undefined))).toBe('json');
    expect(negotiatedFormat(request(''))).toBe('json');
    expect(negotiatedFormat(request('*/*'))).toBe('json');
    expect(negotiatedFormat(request('application/*'))).toBe('json');
  });

  it('picks the single type a client asks for', () => {
    expect(negotiatedFormat(request('text/csv'))).toBe('csv');
    expect(negotiatedFormat(request('application/xml'))).toBe('xml');
    expect(negotiatedFormat(request('text/xml'))).toBe('xml');
    expect(negotiatedFormat(request('application/json'))).toBe('json');
    expect(negotiatedFormat(request('TEXT/CSV; charset=utf-8'))).toBe('csv');
  });

  it('ranks by q value, not by position', () => {
    expect(negotiatedFormat(request('application/json;q=0.5, text/csv'))).toBe('csv');
    expect(negotiatedFormat(request('text/csv;q=0.4, application/xml;q=0.9, application/json;q=0.8'))).toBe(
      'xml',
    );
    expect(negotiatedFormat(request('text/csv;q=0.9, */*;q=0.1'))).toBe('csv');
    expect(negotiatedFormat(request('text/csv; q=0.2, application/json; q=0.3'))).toBe('json');
  });

  it('keeps the client order between equal q values', () => {
    expect(negotiatedFormat(request('text/csv, application/xml'))).toBe('csv');
    expect(negotiatedFormat(request('application/xml, text/csv'))).toBe('xml');
    expect(negotiatedFormat(request('application/xml;q=0.5, text/csv;q=0.5'))).toBe('xml');
  });

  it('never picks a type the client refuses with q=0', () => {
    expect(negotiatedFormat(request('text/csv;q=0, application/xml'))).toBe('xml');
    expect(negotiatedFormat(request('text/csv;q=0'))).toBe('json');
  });

  it('skips types it cannot produce and falls back to JSON', () => {
    expect(negotiatedFormat(request('text/html, text/csv;q=0.5'))).toBe('csv');
    expect(negotiatedFormat(request('image/png'))).toBe('json');
    expect(negotiatedFormat(request('text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8'))).toBe(
      'xml',
    );
  });

  it('lets ?format= win over Accept', () => {
    expect(negotiatedFormat(request('application/json', { format: 'csv' }))).toBe('csv');
    expect(negotiatedFormat(request('text/csv', { format: 'xml' }))).toBe('xml');
    expect(negotiatedFormat(request('text/csv', { format: 'json' }))).toBe('json');
  });

  it('ignores an unknown ?format= and negotiates by Accept', () => {
    expect(negotiatedFormat(request('text/csv', { format: 'pdf' }))).toBe('csv');
    expect(negotiatedFormat(request(undefined, { format: 'yaml' }))).toBe('json');
  });

  it('copes with a request that has no parsed query', () => {
    const bare = { headers: { accept: 'application/xml' } } as unknown as FastifyRequest;
    expect(negotiatedFormat(bare)).toBe('xml');
  });
});

const Location = Type.Object({ id: Type.Integer(), name: Type.String() });
const Facility = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  location: Nullable(
    Type.Object({
      id: Type.Integer(),
      name: Type.String(),
      region: Type.Object({ code: Type.String() }),
    }),
  ),
  owner: Location,
  tags: Type.Array(Type.String()),
  members: Type.Array(Location),
  created_at: Type.String({ format: 'date-time' }),
});

describe('columnsOf', () => {
  it('lists the properties of a flat schema in order', () => {
    expect(columnsOf(Location)).toEqual(['id', 'name']);
  });

  it('spells nested objects, nullable or not and at any depth, as dotted columns', () => {
    expect(columnsOf(Facility)).toEqual([
      'id',
      'name',
      'location.id',
      'location.name',
      'location.region.code',
      'owner.id',
      'owner.name',
      'tags',
      'members',
      'created_at',
    ]);
  });

  it('accepts a nullable object at the top', () => {
    expect(columnsOf(Nullable(Location))).toEqual(['id', 'name']);
  });
});

describe('flatten', () => {
  const columns = columnsOf(Facility);

  it('reads dotted paths and renders every cell as a string', () => {
    const row = flatten(
      {
        id: 7,
        name: 'Studio "A", east',
        location: { id: 3, name: 'Berlin', region: { code: 'EU' } },
        owner: { id: 9, name: 'Ops' },
        tags: ['a', 'b'],
        members: [{ id: 1, name: 'x' }, { id: 2 }],
        created_at: new Date('2026-01-31T09:00:00Z'),
      },
      columns,
    );
    expect(row).toEqual([
      '7',
      'Studio "A", east',
      '3',
      'Berlin',
      'EU',
      '9',
      'Ops',
      'a;b',
      '1;2',
      '2026-01-31T09:00:00.000Z',
    ]);
  });

  it('leaves cells empty for null, missing or non-object parents', () => {
    const row = flatten(
      { id: 8, name: 'Loose', location: null, owner: 'not an object', tags: [], created_at: null },
      columns,
    );
    expect(row).toEqual(['8', 'Loose', '', '', '', '', '', '', '', '']);
  });

  it('renders booleans, zero and objects without losing them', () => {
    expect(flatten({ a: false, b: 0, c: { x: 1 }, d: '' }, ['a', 'b', 'c', 'd'])).toEqual([
      'false',
      '0',
      '{"x":1}',
      '',
    ]);
  });

  it('returns one cell per column even for an empty row', () => {
    expect(flatten(undefined, ['a', 'b.c'])).toEqual(['', '']);
  });
});
