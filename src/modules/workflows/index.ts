/**
 * Workflows: per kind of ticket, named workflows of steps and transitions, versioned
 * (one draft; publishing retires the previous version while tickets on it finish
 * there), and the assignment machinery behind the steps (assignment roles, members,
 * assignee profiles with capacity and working-hours calendar). The admin API
 * (`workflowAdminRoutesV2`, service `createWorkflowAdmin`) manages all of it; other
 * modules reach the module only through this file.
 */
export {
  createWorkflowAdmin,
  type TicketKind as WorkflowKind,
  type WorkflowAdmin,
  type WorkflowAdminDeps,
} from './workflows.admin.ts';
export { workflowAdminPermissions } from './workflows.admin.policy.ts';
export { workflowAdminRoutesV2, type WorkflowAdminRouteOptions } from './workflows.admin.routes.ts';
export type { AssigneeProfileView, ProfileInput } from './workflows.admin.profiles.ts';
export type { AssignmentRoleDetail, RoleInput, RoleMember } from './workflows.admin.roles.ts';
export type { DraftInput } from './workflows.admin.versions.ts';
export type { WorkflowInput } from './workflows.admin.workflows.ts';
export type { WorkflowRow, WorkflowVersionRow } from './workflows.admin.repository.ts';
export type { AssignmentRoleRow } from './workflows.admin.roles.repository.ts';
export { createWorkflowsService, type WorkflowsService, type WorkflowsDeps } from './workflows.service.ts';
export type { TransitionInput } from './workflows.transitions.ts';
export {
  WORKFLOW_STEP_ENTERED,
  type StepEntered,
  type StepEnteredHook,
  type StepEnteredManyHook,
} from './workflows.events.ts';
export { workflowsRoutesV2, type WorkflowsRouteOptions } from './workflows.routes.ts';
export { createWorkflowsJobs, requestQueueDrain } from './workflows.jobs.ts';
export type { WorkflowStep, WorkflowDefinition } from './workflows.definition.ts';
export { seedServiceDesk } from './workflows.seed.ts';
