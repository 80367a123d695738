import type { RequestContext } from '../../platform/auth/actor.ts';
import type { Executor } from '../../platform/db/client.ts';
import type { TicketRow } from '../tickets/index.ts';
import type { WorkflowStep } from './workflows.definition.ts';

/**
 * `workflow.step_entered`: a ticket entered a step (its start step included). The SLA
 * module hears it in the same transaction to pause or resume clocks and to set the
 * step's budget. Until the outbox exists this is a hook passed in the service's deps.
 */
export const WORKFLOW_STEP_ENTERED = 'workflow.step_entered';

export interface StepEntered {
  ticket: TicketRow;
  step: WorkflowStep;
  /** The sum of the version's step weights: the step's budget is its weight over this share. */
  totalWeight: number;
  at: Date;
}

export type StepEnteredHook = (tx: Executor, ctx: RequestContext, event: StepEntered) => Promise<void>;

/** The same event for many tickets at once (an import), in order: the same effect as one hook call each. */
export type StepEnteredManyHook = (tx: Executor, ctx: RequestContext, events: StepEntered[]) => Promise<void>;
