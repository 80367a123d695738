import { defineErrors } from '../../platform/http/errors.ts';

/** The SLA module's error codes. */
export const slaErrors = defineErrors({
  SLA_POLICY_NOT_FOUND: ['not_found', 'Not found.'],
});
