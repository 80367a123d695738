import { PgDialect, boolean, integer, pgTable, serial, text, timestamp } from 'drizzle-orm/pg-core';
import type { SQL } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { AppError } from './errors.ts';
import {
  DEFAULT_PAGE_SIZE,
  MAX_PAGE_SIZE,
  cursorValuesOf,
  defineList,
  encodeCursor,
  listQuerySchema,
  parseListQuery,
  whereOf,
  type ListParams,
} from './query.ts';

const things = pgTable('things', {
  id: serial().primaryKey(),
  name: text().notNull(),
  note: text().notNull(),
  ownerId: integer(),
  status: text().notNull(),
  archived: boolean().notNull(),
  dueAt: timestamp({ withTimezone: true }),
  createdAt: timestamp({ withTimezone: true }).notNull(),
});

const spec = defineList({
  id: things.id,
  filters: {
    owner: { column: things.ownerId, type: 'integer' },
    status: {
      column: things.status,
      type: 'string',
      values: ['Open', 'Closed'],
      toColumn: (value) => value.toLowerCase(),
    },
    label: { column: things.note, type: 'string' },
    archived: { column: things.archived, type: 'boolean' },
  },
  search: [things.name, things.note],
  sort: {
    id: { column: things.id },
    name: { column: things.name },
    created_at: { column: things.createdAt },
    due_at: { column: things.dueAt, nullable: true },
  },
  defaultSort: '-created_at',
});

/** The AppError `run` throws, or fails the test. */
function appErrorOf(run: () => unknown): AppError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    return error as AppError;
  }
  throw new Error('expected an AppError');
}

const dialect = new PgDialect({ casing: 'snake_case' });
const render = (sql: SQL | undefined) => (sql ? dialect.sqlToQuery(sql) : undefined);

describe('parseListQuery filters', () => {
  it('ignores absent and empty filters', () => {
    expect(parseListQuery(spec, {}, 'v1').filters).toEqual({});
    expect(parseListQuery(spec, { owner: '', status: '' }, 'v1').filters).toEqual({});
  });

  it('parses typed values and maps wire values to stored ones', () => {
    const params = parseListQuery(spec, { owner: '42', status: 'Open', archived: 'false', label: 'x' }, 'v1');
    expect(params.filters).toEqual({ owner: [42], status: ['open'], archived: [false], label: ['x'] });
  });

  it('splits comma lists and trims each value', () => {
    const params = parseListQuery(spec, { owner: '1, 2,3', status: 'Open,Closed' }, 'v2');
    expect(params.filters).toEqual({ owner: [1, 2, 3], status: ['open', 'closed'] });
  });

  it('accepts the boolean spellings DRF frontends send', () => {
    for (const [raw, value] of [
      ['true', true],
      ['1', true],
      ['True', true],
      ['false', false],
      ['0', false],
      ['False', false],
    ] as const) {
      expect(parseListQuery(spec, { archived: raw }, 'v1').filters.archived).toEqual([value]);
    }
  });

  it('rejects a bad integer with a field error naming the filter', () => {
    const error = appErrorOf(() => parseListQuery(spec, { owner: '1,abc' }, 'v1'));
    expect(error.code).toBe('VALIDATION_FAILED');
    expect(error.kind).toBe('invalid');
    expect(error.fields).toEqual({ owner: ['"abc" is not a valid integer.'] });
    expect(appErrorOf(() => parseListQuery(spec, { owner: '1.5' }, 'v1')).fields).toHaveProperty('owner');
    expect(
      appErrorOf(() => parseListQuery(spec, { owner: '99999999999999999999' }, 'v1')).fields,
    ).toHaveProperty('owner');
  });

  it('rejects a value outside the allowed choices, naming them', () => {
    const error = appErrorOf(() => parseListQuery(spec, { status: 'open' }, 'v2'));
    expect(error.fields).toEqual({
      status: ['"open" is not a valid choice; expected one of: Open, Closed.'],
    });
  });

  it('rejects a bad boolean', () => {
    expect(appErrorOf(() => parseListQuery(spec, { archived: 'maybe' }, 'v1')).fields).toEqual({
      archived: ['"maybe" is not a valid boolean; use true or false.'],
    });
  });

  it('takes a trimmed search and drops a blank one', () => {
    expect(parseListQuery(spec, { search: '  studio ' }, 'v1').search).toBe('studio');
    expect(parseListQuery(spec, { search: '   ' }, 'v1').search).toBeUndefined();
  });
});

