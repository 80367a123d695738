/**
 * Tickets: the service desk's incident and service tickets (one model, two kinds),
 * their lifecycle, comments, attachments, watchers and history, with full-text search
 * and streamed exports; plus the reference data (incident types, categories).
 */
export {
  createTicketsService,
  ticketNumber,
  type TicketsService,
  type TicketView,
  type TicketInput,
} from './tickets.service.ts';
export { createTicketReferenceService, type TicketReferenceService } from './tickets.reference.ts';
export {
  createTicketAttachmentsService,
  type TicketAttachmentsService,
  type AttachmentSettings,
} from './tickets.attachments.ts';
export { managedDepartments, ticketsPermissions } from './tickets.policy.ts';
export { ticketsRoutesV1, ticketsRoutesV2, type TicketsRouteOptions } from './tickets.routes.ts';
export { presentTicketV2 } from './tickets.presenters.ts';
export { TicketV2 } from './tickets.schemas.ts';
export type { Ticket, TicketKind, TicketStatus, Priority } from './tickets.tables.ts';
export type { TicketHooks, TicketChange, ChangeSource, StatusWalk } from './tickets.hooks.ts';
export type { TicketRow } from './tickets.repository.ts';
export type { TicketComment } from './tickets.tables.ts';
export { allowedTransitions, isFinal, isOpenStatus, statusesOf } from './tickets.state.ts';
export { PRIORITIES, TICKET_KINDS, TICKET_STATUSES } from './tickets.tables.ts';
export type { NewTicketItem, PreparedItem } from './tickets.batch.ts';
export {
  IMPORT_COLUMNS,
  IMPORT_FORMATS,
  ImportFileError,
  parseImport,
  type ImportFormat,
  type RowError,
} from './tickets.import.parse.ts';
export {
  IMPORT_MODES,
  runImport,
  type ImportMode,
  type ImportOutcome,
  type ImportProgress,
} from './tickets.import.ts';
export { createTicketImports, INLINE_ROWS, type TicketImports } from './tickets.import.records.ts';
export { createTicketImportJobs, runImportJob } from './tickets.import.jobs.ts';
export { ticketImportRoutesV2 } from './tickets.import.routes.ts';
export { ticketEvents } from './tickets.events.ts';
export { DEMO_CATEGORIES, DEMO_INCIDENT_TYPES, DEMO_TICKETS } from './tickets.seed.ts';
export { ticketRequesterLinks } from './tickets.requester.ts';
export { customerTicketsRoutesV2, type CustomerTicketsRouteOptions } from './tickets.routes.v2.requester.ts';
export { ticketReferenceEvents } from './tickets.reference.events.ts';
export { withTicketCache, withTicketReferenceCache } from './tickets.cache.ts';
export { ticketEventVisibility, ticketVisibility, type TicketVisibilityDeps } from './tickets.visibility.ts';
