import { Type } from '@sinclair/typebox';
import { DateTime, Nullable } from '../../platform/http/schemas.ts';
import { EMAIL_STATES } from './notifications.tables.ts';

export const NotificationV2 = Type.Object(
  {
    id: Type.Integer(),
    kind: Type.String({ description: 'What happened, dotted: ticket.assigned, sla.at_risk, sla.breached.' }),
    title: Type.String(),
    body: Type.String(),
    ticket_id: Nullable(Type.Integer()),
    data: Type.Record(Type.String(), Type.Unknown(), { description: 'Details for clients, by kind.' }),
    read: Type.Boolean(),
    read_at: Nullable(DateTime),
    email_state: Type.Union(
      EMAIL_STATES.map((state) => Type.Literal(state)),
      {
        description:
          'none: no e-mail; scheduled: queued for email_at (held until the working hours of the recipient ' +
          'when that is later than created_at); sent; failed: every attempt failed.',
      },
    ),
    email_at: Nullable(DateTime),
    created_at: DateTime,
  },
  { title: 'NotificationV2' },
);

export const UnreadCountV2 = Type.Object({ count: Type.Integer({ minimum: 0 }) }, { title: 'UnreadCountV2' });

export const MarkedV2 = Type.Object(
  { marked: Type.Integer({ minimum: 0, description: 'Notifications that were unread until now.' }) },
  { title: 'MarkedReadV2' },
);
