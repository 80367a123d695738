import { Type } from '@sinclair/typebox';
import { DateTime, Nullable } from '../../platform/http/schemas.ts';

/**
 * The WebAuthn JSON shapes (W3C WebAuthn Level 3, `PublicKeyCredential.toJSON()` and
 * `parseCreationOptionsFromJSON`/`parseRequestOptionsFromJSON`): binary values travel
 * as base64url strings. Extension members pass through as the browser sent them.
 */
const Base64Url = Type.String({ minLength: 1, maxLength: 65_536, pattern: '^[A-Za-z0-9_-]*$' });
const Extensions = Type.Object({}, { additionalProperties: true });
const Descriptor = Type.Object({
  id: Type.String(),
  type: Type.String({ description: 'Always "public-key".' }),
  transports: Type.Optional(Type.Array(Type.String())),
});

export const PasskeyCreationOptions = Type.Object(
  {
    rp: Type.Object({ id: Type.Optional(Type.String()), name: Type.String() }),
    user: Type.Object({ id: Type.String(), name: Type.String(), displayName: Type.String() }),
    challenge: Type.String(),
    pubKeyCredParams: Type.Array(Type.Object({ type: Type.String(), alg: Type.Integer() })),
    timeout: Type.Optional(Type.Integer()),
    excludeCredentials: Type.Optional(Type.Array(Descriptor)),
    authenticatorSelection: Type.Optional(
      Type.Object({
        authenticatorAttachment: Type.Optional(Type.String()),
        residentKey: Type.Optional(Type.String()),
        requireResidentKey: Type.Optional(Type.Boolean()),
        userVerification: Type.Optional(Type.String()),
      }),
    ),
    hints: Type.Optional(Type.Array(Type.String())),
    attestation: Type.Optional(Type.String()),
    extensions: Type.Optional(Extensions),
  },
  {
    title: 'PasskeyCreationOptions',
    description: 'PublicKeyCredentialCreationOptionsJSON: hand it to navigator.credentials.create().',
  },
);

export const PasskeyRequestOptions = Type.Object(
  {
    challenge: Type.String(),
    rpId: Type.Optional(Type.String()),
    timeout: Type.Optional(Type.Integer()),
    allowCredentials: Type.Optional(Type.Array(Descriptor)),
    userVerification: Type.Optional(Type.String()),
    hints: Type.Optional(Type.Array(Type.String())),
    extensions: Type.Optional(Extensions),
  },
  {
    title: 'PasskeyRequestOptions',
    description: 'PublicKeyCredentialRequestOptionsJSON: hand it to navigator.credentials.get().',
  },
);

const Attachment = Type.Optional(Type.Union([Type.Literal('platform'), Type.Literal('cross-platform')]));

export const RegistrationResponse = Type.Object(
  {
    id: Base64Url,
    rawId: Base64Url,
    type: Type.Literal('public-key'),
    response: Type.Object({
      clientDataJSON: Base64Url,
      attestationObject: Base64Url,
      authenticatorData: Type.Optional(Base64Url),
      transports: Type.Optional(Type.Array(Type.String({ maxLength: 32 }), { maxItems: 10 })),
      publicKeyAlgorithm: Type.Optional(Type.Integer()),
      publicKey: Type.Optional(Base64Url),
    }),
    authenticatorAttachment: Attachment,
    clientExtensionResults: Extensions,
  },
  { description: "The new credential's toJSON() (RegistrationResponseJSON)." },
);

export const AuthenticationResponse = Type.Object(
  {
    id: Base64Url,
    rawId: Base64Url,
    type: Type.Literal('public-key'),
    response: Type.Object({
      clientDataJSON: Base64Url,
      authenticatorData: Base64Url,
      signature: Base64Url,
      userHandle: Type.Optional(Base64Url),
    }),
    authenticatorAttachment: Attachment,
    clientExtensionResults: Extensions,
  },
  { description: "The assertion's toJSON() (AuthenticationResponseJSON)." },
);

const CurrentPassword = Type.String({
  minLength: 1,
  maxLength: 200,
  description: 'Needed unless your session was opened in the last 10 minutes.',
});
const Name = Type.String({
  minLength: 1,
  maxLength: 100,
  description: 'Your label for it, e.g. "Work laptop".',
});

export const Reauthentication = Type.Object({ current_password: Type.Optional(CurrentPassword) });

export const PasskeyRegisterBody = Type.Object({ name: Name, response: RegistrationResponse });

export const PasskeyRenameBody = Type.Object({ name: Name });

export const PasskeyMfaOptionsBody = Type.Object({
  challenge: Type.String({
    minLength: 1,
    maxLength: 200,
    description: 'The challenge of the 401 IDENTITY_MFA_REQUIRED that listed "passkey" among its factors.',
  }),
});

export const PasskeyLoginBody = Type.Object({ response: AuthenticationResponse });

export const PasskeyV2 = Type.Object(
  {
    id: Type.Integer(),
    name: Type.String(),
    device_type: Type.Union([Type.Literal('singleDevice'), Type.Literal('multiDevice')], {
      description: 'multiDevice: synced across your devices by its provider.',
    }),
    backed_up: Type.Boolean(),
    transports: Type.Array(Type.String()),
    created_at: DateTime,
    last_used_at: Nullable(DateTime),
  },
  { title: 'Passkey' },
);

export const PasskeyRegistered = Type.Composite(
  [
    PasskeyV2,
    Type.Object({
      recovery_codes: Type.Optional(
        Type.Array(Type.String(), {
          description: 'With your first second factor: ten single-use recovery codes, shown this once.',
        }),
      ),
    }),
  ],
  { title: 'PasskeyRegistered' },
);
