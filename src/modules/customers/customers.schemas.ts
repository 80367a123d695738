import { Type, type Static } from '@sinclair/typebox';
import { DateTime, definedOnly, Nullable, RelationInput, Version } from '../../platform/http/schemas.ts';
import type { Address } from './customers.pii.ts';
import type { CustomerInput } from './customers.validation.ts';

const Kind = Type.Union([Type.Literal('person'), Type.Literal('organisation')]);
const Status = Type.Union([Type.Literal('lead'), Type.Literal('active'), Type.Literal('inactive')]);
const Name = Type.String({ maxLength: 200 });
const Tags = Type.Array(Type.String({ minLength: 1, maxLength: 50 }), { maxItems: 20 });
const BirthDate = Type.String({ maxLength: 10, description: 'YYYY-MM-DD' });

export const AddressSchema = Type.Object(
  {
    kind: Type.String({ description: 'e.g. billing, shipping, home.' }),
    lines: Type.Array(Type.String()),
    city: Type.String(),
    region: Type.String(),
    postcode: Type.String(),
    country: Type.String({ description: 'Country name or ISO 3166 code, as given.' }),
  },
  { title: 'CustomerAddress' },
);

export const AddressInput = Type.Object(
  {
    kind: Type.Optional(Type.String({ maxLength: 30 })),
    lines: Type.Optional(Type.Array(Type.String({ maxLength: 200 }), { maxItems: 4 })),
    city: Type.Optional(Type.String({ maxLength: 100 })),
    region: Type.Optional(Type.String({ maxLength: 100 })),
    postcode: Type.Optional(Type.String({ maxLength: 20 })),
    country: Type.Optional(Type.String({ maxLength: 100 })),
  },
  { additionalProperties: false },
);
const Addresses = Type.Array(AddressInput, { maxItems: 10 });

/** An address as stored: every member present (empty when not given). */
export const addressOf = (input: Static<typeof AddressInput>): Address => ({
  kind: input.kind?.trim() || 'main',
  lines: (input.lines ?? []).map((line) => line.trim()).filter(Boolean),
  city: input.city?.trim() ?? '',
  region: input.region?.trim() ?? '',
  postcode: input.postcode?.trim() ?? '',
  country: input.country?.trim() ?? '',
});

const readFields = {
  id: Type.Integer(),
  kind: Kind,
  first_name: Type.String(),
  last_name: Type.String(),
  company: Type.String(),
  display_name: Type.String({ description: 'The full name of a person, the company of an organisation.' }),
  email: Nullable(Type.String()),
  phone: Nullable(Type.String()),
  addresses: Type.Array(AddressSchema),
  date_of_birth: Nullable(Type.String({ description: 'YYYY-MM-DD' })),
  notes: Type.String(),
  tags: Type.Array(Type.String()),
  status: Status,
};

// v1: DRF-shaped, flat.

export const CustomerV1 = Type.Object(
  {
    ...readFields,
    organisation: Nullable(Type.Integer()),
    owner: Nullable(Type.Integer()),
    marketing_consent: Type.Boolean(),
    marketing_consent_at: Nullable(DateTime),
    marketing_consent_source: Nullable(Type.String()),
    version: Type.Integer({ description: 'Read-only; send it back on update to detect concurrent edits.' }),
    created_at: DateTime,
    updated_at: DateTime,
  },
  { title: 'CustomerV1' },
);

