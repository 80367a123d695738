import { defineErrors } from '../../platform/http/errors.ts';

/** The runtime's error codes (the admin API declares its own in workflows.admin.errors.ts). */
export const workflowErrors = defineErrors({
  WORKFLOWS_NO_RUN: ['conflict', 'This ticket does not run a workflow.'],
  WORKFLOWS_RUN_FINISHED: ['conflict', 'This ticket has finished its workflow.'],
  WORKFLOWS_UNKNOWN_ACTION: ['conflict', 'This action is not available from the current step.'],
  WORKFLOWS_ROLE_REQUIRED: ['forbidden', 'This action is reserved for another role.'],
  WORKFLOWS_ROLE_NOT_FOUND: ['not_found', 'Not found.'],
});
