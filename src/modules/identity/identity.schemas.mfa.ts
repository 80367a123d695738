import { Type, type Static } from '@sinclair/typebox';
import { DateTime, Nullable } from '../../platform/http/schemas.ts';
import { AuthenticationResponse } from './identity.schemas.passkeys.ts';

const Code = (description: string) => Type.String({ minLength: 1, maxLength: 64, description });
const Challenge = Type.String({
  minLength: 1,
  maxLength: 200,
  description:
    'The challenge a login answered with (401 IDENTITY_MFA_REQUIRED or IDENTITY_MFA_ENROLMENT_REQUIRED).',
});
const CurrentPassword = Type.String({ minLength: 1, maxLength: 200 });

/** The second-factor members a login body may carry. */
export const SecondFactorFields = {
  otp: Type.Optional(
    Code('The current code of your authenticator app, for users with two-factor authentication.'),
  ),
  recovery_code: Type.Optional(Code('One of your recovery codes, instead of "otp".')),
};

export const MfaCompleteBody = Type.Object({
  challenge: Challenge,
  ...SecondFactorFields,
  passkey: Type.Optional(AuthenticationResponse),
});

export const MfaStatus = Type.Object(
  {
    required: Type.Boolean({ description: 'Your role requires two-factor authentication.' }),
    totp: Type.Union([Type.Literal('off'), Type.Literal('pending'), Type.Literal('on')]),
    totp_confirmed_at: Nullable(DateTime),
    recovery_codes_remaining: Type.Integer(),
  },
  { title: 'MfaStatus' },
);

export const TotpStartBody = Type.Object({
  current_password: Type.Optional(CurrentPassword),
  challenge: Type.Optional(Challenge),
});

export const TotpEnrolment = Type.Object(
  {
    secret: Type.String({ description: 'The base32 seed, for typing into an app by hand.' }),
    uri: Type.String({ description: 'otpauth:// URI: render it as a QR code for the app to scan.' }),
  },
  { title: 'TotpEnrolment' },
);

export const TotpConfirmBody = Type.Object({
  code: Code('The current code the app shows for the new seed.'),
  challenge: Type.Optional(Challenge),
});

export const RecoveryCodes = Type.Object(
  {
    recovery_codes: Type.Array(Type.String(), {
      description: 'Single-use codes, each standing in for one login code. Shown this once.',
    }),
  },
  { title: 'RecoveryCodes' },
);

export const TotpDisableBody = Type.Object({
  current_password: CurrentPassword,
  code: Type.Optional(Code('The current code of your authenticator app.')),
  recovery_code: Type.Optional(Code('A recovery code, instead of "code".')),
});

export const CurrentPasswordBody = Type.Object({ current_password: CurrentPassword });

export const MfaPolicy = Type.Object(
  {
    admin: Type.Boolean(),
    manager: Type.Boolean(),
    agent: Type.Boolean(),
    viewer: Type.Boolean(),
  },
  {
    title: 'MfaPolicy',
    additionalProperties: false,
    description: 'Per role: whether its members must have a second factor.',
  },
);
export type MfaPolicy = Static<typeof MfaPolicy>;
