import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Actor } from '../../platform/auth/actor.ts';
import { IdParams } from '../../platform/http/schemas.ts';
import type { SlaExplanation } from './sla.explain.ts';
import { presentTicketSlaV2 } from './sla.presenters.ts';
import { TicketSlaV2 } from './sla.schemas.ts';

export interface SlaRouteOptions {
  explain: (actor: Actor, ticketId: number) => Promise<SlaExplanation>;
}

/** `/api/v2/tickets/:id/sla`: a ticket's clocks, their ledger, and why each is due when it is. */
export const slaRoutesV2: FastifyPluginAsyncTypebox<SlaRouteOptions> = async (app, { explain }) => {
  app.get(
    '/tickets/:id/sla',
    {
      config: { permission: 'tickets:read' },
      schema: {
        tags: ['sla'],
        summary: "A ticket's SLA clocks, their ledger and the explanation of each due time.",
        params: IdParams,
        response: { 200: TicketSlaV2 },
      },
    },
    async (request) => {
      if (!request.actor) throw new Error('authenticated route without an actor');
      return presentTicketSlaV2(await explain(request.actor, request.params.id));
    },
  );
};
