import { Type, type Static } from '@sinclair/typebox';
import { DateTime, Nullable } from '../../platform/http/schemas.ts';

const Role = Type.Union([
  Type.Literal('admin'),
  Type.Literal('manager'),
  Type.Literal('agent'),
  Type.Literal('viewer'),
]);
const Slug = Type.String({
  pattern: '^[a-z0-9][a-z0-9-]{0,39}$',
  description: 'The name in login URLs: lower-case letters, digits and dashes.',
});

export const ProviderParams = Type.Object({ provider: Slug });

export const OidcProviderV2 = Type.Object(
  {
    id: Type.Integer(),
    slug: Slug,
    name: Type.String(),
    issuer: Type.String({
      description: 'Issuer identifier; its metadata is read from /.well-known/openid-configuration.',
    }),
    client_id: Type.String(),
    has_client_secret: Type.Boolean({ description: 'The secret itself is never returned.' }),
    scopes: Type.String(),
    enabled: Type.Boolean(),
    allowed_emails: Type.Array(Type.String(), {
      description:
        'Domains ("example.com") and addresses ("ann@example.com") whose verified e-mail may link or provision.',
    }),
    provision_users: Type.Boolean(),
    provision_role: Role,
    redirect_uri: Type.String({ description: 'Register exactly this redirect URI at the provider.' }),
    login_url: Type.String(),
    version: Type.Integer(),
    created_at: DateTime,
    updated_at: DateTime,
  },
  { title: 'OidcProvider' },
);

const providerFields = {
  slug: Slug,
  name: Type.String({ minLength: 1, maxLength: 100 }),
  issuer: Type.String({ minLength: 1, maxLength: 500 }),
  client_id: Type.String({ minLength: 1, maxLength: 500 }),
  client_secret: Nullable(
    Type.String({
      minLength: 1,
      maxLength: 2000,
      description: 'Write-only; null removes it (a public client).',
    }),
  ),
  scopes: Type.String({ minLength: 6, maxLength: 500, description: 'Space-separated; must include openid.' }),
  enabled: Type.Boolean(),
  allowed_emails: Type.Array(Type.String({ minLength: 1, maxLength: 254 }), { maxItems: 500 }),
  provision_users: Type.Boolean(),
  provision_role: Role,
};

export const OidcProviderCreateBody = Type.Object(
  {
    ...Type.Partial(Type.Object(providerFields)).properties,
    slug: providerFields.slug,
    name: providerFields.name,
    issuer: providerFields.issuer,
    client_id: providerFields.client_id,
  },
  { additionalProperties: false },
);
export type OidcProviderCreateBody = Static<typeof OidcProviderCreateBody>;

export const OidcProviderUpdateBody = Type.Partial(Type.Object(providerFields), {
  additionalProperties: false,
});
export type OidcProviderUpdateBody = Static<typeof OidcProviderUpdateBody>;

export const UserIdentityV2 = Type.Object(
  {
    id: Type.Integer(),
    user_id: Type.Integer(),
    subject: Type.String({ description: 'The account at the provider ("sub"); later logins match by it.' }),
    email: Type.String({ description: 'The verified e-mail that made the link.' }),
    created_at: DateTime,
    last_login_at: Nullable(DateTime),
  },
  { title: 'UserIdentity' },
);

export const OidcLoginOption = Type.Object({
  slug: Slug,
  name: Type.String(),
  login_url: Type.String(),
});

export const LoginQuery = Type.Object({
  next: Type.Optional(
    Type.String({
      maxLength: 2000,
      description: 'A path on this site to return to; anything else means "/".',
    }),
  ),
});

export const CallbackQuery = Type.Object(
  {
    code: Type.Optional(Type.String({ maxLength: 4000 })),
    state: Type.Optional(Type.String({ maxLength: 500 })),
    iss: Type.Optional(Type.String({ maxLength: 500 })),
    error: Type.Optional(Type.String({ maxLength: 200 })),
    error_description: Type.Optional(Type.String({ maxLength: 2000 })),
  },
  { additionalProperties: true },
);

export const IdentityParams = Type.Object({
  id: Type.Integer({ minimum: 1, maximum: 2_147_483_647 }),
  identityId: Type.Integer({ minimum: 1, maximum: 2_147_483_647 }),
});
