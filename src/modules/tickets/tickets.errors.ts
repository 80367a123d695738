import { defineErrors } from '../../platform/http/errors.ts';

export const ticketErrors = defineErrors({
  TICKET_NOT_FOUND: ['not_found', 'Not found.'],
  TICKET_INVALID_TRANSITION: ['conflict', 'This status change is not allowed.'],
  TICKET_FORBIDDEN: ['forbidden', 'You may not change this ticket.'],
  TICKET_ASSIGNEE_INVALID: ['invalid', 'This person cannot be assigned tickets.'],
  TICKET_COMMENT_NOT_FOUND: ['not_found', 'Not found.'],
  TICKET_ATTACHMENT_NOT_FOUND: ['not_found', 'Not found.'],
  TICKET_TYPE_NOT_FOUND: ['not_found', 'Not found.'],
  TICKET_CATEGORY_NOT_FOUND: ['not_found', 'Not found.'],
  TICKET_IMPORT_NOT_FOUND: ['not_found', 'Not found.'],
  TICKET_IMPORT_ROWS_INVALID: ['unprocessable', 'Some rows are invalid; nothing was imported.'],
});
