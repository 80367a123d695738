import { Type, type Static } from '@sinclair/typebox';
import { Nullable } from '../../platform/http/schemas.ts';

/** At most this many recipients per message. */
export const MAX_RECIPIENTS = 50;
export const MAX_SUBJECT_LENGTH = 255;
export const MAX_MESSAGE_LENGTH = 100_000;
export const MAX_HTML_LENGTH = 500_000;

const fields = {
  to: Type.Array(
    Type.String({ minLength: 1, maxLength: 254, description: 'A plain address: ada@example.com.' }),
    {
      minItems: 1,
      maxItems: MAX_RECIPIENTS,
      description: `Recipients (1 to ${MAX_RECIPIENTS}), all in the To of one message, as Django's send_mail sends it.`,
    },
  ),
  subject: Type.String({ minLength: 1, maxLength: MAX_SUBJECT_LENGTH, description: 'One line.' }),
  message: Type.String({ minLength: 1, maxLength: MAX_MESSAGE_LENGTH, description: 'The plain-text body.' }),
};

export const SendEmailV1Body = Type.Object(
  {
    ...fields,
    html: Type.Optional(
      Nullable(Type.String({ maxLength: MAX_HTML_LENGTH, description: 'An HTML alternative of the body.' })),
    ),
  },
  { title: 'SendEmailV1Body' },
);
export type SendEmailV1Body = Static<typeof SendEmailV1Body>;

export const SendEmailV2Body = Type.Object(
  {
    ...fields,
    html: Type.Optional(
      Type.String({ maxLength: MAX_HTML_LENGTH, description: 'An HTML alternative of the body.' }),
    ),
  },
  { title: 'SendEmailV2Body', additionalProperties: false },
);
export type SendEmailV2Body = Static<typeof SendEmailV2Body>;

export const EmailQueued = Type.Object(
  {
    job_id: Type.String({ description: 'The id of the background job that sends it.' }),
    status: Type.Literal('queued'),
    to: Type.Array(Type.String(), { description: 'The recipients, duplicates removed.' }),
  },
  { title: 'EmailQueued' },
);
export type EmailQueued = Static<typeof EmailQueued>;
