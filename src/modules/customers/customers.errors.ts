import { defineErrors } from '../../platform/http/errors.ts';

export const customersErrors = defineErrors({
  CUSTOMERS_NOT_FOUND: ['not_found', 'Not found.'],
  CUSTOMERS_NOT_AN_ORGANISATION: [
    'not_found',
    'No organisation has this id; only organisations have contacts.',
  ],
  CUSTOMERS_HAS_CONTACTS: [
    'conflict',
    'This organisation still has contacts; unlink them before making it a person.',
  ],
});
