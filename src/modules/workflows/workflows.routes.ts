import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { contextOf } from '../../platform/auth/actor.ts';
import { IdParams } from '../../platform/http/schemas.ts';
import { presentAssignmentV2, presentQueuedV2, presentRunV2 } from './workflows.presenters.ts';
import { AssignmentV2, QueuedV2, TicketRunV2, TransitionBody } from './workflows.schemas.ts';
import type { WorkflowsService } from './workflows.service.ts';

export interface WorkflowsRouteOptions {
  workflows: WorkflowsService;
}

const tags = ['workflows'];

/** `/api/v2/tickets/:id/workflow|transitions|assignments`: a ticket's run, acting on it, and who got it and why. */
export const workflowsRoutesV2: FastifyPluginAsyncTypebox<WorkflowsRouteOptions> = async (
  app,
  { workflows },
) => {
  app.get(
    '/tickets/:id/workflow',
    {
      config: { permission: 'tickets:read' },
      schema: {
        tags,
        summary: "The ticket's workflow run and why it was matched.",
        params: IdParams,
        response: { 200: TicketRunV2 },
      },
    },
    async (request) => presentRunV2(await workflows.runOf(contextOf(request).actor, request.params.id)),
  );

  app.post(
    '/tickets/:id/transitions',
    {
      config: { permission: 'tickets:work' },
      schema: {
        tags,
        summary: 'Take a transition from the current step (`action`), with the fields it requires.',
        params: IdParams,
        body: TransitionBody,
        response: { 200: TicketRunV2 },
      },
    },
    async (request) => {
      const { action, fields, comment } = request.body;
      return presentRunV2(
        await workflows.transition(contextOf(request), request.params.id, { action, fields, comment }),
      );
    },
  );

  app.get(
    '/tickets/:id/assignments',
    {
      config: { permission: 'tickets:read' },
      schema: {
        tags,
        summary: 'Every assignment decision for the ticket, oldest first, with its reason.',
        params: IdParams,
        response: { 200: Type.Object({ results: Type.Array(AssignmentV2) }) },
      },
    },
    async (request) => ({
      results: (await workflows.assignmentsOf(contextOf(request).actor, request.params.id)).map(
        presentAssignmentV2,
      ),
    }),
  );

  app.get(
    '/assignment-roles/:id/queue',
    {
      config: { permission: 'workflows:read' },
      schema: {
        tags,
        summary: 'Tickets waiting for someone of this role to become available, oldest first (at most 200).',
        params: IdParams,
        response: { 200: Type.Object({ results: Type.Array(QueuedV2) }) },
      },
    },
    async (request) => ({
      results: (await workflows.queueOf(contextOf(request).actor, request.params.id)).map(presentQueuedV2),
    }),
  );
};
