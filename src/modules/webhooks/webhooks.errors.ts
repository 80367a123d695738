import { defineErrors } from '../../platform/http/errors.ts';

export const webhooksErrors = defineErrors({
  WEBHOOK_ENDPOINT_NOT_FOUND: ['not_found', 'Not found.'],
  WEBHOOK_DELIVERY_NOT_FOUND: ['not_found', 'Not found.'],
  WEBHOOK_UNSAFE_URL: ['invalid', 'This URL cannot receive webhooks.'],
});
