import { defineErrors } from '../../platform/http/errors.ts';

export const workforceErrors = defineErrors({
  WORKFORCE_NOT_FOUND: ['not_found', 'Not found.'],
  WORKFORCE_FORBIDDEN: ['forbidden', 'You may not do this.'],
  WORKFORCE_SELF_APPROVAL: ['forbidden', 'You cannot approve or reject your own entries or requests.'],
  WORKFORCE_CONFLICT: ['conflict', 'This conflicts with existing schedules.'],
  WORKFORCE_ALREADY_CLOCKED_IN: ['conflict', 'You are already clocked in; clock out first.'],
  WORKFORCE_NOT_CLOCKED_IN: ['conflict', 'You are not clocked in.'],
  WORKFORCE_WEEK_LOCKED: ['conflict', 'This week is approved; its entries are locked.'],
  WORKFORCE_INVALID_STATE: ['conflict', 'This is not possible in the current state.'],
  WORKFORCE_INSUFFICIENT_BALANCE: [
    'invalid',
    'The balance of this kind of time off does not cover the request.',
  ],
  WORKFORCE_OVERLAPPING_REQUEST: [
    'conflict',
    'You already have a pending or approved request for some of these days.',
  ],
});
