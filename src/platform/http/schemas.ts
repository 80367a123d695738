import { Type, type TSchema } from '@sinclair/typebox';

/** Building blocks every module's schemas use. */
export const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);
export const DateTime = Type.String({ format: 'date-time' });
export const DateOnly = Type.String({ format: 'date', description: 'YYYY-MM-DD' });
export const IdParams = Type.Object({ id: Type.Integer({ minimum: 1, maximum: 2_147_483_647 }) });
/** A relation in a v1 request: `3`, `"3"` or `{"id": 3}`, as DRF frontends send it. */
export const RelationInput = Type.Union([
  Type.Integer({ minimum: 1 }),
  Type.Object({ id: Type.Integer({ minimum: 1 }) }, { additionalProperties: true }),
  Type.Null(),
]);
export const Version = Type.Integer({
  minimum: 1,
  description: 'Row version; send it back to detect concurrent edits.',
});

/** The object without its undefined members: a PATCH changes only what the client sent. */
export function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, member]) => member !== undefined)) as Partial<T>;
}

/** The id a v1 relation input names (`3` or `{"id": 3}`), null to clear, undefined when absent. */
export function relationId(value: unknown): number | null | undefined {
  if (value === undefined) return undefined;
  if (value === null) return null;
  if (typeof value === 'number') return value;
  return (value as { id: number }).id;
}
