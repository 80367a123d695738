import { defineErrors } from '../../platform/http/errors.ts';

export const rentalsErrors = defineErrors({
  RENTALS_CATEGORY_NOT_FOUND: ['not_found', 'Not found.'],
  RENTALS_PRODUCT_NOT_FOUND: ['not_found', 'Not found.'],
  RENTALS_STOCK_ITEM_NOT_FOUND: ['not_found', 'Not found.'],
  RENTALS_ORDER_NOT_FOUND: ['not_found', 'Not found.'],
  RENTALS_CATEGORY_IN_USE: ['conflict', 'This category still has products; move or delete them first.'],
  RENTALS_PRODUCT_IN_USE: [
    'conflict',
    'This product has stock items or orders; set it inactive instead of deleting it.',
  ],
  RENTALS_STOCK_ITEM_IN_USE: ['conflict', 'This stock item has bookings; retire it instead of deleting it.'],
  RENTALS_TRANSITION_NOT_ALLOWED: ['conflict', 'This order cannot make that transition from its status.'],
  RENTALS_UNAVAILABLE: ['conflict', 'Not enough free units of a product for the requested period.'],
});
