import { Type } from '@sinclair/typebox';
import { DateTime, Nullable } from '../../platform/http/schemas.ts';
import { AuditEntrySchema } from '../audit/index.ts';
import { CustomerV2 } from './customers.schemas.ts';

const CustomerRef = Type.Object(
  { id: Type.Integer(), kind: Type.String(), display_name: Type.String() },
  { title: 'CustomerRefV2' },
);

export const DuplicatePairV2 = Type.Object(
  {
    customer: CustomerRef,
    duplicate: CustomerRef,
    reasons: Type.Array(Type.Union([Type.Literal('email'), Type.Literal('phone'), Type.Literal('name')]), {
      description: 'Same e-mail, same phone (exact, through the blind indexes), similar name (trigrams).',
    }),
    name_similarity: Nullable(Type.Number({ description: 'Trigram similarity of the names, 0 to 1.' })),
  },
  {
    title: 'CustomerDuplicatePair',
    description: '`customer` is the older of the two: the suggested survivor of a merge.',
  },
);

export const DuplicatesPageV2 = Type.Object(
  {
    data: Type.Array(DuplicatePairV2),
    next_cursor: Nullable(Type.String()),
    has_more: Type.Boolean(),
  },
  { title: 'CustomerDuplicatePairPage' },
);

export const DuplicatesQuery = Type.Object(
  {
    format: Type.Optional(
      Type.Union([Type.Literal('json'), Type.Literal('csv'), Type.Literal('xml'), Type.Literal('ndjson')], {
        description: 'Response format; CSV, XML and NDJSON walk every customer. Same as the Accept header.',
      }),
    ),
    cursor: Type.Optional(
      Type.String({ pattern: '^[0-9]{1,10}$', description: '`next_cursor` of the previous page.' }),
    ),
    limit: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 100,
        default: 50,
        description: 'Pairs wanted; a page may hold a few more (the pairs of the customers it looked at).',
      }),
    ),
  },
  { additionalProperties: false },
);

export const MergeBody = Type.Object(
  {
    duplicate_id: Type.Integer({
      minimum: 1,
      description: 'The customer merged into this one, then deleted.',
    }),
  },
  { additionalProperties: false, title: 'CustomerMergeRequest' },
);

/** A record of another module about the customer (a ticket, a rental order), as that module lists it. */
const LinkedRecord = Type.Object(
  { id: Type.Integer() },
  { additionalProperties: true, title: 'CustomerLinkedRecord' },
);

export const PrivacyExportV2 = Type.Object(
  {
    exported_at: DateTime,
    erased: Type.Boolean(),
    erased_at: Nullable(DateTime),
    customer: CustomerV2,
    merged_from: Type.Array(Type.Integer(), { description: 'Ids of customers merged into this one.' }),
    contacts: Type.Array(CustomerV2, { description: "An organisation's contacts." }),
    consent_history: Type.Array(
      Type.Object({ granted: Type.Boolean(), at: DateTime, source: Nullable(Type.String()) }),
      { description: 'Every grant and withdrawal of marketing consent, oldest first.' },
    ),
    tickets: Type.Array(LinkedRecord, { description: 'Tickets the customer requested.' }),
    rental_orders: Type.Array(LinkedRecord, { description: 'Rental orders placed as the customer.' }),
    audit: Type.Array(AuditEntrySchema, {
      description: 'Audit entries about the customer (no personal values).',
    }),
  },
  { title: 'CustomerPrivacyExport' },
);
