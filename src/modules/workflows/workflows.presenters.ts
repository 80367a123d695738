import type { Static } from '@sinclair/typebox';
import type { AssignmentV2, QueuedV2, TicketRunV2 } from './workflows.schemas.ts';
import type { RunView } from './workflows.service.ts';
import type { QueuedAssignment, TicketAssignment } from './workflows.tables.ts';

export const presentRunV2 = (view: RunView): Static<typeof TicketRunV2> => ({
  ticket_id: view.run.ticketId,
  workflow_id: view.run.workflowId,
  version: view.versionNumber,
  step: view.step,
  step_entered_at: view.run.stepEnteredAt.toISOString(),
  finished_at: view.run.finishedAt?.toISOString() ?? null,
  transitions: view.transitions,
  trace: view.run.trace as Record<string, unknown>,
});

export const presentAssignmentV2 = (row: TicketAssignment): Static<typeof AssignmentV2> => ({
  id: row.id,
  ticket_id: row.ticketId,
  user_id: row.userId,
  role_id: row.roleId,
  step: row.stepKey,
  method: row.method,
  reason: row.reason,
  details: row.details as Record<string, unknown>,
  actor_id: row.actorId,
  created_at: row.createdAt.toISOString(),
});

export const presentQueuedV2 = (row: QueuedAssignment): Static<typeof QueuedV2> => ({
  ticket_id: row.ticketId,
  role_id: row.roleId,
  step: row.stepKey,
  requires_availability: row.requiresAvailability,
  reason: row.reason,
  queued_at: row.queuedAt.toISOString(),
});