describe('parseListQuery sort', () => {
  it('falls back to the default sort', () => {
    expect(parseListQuery(spec, {}, 'v1').sort).toEqual([{ name: 'created_at', descending: true }]);
  });

  it('parses v1 ordering and v2 sort, several keys, "-" for descending', () => {
    expect(parseListQuery(spec, { ordering: 'name,-id' }, 'v1').sort).toEqual([
      { name: 'name', descending: false },
      { name: 'id', descending: true },
    ]);
    expect(parseListQuery(spec, { sort: ' -name , created_at ' }, 'v2').sort).toEqual([
      { name: 'name', descending: true },
      { name: 'created_at', descending: false },
    ]);
  });

  it('uses the parameter of its version: v1 ignores sort, v2 ignores ordering', () => {
    expect(parseListQuery(spec, { sort: 'name' }, 'v1').sort).toEqual([
      { name: 'created_at', descending: true },
    ]);
    expect(parseListQuery(spec, { ordering: 'name' }, 'v2').sort).toEqual([
      { name: 'created_at', descending: true },
    ]);
  });

  it('rejects an unknown key, naming the parameter and the allowed fields', () => {
    const v1 = appErrorOf(() => parseListQuery(spec, { ordering: 'password' }, 'v1'));
    expect(v1.fields).toEqual({
      ordering: ['Cannot sort by "password"; choose from: id, name, created_at, due_at.'],
    });
    const v2 = appErrorOf(() => parseListQuery(spec, { sort: 'name,-secret' }, 'v2'));
    expect(v2.fields).toEqual({
      sort: ['Cannot sort by "secret"; choose from: id, name, created_at, due_at.'],
    });
  });

  it('lets v1 sort by a nullable key but refuses it as a v2 cursor key', () => {
    expect(parseListQuery(spec, { ordering: 'due_at' }, 'v1').sort).toEqual([
      { name: 'due_at', descending: false },
    ]);
    const error = appErrorOf(() => parseListQuery(spec, { sort: 'due_at' }, 'v2'));
    expect(error.fields?.sort?.[0]).toContain('"due_at" can be empty and cannot drive a cursor');
  });
});

describe('parseListQuery v1 pagination', () => {
  const pagination = (query: Record<string, unknown>) => parseListQuery(spec, query, 'v1').pagination;

  it('defaults to page 1 of DEFAULT_PAGE_SIZE rows', () => {
    expect(DEFAULT_PAGE_SIZE).toBe(20);
    expect(pagination({})).toEqual({ kind: 'offset', page: 1, pageSize: 20 });
    expect(pagination({ page: 'last' })).toEqual({ kind: 'offset', page: 1, pageSize: 20 });
  });

  it('clamps page_size to MAX_PAGE_SIZE and ignores a nonsense one', () => {
    expect(MAX_PAGE_SIZE).toBe(100);
    expect(pagination({ page: '3', page_size: '50' })).toEqual({ kind: 'offset', page: 3, pageSize: 50 });
    expect(pagination({ page_size: '500' })).toEqual({ kind: 'offset', page: 1, pageSize: 100 });
    expect(pagination({ page_size: '0' })).toEqual({ kind: 'offset', page: 1, pageSize: 20 });
    expect(pagination({ page_size: 'ten' })).toEqual({ kind: 'offset', page: 1, pageSize: 20 });
  });

  it('answers a page that is not a positive integer with 404 "Invalid page."', () => {
    for (const page of ['0', '-1', 'abc', '1.5', '']) {
      const error = appErrorOf(() => pagination({ page }));
      expect(error.code).toBe('INVALID_PAGE');
      expect(error.kind).toBe('not_found');
      expect(error.message).toBe('Invalid page.');
    }
  });
});

