import { Type } from '@sinclair/typebox';
import { DateTime, Nullable } from '../../platform/http/schemas.ts';
import { Password } from './identity.schemas.ts';

const Id = Type.Integer({ minimum: 1, maximum: 2_147_483_647 });
const Email = Type.String({ maxLength: 254, format: 'email' });
const Code = Type.String({ minLength: 1, maxLength: 200, description: 'The code from the mail.' });

export const Detail = Type.Object({ detail: Type.String() });

export const PasswordResetBody = Type.Object({ email: Email }, { additionalProperties: false });
export const PasswordResetConfirmBody = Type.Object(
  { token: Code, password: Password },
  { additionalProperties: false },
);
export const PasswordChangeBody = Type.Object(
  { current_password: Type.String({ minLength: 1, maxLength: 200 }), new_password: Password },
  { additionalProperties: false },
);
export const EmailChangeBody = Type.Object(
  { email: Email, current_password: Type.String({ minLength: 1, maxLength: 200 }) },
  { additionalProperties: false },
);
export const EmailConfirmBody = Type.Object({ token: Code }, { additionalProperties: false });

export const SessionV2 = Type.Object(
  {
    id: Type.Integer(),
    created_at: DateTime,
    last_seen_at: DateTime,
    expires_at: DateTime,
    ip: Nullable(Type.String()),
    user_agent: Nullable(Type.String()),
    current: Type.Boolean({ description: 'The session this request came with.' }),
  },
  { title: 'Session' },
);

export const SessionsEnded = Type.Object({
  ended: Type.Integer({ description: 'How many sessions ended.' }),
});

export const SessionParams = Type.Object({ id: Id });
export const UserSessionParams = Type.Object({ id: Id, sessionId: Id });
export const UserTokenParams = Type.Object({ id: Id, tokenId: Id });
