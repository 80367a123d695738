import { Type } from '@sinclair/typebox';

export const AuditEntrySchema = Type.Object(
  {
    id: Type.Integer(),
    at: Type.String({ format: 'date-time' }),
    actor_id: Type.Union([Type.Integer(), Type.Null()]),
    actor: Type.String({ description: 'Username of the actor at the time, or system:<task>.' }),
    action: Type.String({ examples: ['facility.updated'] }),
    resource_type: Type.String(),
    resource_id: Type.String(),
    before: Type.Unknown({ description: 'The resource before the change (null on create).' }),
    after: Type.Unknown({ description: 'The resource after the change (null on delete).' }),
    request_id: Type.Union([Type.String(), Type.Null()]),
    ip: Type.Union([Type.String(), Type.Null()]),
  },
  { title: 'AuditEntry' },
);
