import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { TicketAttachmentsService } from './tickets.attachments.ts';
import type { RequesterCustomerSource } from './tickets.expand.ts';
import type { TicketReferenceService } from './tickets.reference.ts';
import { ticketAttachmentRoutesV2 } from './tickets.routes.v2.attachments.ts';
import { ticketDiscussionRoutesV2 } from './tickets.routes.v2.discussion.ts';
import { ticketReferenceRoutesV2 } from './tickets.routes.v2.reference.ts';
import { ticketRoutesV2 } from './tickets.routes.v2.ts';
import type { TicketsService } from './tickets.service.ts';

/**
 * The tickets module's routes, one file per API version and concern: v1 (the BMS
 * contract) in tickets.routes.v1.ts; v2 tickets, their discussion, their attachments
 * and the reference data each in a tickets.routes.v2.*.ts of their own.
 */
export interface TicketsRouteOptions {
  tickets: TicketsService;
  reference: TicketReferenceService;
  attachments: TicketAttachmentsService;
  /** The customers module, for `expand=requester_customer`. */
  customers: RequesterCustomerSource;
}

export { ticketsRoutesV1 } from './tickets.routes.v1.ts';

export const ticketsRoutesV2: FastifyPluginAsyncTypebox<TicketsRouteOptions> = async (app, options) => {
  await app.register(ticketRoutesV2, options);
  await app.register(ticketDiscussionRoutesV2, options);
  await app.register(ticketAttachmentRoutesV2, options);
  await app.register(ticketReferenceRoutesV2, options);
};
