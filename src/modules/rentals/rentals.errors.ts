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
  RENTALS_PAYMENT_NOT_ALLOWED: ['conflict', 'This order cannot take that payment in its status.'],
  RENTALS_OVERPAYMENT: ['conflict', 'The amount is more than the order owes.'],
  RENTALS_REFUND_EXCEEDS_PAID: ['conflict', 'A refund cannot exceed what the payment brought in.'],
  RENTALS_DEPOSIT_NOT_DUE: ['conflict', 'The deposit is already held.'],
  RENTALS_DEPOSIT_NOT_HELD: ['conflict', 'There is no held deposit to release.'],
  RENTALS_IDEMPOTENCY_KEY_REQUIRED: ['invalid', 'Payment calls need an Idempotency-Key header.'],
  RENTALS_WEBHOOK_BODY_INVALID: ['invalid', 'The webhook body is not a card processor event.'],
  RENTALS_WEBHOOK_SIGNATURE_INVALID: ['unauthenticated', 'The webhook signature is missing, stale or wrong.'],
  RENTALS_ORDER_NOT_EDITABLE: ['conflict', 'Only a draft order can be edited.'],
  RENTALS_HANDOVER_INVALID: ['conflict', 'These stock items cannot be handed over now.'],
  RENTALS_PHOTO_NOT_FOUND: ['not_found', 'Not found.'],
});
