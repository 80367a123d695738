import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { contextOf } from '../../platform/auth/actor.ts';
import { commonErrors } from '../../platform/http/errors.ts';
import { sendList } from '../../platform/http/negotiation.ts';
import { v2PageSchema } from '../../platform/http/pagination.ts';
import { listQuerySchema, parseListQuery } from '../../platform/http/query.ts';
import { IdParams } from '../../platform/http/schemas.ts';
import { expansionsOf } from '../../platform/http/shape-controls.ts';
import {
  requesterCustomersOf,
  type RequesterCustomerSource,
  type RequesterCustomers,
} from './tickets.expand.ts';
import { ticketExportProjections } from './tickets.export.ts';
import { presentTicketV2 } from './tickets.presenters.ts';
import { ticketList } from './tickets.repository.ts';
import { TicketV2 } from './tickets.schemas.ts';
import type { TicketsService } from './tickets.service.ts';

export interface CustomerTicketsRouteOptions {
  tickets: TicketsService;
  /** Whether the customer exists (customers module): an unknown one is a 404, not an empty list. */
  customerExists: (id: number) => Promise<boolean>;
  /** The customers module, for `expand=requester_customer`. */
  customers: RequesterCustomerSource;
}

/**
 * `/api/v2/customers/:id/tickets`: the tickets a customer requested, as the caller may
 * see them (the ticket list with `requester_customer` fixed, its filters, formats and
 * pages).
 */
export const customerTicketsRoutesV2: FastifyPluginAsyncTypebox<CustomerTicketsRouteOptions> = (
  app,
  { tickets, customerExists, customers },
) => {
  app.get(
    '/customers/:id/tickets',
    {
      config: { permission: 'tickets:read' },
      schema: {
        tags: ['customers'],
        summary:
          'The tickets this customer requested that you can see (404 for an unknown customer). JSON, CSV, XML or NDJSON.',
        params: IdParams,
        querystring: listQuerySchema(ticketList, 'v2'),
        response: { 200: v2PageSchema(TicketV2) },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      if (!(await customerExists(id))) throw commonErrors.NOT_FOUND();
      const { actor } = contextOf(request);
      const asked = parseListQuery(ticketList, request.query, 'v2');
      const params = { ...asked, filters: { ...asked.filters, requester_customer: [id] } };
      const expand = expansionsOf(request);
      let requesters: RequesterCustomers = null;
      return sendList(request, reply, {
        page: async () => {
          const page = await tickets.list(actor, params);
          requesters = await requesterCustomersOf(customers, actor, expand, page.rows);
          return page;
        },
        flat: {
          projection: ticketExportProjections.v2,
          batches: () => tickets.exportRows(actor, params, 'v2'),
        },
        present: (view) => presentTicketV2(view, expand, requesters),
        item: TicketV2,
        filename: `customer-${id}-tickets`,
      });
    },
  );
  return Promise.resolve();
};
