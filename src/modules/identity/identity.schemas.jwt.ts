import { Type } from '@sinclair/typebox';
import { DateTime, Nullable } from '../../platform/http/schemas.ts';
import { MfaCompleteBody, SecondFactorFields } from './identity.schemas.mfa.ts';

const Cookies = Type.Optional(
  Type.Boolean({
    description:
      'Also set the tokens as HttpOnly cookies (opsdesk_access on /, the refresh token on /api/v2/auth/refresh) for a browser frontend; the refresh token then stays out of the body. Needs the CSRF cookie and X-CSRFToken.',
  }),
);

export const TokenBody = Type.Object(
  {
    username: Type.String({ minLength: 1, maxLength: 200 }),
    password: Type.String({ minLength: 1, maxLength: 200 }),
    ...SecondFactorFields,
    cookies: Cookies,
  },
  { additionalProperties: false },
);

export const TokenMfaBody = Type.Composite([MfaCompleteBody, Type.Object({ cookies: Cookies })], {
  additionalProperties: false,
});

const RefreshToken = Type.String({ minLength: 1, maxLength: 200, description: 'An odr_ refresh token.' });

export const RefreshBody = Type.Object(
  {
    refresh_token: Type.Optional(RefreshToken),
    cookies: Cookies,
  },
  { additionalProperties: false },
);

export const RevokeBody = Type.Object(
  {
    token: Type.Optional(RefreshToken),
    refresh_token: Type.Optional(RefreshToken),
    token_type_hint: Type.Optional(Type.String({ maxLength: 50, description: 'Ignored (RFC 7009).' })),
  },
  { additionalProperties: false },
);

export const TokenResponse = Type.Object(
  {
    access_token: Type.String({ description: 'A JWT (typ at+jwt), verifiable with /.well-known/jwks.json.' }),
    refresh_token: Type.Optional(
      Type.String({ description: 'Single-use: each refresh returns a new one. Absent in cookie mode.' }),
    ),
    token_type: Type.Literal('Bearer'),
    expires_in: Type.Integer({ description: 'Seconds the access token is valid.' }),
  },
  { title: 'TokenResponse' },
);

export const RevokeResponse = Type.Object({ detail: Type.String() });

export const Jwks = Type.Object(
  {
    keys: Type.Array(
      Type.Object(
        {
          kty: Type.String(),
          kid: Type.String(),
          alg: Type.String(),
          use: Type.String(),
          crv: Type.Optional(Type.String()),
          x: Type.Optional(Type.String()),
          y: Type.Optional(Type.String()),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { title: 'JWKS' },
);

export const RefreshFamilyV2 = Type.Object(
  {
    id: Type.Integer(),
    created_at: DateTime,
    last_used_at: DateTime,
    expires_at: DateTime,
    ip: Nullable(Type.String()),
    user_agent: Nullable(Type.String()),
    current: Type.Boolean({ description: 'The login this request came with.' }),
  },
  {
    title: 'RefreshFamily',
    description: 'A login by token: one refresh-token family and its access tokens.',
  },
);

/** `POST /api/auth/token/` (DRF's obtain_auth_token). */
export const AuthTokenBody = Type.Object(
  {
    username: Type.Optional(Type.String({ maxLength: 200 })),
    password: Type.Optional(Type.String({ maxLength: 200 })),
    ...SecondFactorFields,
  },
  { additionalProperties: true },
);

export const AuthTokenResponse = Type.Object({
  token: Type.String({ description: 'Send it as "Authorization: Token <token>".' }),
});
