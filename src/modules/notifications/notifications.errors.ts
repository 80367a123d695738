import { defineErrors } from '../../platform/http/errors.ts';

export const notificationsErrors = defineErrors({
  NOTIFICATIONS_NOT_FOUND: ['not_found', 'Not found.'],
});
