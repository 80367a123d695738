import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { WorkflowStep, WorkflowTransition, type RequirableField } from './workflows.definition.ts';

const Reference = Type.Union([Type.Integer({ minimum: 1, maximum: 2_147_483_647 }), Type.Null()]);

/** A ticket's run of its workflow: where it is, what it can do next, and why this workflow. */
export const TicketRunV2 = Type.Object({
  ticket_id: Type.Integer(),
  workflow_id: Type.Integer(),
  version: Type.Integer({
    description: 'The workflow version this ticket runs on; later versions do not change it.',
  }),
  step: Type.Union([WorkflowStep, Type.Null()]),
  step_entered_at: Type.String({ format: 'date-time' }),
  finished_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  transitions: Type.Array(WorkflowTransition, {
    description: 'The actions available from the current step.',
  }),
  trace: Type.Record(Type.String(), Type.Unknown(), {
    description: 'How the workflow was matched (level, candidates passed over).',
  }),
});

export const TransitionBody = Type.Object(
  {
    action: Type.String({ minLength: 1, maxLength: 64 }),
    fields: Type.Optional(
      Type.Object(
        {
          description: Type.Optional(Type.String({ maxLength: 10_000 })),
          category_id: Type.Optional(Reference),
          subcategory_id: Type.Optional(Reference),
          incident_type_id: Type.Optional(Reference),
          facility_id: Type.Optional(Reference),
          due_date: Type.Optional(Type.Union([Type.String({ format: 'date' }), Type.Null()])),
        } satisfies Record<Exclude<RequirableField, 'comment'>, TSchema>,
        { additionalProperties: false, description: 'Ticket fields the transition sets (and may require).' },
      ),
    ),
    comment: Type.Optional(Type.String({ maxLength: 10_000 })),
  },
  { additionalProperties: false },
);
export type TransitionBody = Static<typeof TransitionBody>;

export const AssignmentV2 = Type.Object({
  id: Type.Integer(),
  ticket_id: Type.Integer(),
  user_id: Type.Union([Type.Integer(), Type.Null()]),
  role_id: Type.Union([Type.Integer(), Type.Null()]),
  step: Type.Union([Type.String(), Type.Null()]),
  method: Type.String({ description: 'auto, manual, escalation, queued or released.' }),
  reason: Type.String({
    description:
      'Why, in words: "least loaded of 4 available (2 open tickets); 2 skipped: 1 on leave, 1 at capacity".',
  }),
  details: Type.Record(Type.String(), Type.Unknown()),
  actor_id: Type.Union([Type.Integer(), Type.Null()]),
  created_at: Type.String({ format: 'date-time' }),
});

export const QueuedV2 = Type.Object({
  ticket_id: Type.Integer(),
  role_id: Type.Integer(),
  step: Type.Union([Type.String(), Type.Null()]),
  requires_availability: Type.Boolean(),
  reason: Type.String({ description: 'Why nobody could take it when it was queued.' }),
  queued_at: Type.String({ format: 'date-time' }),
});
