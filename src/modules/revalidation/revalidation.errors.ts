import { defineErrors } from '../../platform/http/errors.ts';

export const revalidationErrors = defineErrors({
  REVALIDATION_TARGET_NOT_FOUND: ['not_found', 'Not found.'],
  REVALIDATION_DELIVERY_NOT_FOUND: ['not_found', 'Not found.'],
  REVALIDATION_UNSAFE_URL: ['invalid', 'This URL cannot receive revalidation requests.'],
});
