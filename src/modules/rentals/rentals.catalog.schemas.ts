import { Type, type Static } from '@sinclair/typebox';
import { DateTime, Nullable, Version } from '../../platform/http/schemas.ts';

const Name = Type.String({ minLength: 1, maxLength: 200 });
const Description = Type.String({ maxLength: 4000 });
const Money = Type.Integer({ minimum: 0, maximum: 2_000_000_000, description: 'Minor units (cents).' });
const Rate = Nullable(
  Type.Integer({ minimum: 0, maximum: 2_000_000_000, description: 'Minor units; null: not offered.' }),
);
const Minutes = Type.Integer({ minimum: 0, maximum: 525_600 });
const Currency = Type.String({ pattern: '^[A-Z]{3}$', description: 'ISO 4217 code, e.g. EUR.' });
const StockStatus = Type.Union([
  Type.Literal('available'),
  Type.Literal('maintenance'),
  Type.Literal('retired'),
]);
const LateFeeUnit = Type.Unsafe<'hour' | 'day' | null>({
  type: ['string', 'null'],
  enum: ['hour', 'day', null],
});
const Id = Type.Integer({ minimum: 1, maximum: 2_147_483_647 });
const NullableId = Nullable(Type.Integer({ minimum: 1, maximum: 2_147_483_647 }));

export const ProductItemParams = Type.Object({ id: Id, itemId: Id });

export const Category = Type.Object(
  {
    id: Type.Integer(),
    name: Type.String(),
    description: Type.String(),
    version: Type.Integer(),
    created_at: DateTime,
    updated_at: DateTime,
  },
  { title: 'RentalCategory' },
);

const productFields = {
  name: Type.String(),
  sku: Type.String(),
  description: Type.String(),
  currency: Type.String(),
  hourly_rate: Nullable(Type.Integer()),
  daily_rate: Nullable(Type.Integer()),
  weekly_rate: Nullable(Type.Integer()),
  deposit: Type.Integer(),
  buffer_before_minutes: Type.Integer(),
  buffer_after_minutes: Type.Integer(),
  min_duration_minutes: Type.Integer(),
  lead_time_minutes: Type.Integer(),
  calendar_id: Nullable(Type.Integer()),
  late_fee_unit: LateFeeUnit,
  late_fee_amount: Type.Integer(),
  late_fee_grace_minutes: Type.Integer(),
  version: Type.Integer(),
  created_at: DateTime,
  updated_at: DateTime,
};

/** v1 (DRF shape): `category` is the id, `is_active` the flag, as the Django model names them. */
export const ProductV1 = Type.Object(
  { id: Type.Integer(), category: Nullable(Type.Integer()), is_active: Type.Boolean(), ...productFields },
  { title: 'RentalProductV1' },
);
export const ProductV2 = Type.Object(
  { id: Type.Integer(), category_id: Nullable(Type.Integer()), active: Type.Boolean(), ...productFields },
  { title: 'RentalProductV2' },
);

export const StockItemV1 = Type.Object(
  {
    id: Type.Integer(),
    product: Type.Integer(),
    serial_number: Type.String(),
    condition: Type.String(),
    status: StockStatus,
    version: Type.Integer(),
    created_at: DateTime,
    updated_at: DateTime,
  },
  { title: 'RentalStockItemV1' },
);
export const StockItemV2 = Type.Object(
  {
    id: Type.Integer(),
    product_id: Type.Integer(),
    serial_number: Type.String(),
    condition: Type.String(),
    status: StockStatus,
    version: Type.Integer(),
    created_at: DateTime,
    updated_at: DateTime,
  },
  { title: 'RentalStockItemV2' },
);

// Writes

const categoryWrite = { name: Name, description: Description };
export const CategoryCreateBody = Type.Object(
  { name: Name, description: Type.Optional(Description), version: Type.Optional(Version) },
  { additionalProperties: true },
);
export const CategoryUpdateBody = Type.Partial(Type.Object({ ...categoryWrite, version: Version }), {
  additionalProperties: true,
});
export type CategoryBody = Static<typeof CategoryUpdateBody>;

const productWrite = {
  name: Name,
  sku: Type.String({ minLength: 1, maxLength: 64 }),
  description: Description,
  currency: Currency,
  hourly_rate: Rate,
  daily_rate: Rate,
  weekly_rate: Rate,
  deposit: Money,
  buffer_before_minutes: Minutes,
  buffer_after_minutes: Minutes,
  min_duration_minutes: Type.Integer({ minimum: 1, maximum: 525_600 }),
  lead_time_minutes: Minutes,
  calendar_id: NullableId,
  late_fee_unit: LateFeeUnit,
  late_fee_amount: Money,
  late_fee_grace_minutes: Minutes,
  version: Version,
};
const required = { name: Name, sku: productWrite.sku, currency: Currency };

export const ProductV1CreateBody = Type.Object(
  {
    ...Type.Partial(Type.Object({ ...productWrite, category: NullableId, is_active: Type.Boolean() }))
      .properties,
    ...required,
  },
  { additionalProperties: true },
);
export const ProductV1UpdateBody = Type.Partial(
  Type.Object({ ...productWrite, category: NullableId, is_active: Type.Boolean() }),
  { additionalProperties: true },
);
export type ProductV1Body = Static<typeof ProductV1UpdateBody>;

export const ProductV2CreateBody = Type.Object(
  {
    ...Type.Partial(Type.Object({ ...productWrite, category_id: NullableId, active: Type.Boolean() }))
      .properties,
    ...required,
  },
  { additionalProperties: false },
);
export const ProductV2UpdateBody = Type.Partial(
  Type.Object({ ...productWrite, category_id: NullableId, active: Type.Boolean() }),
  { additionalProperties: false },
);
export type ProductV2Body = Static<typeof ProductV2UpdateBody>;

const itemWrite = {
  serial_number: Type.String({ minLength: 1, maxLength: 100 }),
  condition: Type.String({ maxLength: 500 }),
  status: StockStatus,
  version: Version,
};
export const StockItemCreateBody = Type.Object(
  { ...Type.Partial(Type.Object(itemWrite)).properties, serial_number: itemWrite.serial_number },
  { additionalProperties: true },
);
export const StockItemUpdateBody = Type.Partial(Type.Object(itemWrite), { additionalProperties: true });
export type StockItemBody = Static<typeof StockItemUpdateBody>;
