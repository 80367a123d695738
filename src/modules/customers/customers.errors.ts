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
  CUSTOMERS_ERASED: ['conflict', 'This customer was erased; their record can no longer change.'],
  CUSTOMERS_MERGED: [
    'not_found',
    'This customer was merged into another; `merged_into_id` is where it went.',
  ],
  CUSTOMERS_MERGE_INVALID: ['invalid', 'These two customers cannot be merged.'],
});