/** v1 writes are lenient like DRF: unknown and read-only fields are ignored, null text means empty. */
export const CustomerV1Body = Type.Object(
  {
    kind: Type.Optional(Kind),
    first_name: Type.Optional(Nullable(Name)),
    last_name: Type.Optional(Nullable(Name)),
    company: Type.Optional(Nullable(Name)),
    organisation: Type.Optional(RelationInput),
    organisation_id: Type.Optional(Nullable(Type.Integer({ minimum: 1 }))),
    email: Type.Optional(Nullable(Type.String({ maxLength: 254 }))),
    phone: Type.Optional(Nullable(Type.String({ maxLength: 40 }))),
    addresses: Type.Optional(Nullable(Addresses)),
    date_of_birth: Type.Optional(Nullable(BirthDate)),
    notes: Type.Optional(Nullable(Type.String({ maxLength: 10_000 }))),
    tags: Type.Optional(Nullable(Tags)),
    owner: Type.Optional(RelationInput),
    owner_id: Type.Optional(Nullable(Type.Integer({ minimum: 1 }))),
    status: Type.Optional(Status),
    marketing_consent: Type.Optional(Type.Boolean()),
    marketing_consent_source: Type.Optional(Nullable(Type.String({ maxLength: 100 }))),
    version: Type.Optional(Version),
  },
  { additionalProperties: true },
);
export type CustomerV1Body = Static<typeof CustomerV1Body>;

// v2

export const MarketingConsent = Type.Object(
  {
    granted: Type.Boolean(),
    at: Nullable(DateTime),
    source: Nullable(Type.String()),
  },
  { title: 'MarketingConsent' },
);

export const CustomerV2 = Type.Object(
  {
    ...readFields,
    organisation_id: Nullable(Type.Integer()),
    owner_id: Nullable(Type.Integer()),
    marketing_consent: MarketingConsent,
    version: Type.Integer(),
    created_at: DateTime,
    updated_at: DateTime,
  },
  { title: 'CustomerV2' },
);

/** A customer embedded for a reader who may not read customers: its id, nothing more. */
export const CustomerIdRefV2 = Type.Object({ id: Type.Integer() }, { title: 'CustomerIdRefV2' });

const writeFields = {
  first_name: Name,
  last_name: Name,
  company: Name,
  organisation_id: Nullable(Type.Integer({ minimum: 1 })),
  email: Nullable(Type.String({ maxLength: 254 })),
  phone: Nullable(Type.String({ maxLength: 40 })),
  addresses: Addresses,
  date_of_birth: Nullable(BirthDate),
  notes: Type.String({ maxLength: 10_000 }),
  tags: Tags,
  owner_id: Nullable(Type.Integer({ minimum: 1 })),
  status: Status,
  marketing_consent: Type.Boolean(),
  marketing_consent_source: Nullable(Type.String({ maxLength: 100 })),
};

export const CustomerCreateBody = Type.Partial(Type.Object({ kind: Kind, ...writeFields }), {
  additionalProperties: false,
});
export const CustomerUpdateBody = Type.Partial(Type.Object({ kind: Kind, ...writeFields }), {
  additionalProperties: false,
});
export type CustomerUpdateBody = Static<typeof CustomerUpdateBody>;

/** A v2 body (a create, an update, or an import row) as the service's input: members given only. */
export function inputOfV2(body: CustomerUpdateBody): CustomerInput {
  return definedOnly<CustomerInput>({
    kind: body.kind,
    firstName: body.first_name,
    lastName: body.last_name,
    company: body.company,
    organisationId: body.organisation_id,
    email: body.email,
    phone: body.phone,
    addresses: body.addresses?.map(addressOf),
    dateOfBirth: body.date_of_birth,
    notes: body.notes,
    tags: body.tags,
    ownerId: body.owner_id,
    status: body.status,
    marketingConsent: body.marketing_consent,
    marketingConsentSource: body.marketing_consent_source,
  });
}

const { organisation_id: _organisationId, ...contactFields } = writeFields;
export const ContactCreateBody = Type.Partial(Type.Object(contactFields), { additionalProperties: false });
export type ContactCreateBody = Static<typeof ContactCreateBody>;

/** The list filters beyond the platform's: tags by overlap, e-mail and phone through the blind indexes. */
export const customerQueryFields = {
  tag: Type.Optional(
    Type.String({ maxLength: 500, description: 'Customers with any of these tags (comma-separated).' }),
  ),
  email: Type.Optional(
    Type.String({ maxLength: 254, description: 'Exact e-mail, any case (blind index; no partial match).' }),
  ),
  phone: Type.Optional(
    Type.String({
      maxLength: 40,
      description: 'Exact phone number in any spelling (blind index; no partial match).',
    }),
  ),
};
