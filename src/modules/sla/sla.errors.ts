import { defineErrors } from '../../platform/http/errors.ts';

/** The SLA module's error codes. */
export const slaErrors = defineErrors({
  SLA_POLICY_NOT_FOUND: ['not_found', 'Not found.'],
  SLA_NO_CLOCK: [
    'not_found',
    'This ticket has no SLA clock: it predates SLA clocks, and its status, priority and category have not changed since.',
  ],
});
