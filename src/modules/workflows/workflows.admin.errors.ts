import { defineErrors } from '../../platform/http/errors.ts';

/** Error codes of the workflow and assignment admin API. */
export const workflowAdminErrors = defineErrors({
  WORKFLOWS_ROLE_NOT_FOUND: ['not_found', 'Not found.'],
  WORKFLOWS_ROLE_IN_USE: [
    'conflict',
    'A published or draft workflow version uses this assignment role; change those versions first.',
  ],
  WORKFLOWS_MEMBER_NOT_FOUND: ['not_found', 'This person is not a member of the assignment role.'],
  WORKFLOWS_USER_NOT_FOUND: ['not_found', 'Not found.'],
  WORKFLOWS_WORKFLOW_NOT_FOUND: ['not_found', 'Not found.'],
  WORKFLOWS_WORKFLOW_IN_USE: [
    'conflict',
    'Tickets run on this workflow, so it cannot be deleted; deactivate it instead (is_active: false).',
  ],
  WORKFLOWS_VERSION_NOT_FOUND: ['not_found', 'Not found.'],
  WORKFLOWS_DRAFT_EXISTS: [
    'conflict',
    'This workflow already has a draft; edit it (PUT) or delete it before starting another.',
  ],
  WORKFLOWS_VERSION_NOT_DRAFT: [
    'conflict',
    'Only a draft can change; published and retired versions never do. Start a new draft from it ' +
      '(POST .../versions with {"from": <number>}).',
  ],
  WORKFLOWS_DEFINITION_INVALID: [
    'invalid',
    'This version cannot be published; `errors` lists every problem by its path in the definition.',
  ],
});