describe('parseListQuery v2 cursors', () => {
  const row = {
    id: 17,
    name: 'Studio "B"',
    note: '',
    createdAt: new Date('2026-02-03T04:05:06.789Z'),
  };

  it('defaults the limit and starts without a cursor', () => {
    expect(parseListQuery(spec, {}, 'v2').pagination).toEqual({
      kind: 'cursor',
      limit: 20,
      after: undefined,
    });
    expect(parseListQuery(spec, { limit: 7 }, 'v2').pagination).toEqual({
      kind: 'cursor',
      limit: 7,
      after: undefined,
    });
  });

  it('round-trips the sort values and id of the last row through encodeCursor', () => {
    const sort = parseListQuery(spec, { sort: '-name,created_at' }, 'v2').sort;
    const values = cursorValuesOf(spec, row, sort);
    expect(values).toEqual(['Studio "B"', '2026-02-03T04:05:06.789Z', 17]);
    const cursor = encodeCursor(sort, values);
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    const params = parseListQuery(spec, { sort: '-name,created_at', cursor }, 'v2');
    expect(params.pagination).toEqual({ kind: 'cursor', limit: 20, after: values });
  });

  it('round-trips a cursor of the default sort', () => {
    const { sort } = parseListQuery(spec, {}, 'v2');
    const cursor = encodeCursor(sort, cursorValuesOf(spec, row, sort));
    expect(parseListQuery(spec, { cursor }, 'v2').pagination).toMatchObject({
      after: ['2026-02-03T04:05:06.789Z', 17],
    });
  });

  const cursorError = (cursor: string, sort?: string) => {
    const error = appErrorOf(() => parseListQuery(spec, { cursor, ...(sort && { sort }) }, 'v2'));
    expect(error.kind).toBe('invalid');
    expect(Object.keys(error.fields ?? {})).toEqual(['cursor']);
    return error;
  };

  it('rejects garbage and tampered cursors with a cursor field error', () => {
    const sort = parseListQuery(spec, { sort: 'name' }, 'v2').sort;
    const good = encodeCursor(sort, ['Studio', 5]);
    cursorError('not-a-cursor', 'name');
    cursorError('%%%', 'name');
    cursorError(Buffer.from('{"a":1}').toString('base64url'), 'name');
    cursorError(Buffer.from(JSON.stringify(['name', ['Studio']])).toString('base64url'), 'name');
    cursorError(Buffer.from(JSON.stringify(['name', ['Studio', 5, 6]])).toString('base64url'), 'name');
    cursorError(Buffer.from(JSON.stringify(['name', 'Studio'])).toString('base64url'), 'name');
    cursorError(good.slice(0, -3), 'name');
    const error = cursorError(`${good.slice(0, 4)}A${good.slice(5)}`, 'name');
    expect(error.fields?.cursor?.[0]).toBe(
      'Invalid cursor, or a cursor from a different sort order; start again without it.',
    );
  });

  it('rejects a cursor issued for another sort order', () => {
    const byName = parseListQuery(spec, { sort: 'name' }, 'v2').sort;
    const cursor = encodeCursor(byName, ['Studio', 5]);
    cursorError(cursor, '-name');
    cursorError(cursor, 'id');
    cursorError(cursor);
  });
});

describe('listQuerySchema', () => {
  it('describes the v1 parameters and lets unknown ones through (DRF ignores them)', () => {
    const schema = listQuerySchema(spec, 'v1');
    expect(Object.keys(schema.properties).sort()).toEqual(
      ['archived', 'format', 'label', 'ordering', 'owner', 'page', 'page_size', 'search', 'status'].sort(),
    );
    expect(schema.additionalProperties).toBe(true);
  });

  it('describes the v2 parameters and refuses unknown ones', () => {
    const schema = listQuerySchema(spec, 'v2');
    expect(Object.keys(schema.properties).sort()).toEqual(
      ['archived', 'cursor', 'format', 'label', 'limit', 'owner', 'search', 'sort', 'status'].sort(),
    );
    expect(schema.additionalProperties).toBe(false);
    expect(schema.properties.limit).toMatchObject({ minimum: 1, maximum: 100, default: 20 });
  });
});

describe('whereOf', () => {
  const params = (overrides: Partial<ListParams>): ListParams => ({
    filters: {},
    search: undefined,
    sort: [],
    relevance: false,
    pagination: { kind: 'offset', page: 1, pageSize: 20 },
    ...overrides,
  });

  it('is empty without filters, search or scope', () => {
    expect(render(whereOf(spec, params({})))).toBeUndefined();
  });

  it('matches one value with = and several with IN, as bound parameters', () => {
    const one = render(whereOf(spec, params({ filters: { owner: [3] } })));
    expect(one?.sql).toBe('"things"."owner_id" = $1');
    expect(one?.params).toEqual([3]);
    const many = render(whereOf(spec, params({ filters: { owner: [3, 4] } })));
    expect(many?.sql).toBe('"things"."owner_id" in ($1, $2)');
    expect(many?.params).toEqual([3, 4]);
  });

  it('turns an isNull filter into IS NULL / IS NOT NULL, and both values into no condition', () => {
    const nullable = defineList({
      ...spec,
      filters: { undated: { column: things.dueAt, type: 'boolean', op: 'isNull' } },
    });
    expect(render(whereOf(nullable, params({ filters: { undated: [true] } })))?.sql).toBe(
      '"things"."due_at" is null',
    );
    expect(render(whereOf(nullable, params({ filters: { undated: [false] } })))?.sql).toBe(
      '"things"."due_at" is not null',
    );
    expect(render(whereOf(nullable, params({ filters: { undated: [true, false] } })))).toBeUndefined();
  });

  it('searches literally: LIKE wildcards and backslashes in the term are escaped', () => {
    const query = render(whereOf(spec, params({ search: `50%_off\\'; DROP TABLE things; --` })));
    expect(query?.sql).toBe('("things"."name" ilike $1 or "things"."note" ilike $2)');
    expect(query?.params).toEqual([
      `%50\\%\\_off\\\\'; DROP TABLE things; --%`,
      `%50\\%\\_off\\\\'; DROP TABLE things; --%`,
    ]);
  });
});
