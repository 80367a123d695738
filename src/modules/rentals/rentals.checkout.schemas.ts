import { Type, type Static } from '@sinclair/typebox';
import { DateTime, Nullable } from '../../platform/http/schemas.ts';
import type { Handover, RentalPhoto } from './rentals.checkout.tables.ts';
import { Order } from './rentals.orders.schemas.ts';

const Id = Type.Integer({ minimum: 1, maximum: 2_147_483_647 });
const itemFields = {
  stock_item: Id,
  condition: Type.Optional(
    Type.String({ maxLength: 500, description: 'The condition seen at the desk; saved on the stock item.' }),
  ),
  notes: Type.Optional(Type.String({ maxLength: 4000 })),
  photos: Type.Optional(
    Type.Array(Id, { maxItems: 20, description: 'Photos uploaded to POST /orders/:id/photos beforehand.' }),
  ),
};

export const PickupBody = Type.Object(
  {
    items: Type.Optional(
      Type.Array(Type.Object(itemFields, { additionalProperties: false }), {
        minItems: 1,
        maxItems: 500,
        description: 'The units handed out; omitted: every unit of the order.',
      }),
    ),
  },
  { title: 'RentalPickup', additionalProperties: false },
);

export const ReturnBody = Type.Object(
  {
    items: Type.Optional(
      Type.Array(
        Type.Object(
          {
            ...itemFields,
            damage: Type.Optional(
              Type.Object({
                amount: Type.Integer({
                  minimum: 1,
                  maximum: 2_000_000_000,
                  description: 'Charged, minor units.',
                }),
                description: Type.String({ minLength: 1, maxLength: 2000 }),
              }),
            ),
            maintenance: Type.Optional(Type.Boolean({ description: 'Send the unit to maintenance.' })),
          },
          { additionalProperties: false },
        ),
        { minItems: 1, maxItems: 500, description: 'The units taken back; omitted: every unit still out.' },
      ),
    ),
  },
  { title: 'RentalReturn', additionalProperties: false },
);

export const HandoverSchema = Type.Object(
  {
    id: Type.Integer(),
    kind: Type.String({ description: 'pickup or return.' }),
    stock_item: Type.Integer(),
    at: DateTime,
    condition: Type.String(),
    notes: Type.String(),
    late_minutes: Type.Integer(),
    late_fee: Type.Integer(),
    damage_amount: Type.Integer(),
  },
  { title: 'RentalHandover' },
);

export const PhotoSchema = Type.Object(
  {
    id: Type.Integer(),
    handover: Nullable(Type.Integer()),
    filename: Type.String(),
    content_type: Type.String(),
    size: Type.Integer(),
    sha256: Type.String(),
    created_at: DateTime,
  },
  { title: 'RentalPhoto' },
);

export const HandoverResult = Type.Object(
  { order: Order, handovers: Type.Array(HandoverSchema) },
  { title: 'RentalHandoverResult' },
);

export const HandoverList = Type.Object(
  { handovers: Type.Array(HandoverSchema), photos: Type.Array(PhotoSchema) },
  { title: 'RentalHandoverList' },
);

export const presentHandover = (h: Handover): Static<typeof HandoverSchema> => ({
  id: h.id,
  kind: h.kind,
  stock_item: h.stockItemId,
  at: h.at.toISOString(),
  condition: h.condition,
  notes: h.notes,
  late_minutes: h.lateMinutes,
  late_fee: h.lateFee,
  damage_amount: h.damageAmount,
});

export const presentPhoto = (p: RentalPhoto): Static<typeof PhotoSchema> => ({
  id: p.id,
  handover: p.handoverId,
  filename: p.filename,
  content_type: p.contentType,
  size: p.size,
  sha256: p.sha256,
  created_at: p.createdAt.toISOString(),
});
