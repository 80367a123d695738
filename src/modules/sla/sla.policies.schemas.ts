import { Type, type Static } from '@sinclair/typebox';
import { DateTime, Nullable } from '../../platform/http/schemas.ts';
import { MAX_AFTER_PERCENT, MAX_ESCALATION_LEVELS, MAX_TARGET_MINUTES } from './sla.policies.validation.ts';
import { PRIORITIES } from '../tickets/index.ts';

const Priority = Type.Union(
  PRIORITIES.map((priority) => Type.Literal(priority)),
  { description: 'The ticket priority the policy applies to.' },
);
const Minutes = (description: string) =>
  Type.Integer({ minimum: 1, maximum: MAX_TARGET_MINUTES, description });
const Id = Type.Integer({ minimum: 1, maximum: 2_147_483_647 });

const levelFields = {
  after_percent: Type.Integer({
    minimum: 1,
    maximum: MAX_AFTER_PERCENT,
    description: 'Fires when this percent of the resolution target is spent (over 100: after the breach).',
  }),
  raise_priority: Type.Boolean({ description: 'Raise the ticket one priority step.' }),
  reassign_to_manager: Type.Boolean({ description: "Reassign the ticket to its department's manager." }),
};
export const EscalationLevelV2 = Type.Object(levelFields, { title: 'SlaEscalationLevelV2' });
const EscalationLevelInput = Type.Object(
  {
    after_percent: levelFields.after_percent,
    raise_priority: Type.Optional(levelFields.raise_priority),
    reassign_to_manager: Type.Optional(levelFields.reassign_to_manager),
  },
  { additionalProperties: false },
);
const EscalationLevels = Type.Array(EscalationLevelInput, {
  maxItems: MAX_ESCALATION_LEVELS,
  description: `At most ${MAX_ESCALATION_LEVELS} levels, after_percent strictly increasing; replaces all levels.`,
});

export const SlaPolicyV2 = Type.Object(
  {
    id: Type.Integer(),
    name: Type.String(),
    priority: Priority,
    category_id: Nullable(
      Type.Integer({ description: 'Null: every category of the priority without a policy of its own.' }),
    ),
    calendar_id: Nullable(Type.Integer({ description: 'Business calendar; null: around the clock.' })),
    first_response_minutes: Nullable(Type.Integer({ description: 'Null: no first-response target.' })),
    resolution_minutes: Type.Integer(),
    at_risk_percent: Type.Integer({ description: 'Percent of a target spent at which a ticket is at risk.' }),
    escalation_levels: Type.Array(EscalationLevelV2),
    is_active: Type.Boolean(),
    version: Type.Integer(),
    created_at: DateTime,
    updated_at: DateTime,
  },
  { title: 'SlaPolicyV2' },
);

const writable = {
  name: Type.String({ minLength: 1, maxLength: 200 }),
  priority: Priority,
  category_id: Nullable(Id),
  calendar_id: Nullable(Id),
  first_response_minutes: Nullable(Minutes('Business minutes to the first response; null: no target.')),
  resolution_minutes: Minutes('Business minutes to resolution.'),
  at_risk_percent: Type.Integer({ minimum: 1, maximum: 99 }),
  escalation_levels: EscalationLevels,
  is_active: Type.Boolean(),
};

export const SlaPolicyCreateBody = Type.Object(
  {
    name: writable.name,
    priority: writable.priority,
    category_id: Type.Optional(writable.category_id),
    calendar_id: Type.Optional(writable.calendar_id),
    first_response_minutes: Type.Optional(writable.first_response_minutes),
    resolution_minutes: writable.resolution_minutes,
    at_risk_percent: Type.Optional(Type.Integer({ minimum: 1, maximum: 99, description: 'Default 75.' })),
    escalation_levels: Type.Optional(writable.escalation_levels),
    is_active: Type.Optional(Type.Boolean({ description: 'Default true.' })),
  },
  { additionalProperties: false },
);
export type SlaPolicyCreateBody = Static<typeof SlaPolicyCreateBody>;

export const SlaPolicyUpdateBody = Type.Partial(Type.Object(writable), { additionalProperties: false });
export type SlaPolicyUpdateBody = Static<typeof SlaPolicyUpdateBody>;
