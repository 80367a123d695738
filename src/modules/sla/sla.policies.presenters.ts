import type { Static } from '@sinclair/typebox';
import type { SlaPolicyInput } from './sla.policies.validation.ts';
import type { SlaPolicyCreateBody, SlaPolicyUpdateBody, SlaPolicyV2 } from './sla.policies.schemas.ts';
import type { SlaPolicy } from './sla.tables.ts';

export const presentSlaPolicyV2 = (policy: SlaPolicy): Static<typeof SlaPolicyV2> => ({
  id: policy.id,
  name: policy.name,
  priority: policy.priority,
  category_id: policy.categoryId,
  calendar_id: policy.calendarId,
  first_response_minutes: policy.firstResponseMinutes,
  resolution_minutes: policy.resolutionMinutes,
  at_risk_percent: policy.atRiskPercent,
  escalation_levels: policy.escalationLevels.map((level) => ({
    after_percent: level.after_percent,
    raise_priority: level.raise_priority ?? false,
    reassign_to_manager: level.reassign_to_manager ?? false,
  })),
  is_active: policy.isActive,
  version: policy.version,
  created_at: policy.createdAt.toISOString(),
  updated_at: policy.updatedAt.toISOString(),
});

/** A request body as the service's input: only the fields the client sent. */
export const slaPolicyInput = (body: SlaPolicyCreateBody | SlaPolicyUpdateBody): SlaPolicyInput => ({
  name: body.name,
  priority: body.priority,
  categoryId: body.category_id,
  calendarId: body.calendar_id,
  firstResponseMinutes: body.first_response_minutes,
  resolutionMinutes: body.resolution_minutes,
  atRiskPercent: body.at_risk_percent,
  escalationLevels: body.escalation_levels,
  isActive: body.is_active,
});
